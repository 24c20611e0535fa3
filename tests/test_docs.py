"""The documentation: the getting-started page runs as written, every page the navigation
names exists, and (slow) `mkdocs build --strict` succeeds."""

import pathlib
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def python_blocks(page: pathlib.Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", page.read_text(), flags=re.S | re.M)


def test_getting_started_runs_in_one_namespace(capsys):
    blocks = python_blocks(DOCS / "getting-started.md")
    assert len(blocks) == 6  # the data, then define, compile, fit, evaluate, predict
    namespace: dict = {}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"getting-started.md block {i}", "exec"), namespace)
        except Exception as exc:  # name the block that broke
            raise AssertionError(f"getting-started.md block {i} failed:\n{block}") from exc
    out = capsys.readouterr().out
    assert "Total params" in out  # model.summary() printed the table
    assert namespace["history"].history.keys() >= {"loss", "accuracy", "val_loss",
                                                   "val_accuracy"}
    assert len(namespace["history"].history["loss"]) == 30
    assert namespace["accuracy"] > 0.85, out  # the circle is learnable in 30 epochs
    assert namespace["probabilities"].shape == (5, 1)
    assert set(np.unique(namespace["labels"])) <= {0, 1}


@pytest.mark.parametrize("page", ["guides/layers.md", "guides/training.md", "guides/keras-api.md"])
def test_guide_code_runs(page):
    for block in python_blocks(DOCS / page):
        exec(compile(block, page, "exec"), {})


def test_ecosystem_guide_code_runs():
    pytest.importorskip("sklearn")
    namespace: dict = {}
    for block in python_blocks(DOCS / "guides/ecosystem.md"):
        exec(compile(block, "ecosystem.md", "exec"), namespace)
    x = np.random.default_rng(0).normal(size=(60, 3))
    y = np.where(x[:, 0] > 0, "up", "down")
    scores = namespace["cross_val_score"](namespace["clf"], x, y, cv=2)
    assert scores.mean() > 0.7


def test_every_page_in_the_navigation_exists_and_api_pages_name_modules():
    config = (ROOT / "mkdocs.yml").read_text()
    pages = re.findall(r":\s+(\S+\.md)\s*$", config, flags=re.M)
    assert "getting-started.md" in pages and len(pages) >= 15
    for page in pages:
        assert (DOCS / page).is_file(), f"mkdocs.yml names a missing page {page}"
    for module in ("layers", "models", "losses", "metrics", "optimizers", "callbacks", "ops"):
        assert f"::: numen.{module}" in (DOCS / "api" / f"{module}.md").read_text()
    listed = (DOCS / "examples.md").read_text()
    for script in (ROOT / "examples").glob("*.py"):
        assert script.name in listed, f"docs/examples.md does not mention {script.name}"


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocstrings")
    mkdocs = shutil.which("mkdocs", path=str(pathlib.Path(sys.executable).parent))
    if mkdocs is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    r = subprocess.run([mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
                       cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / "site" / "api" / "layers" / "index.html").stat().st_size > 10_000

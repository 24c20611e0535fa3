"""The import direction of the house (STYLE.md): a module imports only from its own rank or
below, at module level. Lazy imports inside functions (Model.save -> saving) are allowed."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "src" / "numen"

# Lower number = lower rank. callbacks sit below the loops that call them (as in Keras).
RANKS = {
    "backend": 0, "config": 0, "dtypes": 0, "dtype_policies": 0, "tree": 0, "kernels": 0,
    "naming": 0,
    "autodiff": 1,
    "ops": 2,
    "activations": 3, "initializers": 3, "regularizers": 3, "constraints": 3, "losses": 3,
    "metrics": 3, "metrics_confusion": 3, "optimizers": 3, "random": 3, "quantizers": 3,
    "metrics_base": 3, "metrics_iou": 3, "metrics_regression": 3, "metrics_threshold": 3,
    "layers": 4,
    "callbacks": 5,
    "models": 6, "training": 6,
    "saving": 7, "utils": 7, "data": 7, "distillation": 7, "applications": 7,
    "keras": 8, "demo": 8, "cli": 8, "testing": 8, "distribute": 8, "integrations": 8,
    "datasets": 8, "wrappers": 8, "playground": 8,
}


def _rank(module: str) -> int | None:
    return RANKS.get(module)


def _module_level_imports(tree):
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("numen"):
            yield node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("numen"):
                    yield a.name, []


def _files():
    return sorted(p for p in ROOT.rglob("*.py"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down(path):
    rel = path.relative_to(ROOT)
    own = rel.parts[0].removesuffix(".py")
    if own == "__init__":
        return
    own_rank = _rank(own)
    assert own_rank is not None, f"{rel}: add its top-level name to RANKS in this test"
    tree = ast.parse(path.read_text())
    for module, names in _module_level_imports(tree):
        parts = module.split(".")
        targets = [parts[1]] if len(parts) > 1 else names
        for target in targets:
            rank = _rank(target)
            if rank is None:
                continue
            assert rank <= own_rank, f"{rel} imports numen.{target} (rank {rank}) above its " \
                                     f"own rank {own_rank}"


def test_cupy_is_imported_only_by_backend():
    for path in _files():
        if path.name == "backend.py" and path.parent == ROOT:
            continue
        assert "import cupy" not in path.read_text(), f"{path} imports cupy"


def test_engine_never_imports_the_op_catalogue():
    """autodiff sits below ops: not even a lazy import inside a function reaches up to it
    (Tensor's operators are bound by numen.ops as it loads)."""
    for path in sorted((ROOT / "autodiff").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                assert not any(n.startswith("numen.ops") for n in names), path.name
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("numen.ops") for a in node.names), path.name

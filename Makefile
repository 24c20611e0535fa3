# numen: `make demo` and `make test` set up .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast lint bench clean interop docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m numen.demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" tests

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples

# Both directions of Keras 3 file interop, in a separate venv with keras + jax.
INTEROP := $(VENV)/interop
interop:
	test -x $(INTEROP)/bin/python || $(PY) -m venv $(INTEROP)
	$(INTEROP)/bin/python -m pip install --quiet keras jax h5py tqdm pytest -e .
	KERAS_BACKEND=jax $(INTEROP)/bin/python -m pytest -q tests/test_saving_interop.py

bench: $(STAMP)
	$(BIN)/python bench/mlp.py

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache

# numen: `make demo` and `make test` set up .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo playground test test-fast lint bench clean interop docs golden

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m numen.demo

# The playground: build, train and inspect a model in the browser (http://127.0.0.1:8765).
playground: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[playground]"
	$(BIN)/numen playground

# The suite runs once per kernel path: with the compiled kernels of numen[fast] (the test extra
# installs Numba) and with NUMEN_KERNELS=numpy, the path of an install without the extra.
# `make test KERNEL_PATHS=numba` runs one pass.
KERNEL_PATHS ?= numba numpy
test: $(STAMP)
	@for path in $(KERNEL_PATHS); do \
	  echo "== make test: NUMEN_KERNELS=$$path"; \
	  NUMEN_KERNELS=$$path $(BIN)/python -m pytest -n 2 tests || exit 1; \
	done

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" tests

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples

# Both directions of Keras 3 file interop, in a separate venv with keras + jax.
INTEROP := $(VENV)/interop
interop:
	test -x $(INTEROP)/bin/python || $(PY) -m venv $(INTEROP)
	$(INTEROP)/bin/python -m pip install --quiet keras jax h5py tqdm pytest -e .
	KERAS_BACKEND=jax $(INTEROP)/bin/python -m pytest -q tests/test_saving_interop.py tests/test_interop_*.py

# Every workload (MLP batch 128/32, convnet, LSTM) in numen, PyTorch CPU and Keras 3 + JAX: one
# Markdown report on stdout and in bench/last_run.md. Keras lives in its own venv; when it cannot
# be installed (offline), the main venv runs without it. `make bench BENCH_ARGS="--quick mlp"`.
# numen runs once per kernel path, as `make test` does: the compiled kernels of numen[fast] and
# NUMEN_KERNELS=numpy (no extra); each report is kept as bench/last_run_PATH.md.
BENCHENV := $(VENV)/bench
BENCH_ARGS ?=
BENCH_KERNELS ?= numba numpy
bench: $(STAMP)
	@if test $(BENCHENV)/.installed -nt pyproject.toml || { \
	    { test -x $(BENCHENV)/bin/python || $(PY) -m venv $(BENCHENV); } && \
	    $(BENCHENV)/bin/python -m pip install --quiet keras jax "torch==2.13.0" -e ".[fast]" && \
	    touch $(BENCHENV)/.installed; }; then \
	  BENCH_PY="$(BENCHENV)/bin/python"; \
	else \
	  echo "make bench: could not install keras + jax into $(BENCHENV) (offline?);" \
	    "running in $(VENV) without Keras 3"; \
	  BENCH_PY="$(BIN)/python"; \
	fi; \
	for path in $(BENCH_KERNELS); do \
	  echo "== make bench: NUMEN_KERNELS=$$path"; \
	  NUMEN_KERNELS=$$path KERAS_BACKEND=jax $$BENCH_PY bench/run_all.py $(BENCH_ARGS) && \
	    cp bench/last_run.md bench/last_run_$$path.md || exit 1; \
	done

docs: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[docs]"
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache

# Expected values written by real Keras 3 (JAX backend, the interop venv): the public names list,
# the golden values of tests/golden_cases/ (`make golden FAMILIES="ops_math"` redoes some), the
# tree/serialization structures and the model-behaviour records. The interop model files are
# written by tests/fixtures/make_keras_fixtures.py (see its docstring).
FAMILIES ?=
golden:
	test -x $(INTEROP)/bin/python || $(PY) -m venv $(INTEROP)
	$(INTEROP)/bin/python -m pip install --quiet keras jax h5py tqdm pytest -e .
	KERAS_BACKEND=jax $(INTEROP)/bin/python tests/fixtures/make_keras_names.py
	KERAS_BACKEND=jax $(INTEROP)/bin/python tests/fixtures/make_keras_golden.py $(FAMILIES)
	KERAS_BACKEND=jax $(INTEROP)/bin/python tests/fixtures/keras_structures.py
	KERAS_BACKEND=jax $(INTEROP)/bin/python tests/fixtures/make_keras_behaviour.py

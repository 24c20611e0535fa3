"""Cases run twice: by real Keras 3 (tests/fixtures/make_keras_golden.py writes the values) and by
numen (tests/test_keras_golden.py compares). One module per family, each with a CASES list."""

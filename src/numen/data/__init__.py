"""Small data sets bundled with numen, for demos, examples and tests."""

from numen.data.digits import load_digits, render_digit, train_test_split

__all__ = ["load_digits", "render_digit", "train_test_split"]

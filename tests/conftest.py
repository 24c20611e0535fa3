import numpy as np
import pytest

from numen import backend
from numen.layers.base import reset_names


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with float32, fresh layer names and a fixed seed."""
    backend.set_floatx("float32")
    reset_names()
    backend.set_random_seed(1234)
    yield
    backend.set_floatx("float32")


@pytest.fixture
def float64():
    backend.set_floatx("float64")
    yield
    backend.set_floatx("float32")


def pytest_configure(config):
    np.seterr(all="ignore")

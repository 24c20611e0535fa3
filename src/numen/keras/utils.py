"""`keras.utils`."""

from numen.utils import *  # noqa: F401,F403

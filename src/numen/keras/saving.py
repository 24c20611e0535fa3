"""`keras.saving`."""

from numen.saving import *  # noqa: F401,F403

"""`keras.models`: model classes and (once saving lands) loading."""

from numen.models import Model, Sequential  # noqa: F401

"""`keras.utils.Config`: a small settings container read and written as attributes or items."""

from __future__ import annotations

import json


class Config:
    """Settings held as attributes and as items (`c.lr` is `c["lr"]`), that can be frozen.

    Attribute access is the point of this class, so it is the one place that defines
    `__getattr__`/`__setattr__`: both go to one plain dict.

    Args:
        **kwargs: the initial settings.

    >>> c = Config(lr=0.1)
    >>> c.epochs = 3
    >>> c["lr"], c.as_dict()
    (0.1, {'lr': 0.1, 'epochs': 3})
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self) -> bool:
        """Whether changes are refused (see `freeze`)."""
        return self._frozen

    def freeze(self) -> None:
        """Refuse every later change (ValueError) until `unfreeze`."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self) -> None:
        object.__setattr__(self, "_frozen", False)

    def _check_mutable(self) -> None:
        if self._frozen:
            raise ValueError("Config: cannot change settings: the config is frozen (call "
                             "unfreeze() first)")

    def __getattr__(self, name):
        # Called only for names that are not real attributes: look them up in the settings.
        config = self.__dict__.get("_config", {})
        if name in config:
            return config[name]
        raise AttributeError(f"Config has no setting {name!r} (settings: {list(config)})")

    def __setattr__(self, name, value):
        self._check_mutable()
        self._config[name] = value

    def __getitem__(self, key):
        return self._config[key]

    def __setitem__(self, key, value):
        self._check_mutable()
        self._config[key] = value

    def __delitem__(self, key):
        self._check_mutable()
        del self._config[key]

    def __contains__(self, key) -> bool:
        return key in self._config

    def __len__(self) -> int:
        return len(self._config)

    def __iter__(self):
        return iter(self._config)

    def __repr__(self) -> str:
        return f"<Config {self._config!r}>"

    def get(self, key, default=None):
        return self._config.get(key, default)

    def keys(self):
        return self._config.keys()

    def values(self):
        return self._config.values()

    def items(self):
        return self._config.items()

    def pop(self, *args):
        self._check_mutable()
        return self._config.pop(*args)

    def update(self, *args, **kwargs) -> None:
        self._check_mutable()
        self._config.update(*args, **kwargs)

    def as_dict(self) -> dict:
        """A copy of the settings as a plain dict."""
        return dict(self._config)

    def to_json(self) -> str:
        """The settings as a JSON string (TypeError for values JSON cannot hold)."""
        return json.dumps(self._config)

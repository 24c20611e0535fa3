"""Keras's saving hooks on a layer: what goes into `model.weights.h5` for it
(`save_own_variables` / `load_own_variables`), and what `config.json` records about how it was
built (`get_build_config` / `build_from_config`). A layer overrides them to save state that is
not a plain weight, or to rebuild with a `build()` of its own signature; `saving/` calls
them."""

from __future__ import annotations

import inspect

from numen import backend


class SavingHooks:
    """Mixed into Layer: the defaults are Keras's."""

    # Dense, EinsumDense and Embedding save only the weights they make (kernel, bias, the
    # quantization state), as Keras's do: a Variable a subclass adds is its own to save.
    _saves_only_made_weights = False

    def _saved_variables(self) -> list:
        """The variables `save_own_variables` writes as "0", "1", ...: trainable ones first, as
        Keras orders them (a quantized layer's already are in Keras's order)."""
        own = self._own_weights if self._saves_only_made_weights else self._tracked_variables()
        if getattr(self, "quantization_mode", None) is not None:
            return list(own)
        return [w for w in own if w.trainable] + [w for w in own if not w.trainable]

    def save_own_variables(self, store) -> None:
        """Write this layer's own variables into `store` (a dict-like), keyed "0", "1", ...

        >>> store = {}; dense.save_own_variables(store); sorted(store)  # ['0', '1']
        """
        for i, v in enumerate(self._saved_variables()):
            store[str(i)] = backend.to_numpy(v.data)

    def load_own_variables(self, store) -> None:
        """Assign this layer's own variables from `store`, as `save_own_variables` wrote it.

        Raises:
            ValueError: the store holds another number of variables than the layer has.
        """
        own = self._saved_variables()
        keys = list(store.keys())
        if len(keys) != len(own):
            raise ValueError(f"Layer '{self.name}' expected {len(own)} variables, but received "
                             f"{len(keys)} variables during loading. Expected: "
                             f"{[v.name for v in own]}")
        for i, v in enumerate(own):
            v.assign(store[str(i)])

    def get_build_config(self) -> dict | None:
        """What `build_from_config` needs to rebuild the layer: `{"input_shape": ...}` (or
        `{"shapes_dict": ...}` when `build()` took several arguments); None if unbuilt."""
        args = getattr(self, "_build_args", None)
        if args is None:
            shapes = getattr(self, "_build_shapes", None)
            return None if shapes is None or not self.built else {"input_shape": shapes}
        if len(args) == 1:
            return {"input_shape": next(iter(args.values()))}
        return {"shapes_dict": dict(args)}

    def build_from_config(self, config) -> None:
        """Build the layer from `get_build_config`'s record (loading calls it)."""
        if not config:
            return
        if "input_shape" in config:
            if config["input_shape"] is None:  # a model that records no shape builds on use
                return
            self.build(config["input_shape"])
        elif "shapes_dict" in config:
            self.build(**config["shapes_dict"])
        self.built = True


def build_arguments(build, args: tuple, kwargs: dict) -> dict | None:
    """The arguments a `build(self, ...)` call received, by name (what Keras records for
    `get_build_config`); None when they do not fit the signature."""
    try:
        bound = inspect.signature(build).bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    out = dict(bound.arguments)
    out.pop(next(iter(out)))  # self
    return out

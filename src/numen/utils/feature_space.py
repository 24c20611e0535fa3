"""`keras.utils.FeatureSpace`: one object that turns a dict of structured-data columns
(floats, integer and string categories) into the model's input features.

Declare each feature's kind, `adapt` on training data (vocabularies, means, quantile bins),
then call the feature space on a dict of columns:

- 'float' (as is), 'float_rescaled', 'float_normalized' (zero mean, unit variance),
  'float_discretized' (quantile bins), 'integer_categorical' / 'string_categorical'
  (vocabulary lookup), 'integer_hashed' / 'string_hashed' (hash buckets);
- crosses: the combinations of several categorical features, hashed into `crossing_dim`
  buckets;
- categorical outputs are one-hot encoded (output_mode='one_hot') or left as int indices;
  'concat' joins every encoded feature into one float32 matrix, features in sorted name
  order, then crosses in sorted name order; 'dict' returns them by name.

numen runs the feature space on NumPy columns (strings included), in the data pipeline:
`ds.map(lambda x, y: (feature_space(x), y))`; `get_encoded_features()` gives the symbolic
input a model on those encoded features starts from. See feature_space_encoders for which
pieces run numen's Keras layers and which run private stand-ins.
"""

from __future__ import annotations

import itertools

import numpy as np

from numen.utils import feature_space_encoders as enc

PRESETS = ("float", "float_rescaled", "float_normalized", "float_discretized",
           "integer_categorical", "string_categorical", "integer_hashed", "string_hashed")
_names = itertools.count()


def _auto(kind: str, name) -> str:
    return name or f"{kind}_{next(_names)}"


def _output_mode(mode, allowed, what: str) -> str:
    if mode not in allowed:
        raise ValueError(f"FeatureSpace: {what} output_mode must be one of {sorted(allowed)}, "
                         f"received {mode!r}")
    return mode


class Feature:
    """One declared feature: its input dtype, its preprocessor and how its output is encoded
    ('float', 'int' or 'one_hot')."""

    def __init__(self, dtype, preprocessor, output_mode, kind=None, options=None):
        self.dtype = dtype
        self.output_mode = _output_mode(output_mode, {"int", "one_hot", "float"}, "a feature's")
        if not isinstance(preprocessor, (enc.Identity, enc.LayerPreprocessor, enc.Lookup,
                                         enc.Hashed, enc.Discretized)):
            preprocessor = enc.LayerPreprocessor(preprocessor,
                                                 cardinality=_layer_cardinality(preprocessor))
        self.preprocessor = preprocessor
        self.kind = kind
        self.options = dict(options or {})

    def get_config(self) -> dict:
        if self.kind is None:
            from numen.saving import serialize_keras_object

            return {"dtype": self.dtype, "output_mode": self.output_mode,
                    "preprocessor": serialize_keras_object(self.preprocessor.layer)}
        return {"dtype": self.dtype, "output_mode": self.output_mode, "kind": self.kind,
                "options": self.options}

    @classmethod
    def from_config(cls, config: dict) -> Feature:
        if "kind" in config:
            return getattr(FeatureSpace, config["kind"])(**config["options"])
        from numen.saving import deserialize_keras_object

        return cls(config["dtype"], deserialize_keras_object(config["preprocessor"]),
                   config["output_mode"])


def _layer_cardinality(layer):
    """The number of int outputs of a custom preprocessing layer, when it says."""
    if hasattr(layer, "vocabulary_size"):
        return int(layer.vocabulary_size())
    for attr in ("num_tokens", "num_bins"):
        if getattr(layer, attr, None) is not None:
            return int(getattr(layer, attr))
    return None


class Cross:
    """Features crossed together, hashed into `crossing_dim` buckets."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        self.feature_names = tuple(feature_names)
        self.crossing_dim = int(crossing_dim)
        self.output_mode = _output_mode(output_mode, {"int", "one_hot"}, "a cross's")

    @property
    def name(self) -> str:
        return "_X_".join(self.feature_names)

    def get_config(self) -> dict:
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config: dict) -> Cross:
        return cls(**config)


def _column(values, name: str) -> np.ndarray:
    """A feature's values as a (n, 1) (or wider 2-D) column."""
    x = values.numpy() if hasattr(values, "numpy") and hasattr(values, "grad") else values
    x = np.asarray(x)
    if x.dtype.kind == "S":
        x = np.char.decode(x, "utf-8")
    if x.ndim == 0:
        return x.reshape(1, 1)
    if x.ndim == 1:
        return x[:, None]
    if x.ndim == 2:
        return x
    raise ValueError(f"FeatureSpace: feature {name!r} must be a scalar, a 1-D column or a "
                     f"2-D (n, 1) array, received shape {x.shape}")


def _one_hot(ids: np.ndarray, depth: int, name: str) -> np.ndarray:
    ids = np.asarray(ids, dtype="int64")
    if ids.size and (ids.min() < 0 or ids.max() >= depth):
        raise ValueError(f"FeatureSpace: feature {name!r} produced index {ids.max()} outside "
                         f"[0, {depth})")
    out = np.zeros((ids.shape[0], depth), dtype="float32")
    rows = np.repeat(np.arange(ids.shape[0]), ids.shape[1])
    out[rows, ids.reshape(-1)] = 1.0  # multi-hot over the row's values, one-hot for one
    return out


class FeatureSpace:
    """Preprocess a dict of structured features into model inputs.

    Args:
        features: {name: preset name or `Feature`}; presets: 'float', 'float_rescaled',
            'float_normalized', 'float_discretized', 'integer_categorical',
            'string_categorical', 'integer_hashed', 'string_hashed'.
        output_mode: 'concat' (one float32 matrix) or 'dict' (one array per feature).
        crosses: `Cross` objects or tuples of feature names to cross.
        crossing_dim: buckets of the crosses given as tuples.
        hashing_dim: buckets of the '*_hashed' presets.
        num_discretization_bins: bins of the 'float_discretized' preset.
        name: a name for the feature space.

    Raises:
        ValueError: empty `features`, an unknown preset or output_mode, or a cross naming an
            unknown feature.

    >>> fs = FeatureSpace({"age": "float_normalized", "city": "string_categorical"})
    >>> fs.adapt({"age": [20.0, 40.0], "city": ["Oslo", "Rome"]})
    >>> fs({"age": [30.0], "city": ["Rome"]}).shape
    (1, 4)
    """

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot") -> Cross:
        return Cross(feature_names, crossing_dim, output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode) -> Feature:
        """A feature with your own preprocessing layer (its `adapt` is called if it has one)."""
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None) -> Feature:
        return Feature("float32", enc.Identity(), "float", "float", {"name": name})

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None) -> Feature:
        layer_name = _auto("float_rescaled", name) + "_preprocessor"
        return Feature("float32", enc.rescaled(scale, offset, layer_name), "float",
                       "float_rescaled", {"scale": scale, "offset": offset, "name": name})

    @classmethod
    def float_normalized(cls, name=None) -> Feature:
        layer_name = _auto("float_normalized", name) + "_preprocessor"
        return Feature("float32", enc.normalized(layer_name), "float", "float_normalized",
                       {"name": name})

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot",
                          name=None) -> Feature:
        layer_name = _auto("float_discretized", name) + "_preprocessor"
        return Feature("float32", enc.Discretized(num_bins, bin_boundaries, layer_name),
                       output_mode, "float_discretized",
                       {"num_bins": num_bins, "bin_boundaries": bin_boundaries,
                        "output_mode": output_mode, "name": name})

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                            name=None) -> Feature:
        layer_name = _auto("integer_categorical", name) + "_preprocessor"
        return Feature("int32", enc.Lookup(False, max_tokens, num_oov_indices, layer_name),
                       output_mode, "integer_categorical",
                       {"max_tokens": max_tokens, "num_oov_indices": num_oov_indices,
                        "output_mode": output_mode, "name": name})

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot",
                           name=None) -> Feature:
        layer_name = _auto("string_categorical", name) + "_preprocessor"
        return Feature("string", enc.Lookup(True, max_tokens, num_oov_indices, layer_name),
                       output_mode, "string_categorical",
                       {"max_tokens": max_tokens, "num_oov_indices": num_oov_indices,
                        "output_mode": output_mode, "name": name})

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None) -> Feature:
        layer_name = _auto("string_hashed", name) + "_preprocessor"
        return Feature("string", enc.Hashed(num_bins, layer_name), output_mode,
                       "string_hashed", {"num_bins": num_bins, "output_mode": output_mode,
                                         "name": name})

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None) -> Feature:
        layer_name = _auto("integer_hashed", name) + "_preprocessor"
        return Feature("int32", enc.Hashed(num_bins, layer_name), output_mode,
                       "integer_hashed", {"num_bins": num_bins, "output_mode": output_mode,
                                          "name": name})

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32,
                 hashing_dim=32, num_discretization_bins=32, name=None):
        if not features:
            raise ValueError("FeatureSpace: `features` must be a non-empty dict of "
                             f"{{name: feature}}, received {features!r}")
        if output_mode not in ("concat", "dict"):
            raise ValueError(f"FeatureSpace: output_mode must be 'concat' or 'dict', received "
                             f"{output_mode!r}")
        self.name = name or f"feature_space_{next(_names)}"
        self.output_mode = output_mode
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {n: self._standardize_feature(n, f) for n, f in features.items()}
        self.crosses = []
        for cross in crosses or ():
            if isinstance(cross, dict):
                cross = Cross.from_config(cross)
            if not isinstance(cross, Cross):
                if not crossing_dim:
                    raise ValueError("FeatureSpace: crosses given as names need `crossing_dim`")
                cross = Cross(cross, crossing_dim)
            unknown = [n for n in cross.feature_names if n not in self.features]
            if unknown:
                raise ValueError(f"FeatureSpace: the cross {cross.feature_names} names "
                                 f"features not in `features`: {unknown}")
            self.crosses.append(cross)
        self.crossers = {c.name: enc.Crossed(c.crossing_dim, c.name) for c in self.crosses}
        self._is_adapted = not self._adaptable()
        self._inputs = None
        self._encoded = None

    def _standardize_feature(self, name: str, feature) -> Feature:
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return Feature.from_config(feature)
        if feature in ("float", "float_normalized", "float_rescaled"):
            return getattr(self, feature)(name=name)
        if feature == "float_discretized":
            return self.float_discretized(self.num_discretization_bins, name=name)
        if feature in ("integer_categorical", "string_categorical"):
            return getattr(self, feature)(name=name)
        if feature in ("integer_hashed", "string_hashed"):
            return getattr(self, feature)(self.hashing_dim, name=name)
        raise ValueError(f"FeatureSpace: feature {name!r} has an unknown type {feature!r}; "
                         f"expected a Feature or one of {list(PRESETS)}")

    def _adaptable(self) -> list[str]:
        return [n for n, f in self.features.items() if f.preprocessor.adaptable]

    def adapt(self, dataset) -> None:
        """Learn vocabularies, statistics and bins from `dataset`: a dict of columns, or an
        iterable of such dicts (batches; `(dict, labels)` pairs use the dict).

        Raises:
            ValueError: data that is not a dict (or batches of dicts), or a missing feature.
        """
        columns = {n: [] for n in self._adaptable()}
        batches = [dataset] if isinstance(dataset, dict) else dataset
        if not hasattr(batches, "__iter__"):
            raise ValueError(f"FeatureSpace.adapt: expected a dict of arrays or an iterable of "
                             f"dict batches, received {type(dataset).__name__}")
        for batch in batches:
            if isinstance(batch, (tuple, list)) and batch and isinstance(batch[0], dict):
                batch = batch[0]
            if not isinstance(batch, dict):
                raise ValueError(f"FeatureSpace.adapt: expected a dict of arrays or batches "
                                 f"of dicts, received a batch of type {type(batch).__name__}")
            for n in columns:
                if n not in batch:
                    raise ValueError(f"FeatureSpace.adapt: the data has no feature {n!r} "
                                     f"(it has {sorted(batch)})")
                columns[n].append(_column(batch[n], n))
        for n, parts in columns.items():
            if parts:
                self.features[n].preprocessor.adapt(np.concatenate(parts, axis=0))
        self._is_adapted = True

    def _check_adapted(self) -> None:
        if not self._is_adapted:
            raise ValueError("FeatureSpace: call `.adapt(data)` before using the feature "
                             f"space (features to adapt: {self._adaptable()})")

    def _encode(self, name: str, values, spec) -> np.ndarray:
        if spec.output_mode == "one_hot":
            preprocessor = self.crossers.get(name) or self.features[name].preprocessor
            if preprocessor.cardinality is None:
                raise ValueError(f"FeatureSpace: feature {name!r} has output_mode='one_hot' "
                                 "but its preprocessor's number of outputs is unknown; use "
                                 "output_mode='int'")
            return _one_hot(values, preprocessor.cardinality, name)
        return values

    def __call__(self, data):
        """The encoded features of `data` (a dict of columns, or of single values).

        Raises:
            ValueError: not a dict, a missing feature, or (concat) an unencoded int feature.
        """
        self._check_adapted()
        if not isinstance(data, dict):
            raise ValueError(f"FeatureSpace: call it with a dict of features, received "
                             f"{type(data).__name__}")
        missing = [n for n in self.features if n not in data]
        if missing:
            raise ValueError(f"FeatureSpace: the data has no feature(s) {missing}")
        single = all(np.ndim(data[n]) == 0 for n in self.features)
        columns = {n: _column(data[n], n) for n in self.features}
        pre = {n: f.preprocessor(columns[n]) for n, f in self.features.items()}
        crossed = {}
        for cross in self.crosses:
            parts = [pre[n] for n in cross.feature_names]
            for n, part in zip(cross.feature_names, parts):
                if np.asarray(part).dtype.kind == "f":
                    raise ValueError(f"FeatureSpace: cannot cross feature {n!r}: its "
                                     "preprocessed values are floats (cross categorical, "
                                     "hashed or discretized features)")
            crossed[cross.name] = self.crossers[cross.name](parts)
        outputs = {}
        for n in sorted(pre):
            outputs[n] = self._encode(n, pre[n], self.features[n])
        crosses = {c.name: c for c in self.crosses}
        for n in sorted(crossed):
            outputs[n] = self._encode(n, crossed[n], crosses[n])
        if self.output_mode == "dict":
            return {n: v[0] if single and v.ndim == 2 and v.shape[0] == 1 else v
                    for n, v in outputs.items()}
        for n, v in outputs.items():
            if v.dtype.kind != "f":
                raise ValueError(f"FeatureSpace: cannot concatenate feature {n!r}: it is not "
                                 f"encoded (dtype {v.dtype}); use output_mode='dict'")
        out = np.concatenate([v.astype("float32") for v in outputs.values()], axis=-1)
        return out[0] if single else out

    def _output_widths(self) -> dict:
        widths = {}
        for n in sorted(self.features):
            f = self.features[n]
            widths[n] = f.preprocessor.cardinality if f.output_mode == "one_hot" else 1
        for c in sorted(self.crosses, key=lambda c: c.name):
            widths[c.name] = c.crossing_dim if c.output_mode == "one_hot" else 1
        return widths

    def get_inputs(self) -> dict:
        """{name: keras.Input(shape=(1,))} for the raw features (numeric features only:
        numen's symbolic tensors hold numbers, not strings).

        Raises:
            ValueError: a string feature (apply the feature space in the data pipeline).
        """
        from numen.layers import Input

        self._check_adapted()
        strings = [n for n, f in self.features.items() if f.dtype == "string"]
        if strings:
            raise ValueError(f"FeatureSpace.get_inputs: numen's symbolic inputs hold numbers, "
                             f"and features {strings} are strings; apply the feature space to "
                             "the data instead (ds.map(lambda x, y: (feature_space(x), y))) and "
                             "build the model on get_encoded_features()")
        if self._inputs is None:
            self._inputs = {n: Input(shape=(1,), dtype=f.dtype, name=n)
                            for n, f in self.features.items()}
        return self._inputs

    def get_encoded_features(self):
        """The symbolic input a model on the encoded features starts from: one
        `keras.Input((width,))` for output_mode='concat', a dict of them for 'dict'.

        >>> x = fs.get_encoded_features()  # doctest: +SKIP
        >>> model = keras.Model(x, keras.layers.Dense(1)(x))  # doctest: +SKIP
        """
        from numen.layers import Input

        self._check_adapted()
        if self._encoded is None:
            widths = self._output_widths()
            if self.output_mode == "concat":
                self._encoded = Input(shape=(sum(widths.values()),), name="encoded_features")
            else:
                modes = {n: f.output_mode for n, f in self.features.items()}
                modes.update({c.name: c.output_mode for c in self.crosses})
                self._encoded = {n: Input(shape=(w,), name=n, dtype="int64"
                                          if modes[n] == "int" else "float32")
                                 for n, w in widths.items()}
        return self._encoded

    def get_config(self) -> dict:
        return {"features": {n: f.get_config() for n, f in self.features.items()},
                "output_mode": self.output_mode,
                "crosses": [c.get_config() for c in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> FeatureSpace:
        """A new, unadapted feature space with the same declaration."""
        return cls(**config)


__all__ = ["Cross", "Feature", "FeatureSpace"]

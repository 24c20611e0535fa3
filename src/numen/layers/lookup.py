"""Vocabulary lookups: StringLookup and IntegerLookup map tokens to integer ids (or back, with
`invert=True`) from a vocabulary that is given or learned by `adapt()`, with Keras 3's
arguments, index layout (mask, then OOV buckets, then tokens by frequency) and `.keras` file
layout (a learned vocabulary is saved as the asset `vocabulary.txt`, TF-IDF weights as the
variable `idf_weights`)."""

from __future__ import annotations

import collections
import os

import numpy as np

from numen.layers import data_layer, symbolic
from numen.layers.data_layer import DataLayer, encode, encoded_shape, host, to_output
from numen.layers.fingerprint import fingerprint64, siphash24

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_M64 = (1 << 64) - 1


class IndexLookup(DataLayer):
    """The lookup machinery StringLookup and IntegerLookup share (see those)."""

    _strings = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=None,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", salt=None,
                 name=None, **kwargs):
        kind = type(self).__name__
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("dtype", None)
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(name=name, **kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{kind}: `max_tokens` must be greater than 1 when set, "
                             f"received {max_tokens!r}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{kind}: `pad_to_max_tokens=True` needs `max_tokens`")
        if isinstance(num_oov_indices, bool) or not isinstance(num_oov_indices, int) \
                or num_oov_indices < 0:
            raise ValueError(f"{kind}: `num_oov_indices` must be an integer >= 0, received "
                             f"{num_oov_indices!r}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{kind}: `oov_method` must be 'floormod' or 'farmhash', "
                             f"received {oov_method!r}")
        if salt is not None:
            if not self._strings and oov_method != "farmhash":
                raise ValueError(f"{kind}: `salt` needs oov_method='farmhash', received "
                                 f"oov_method={oov_method!r}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"{kind}: `salt` must be an int or a pair of ints, received "
                                 f"{salt!r}")
        self.output_mode = data_layer.output_mode(output_mode, _MODES, kind)
        if invert and self.output_mode != "int":
            raise ValueError(f"{kind}: `invert=True` needs output_mode='int', received "
                             f"{self.output_mode!r}")
        self.sparse = data_layer.no_sparse(sparse, kind)
        if idf_weights is not None and self.output_mode != "tf_idf":
            raise ValueError(f"{kind}: `idf_weights` is only used with output_mode='tf_idf', "
                             f"received output_mode={self.output_mode!r}")
        if self.output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{kind}: with output_mode='tf_idf' and a `vocabulary`, "
                             "`idf_weights` must be given too")
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.oov_method = oov_method
        self.salt = salt
        self.input_vocabulary = None if isinstance(vocabulary, str) else vocabulary
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._frozen_vocab_size = frozen_size
        self._tokens: list | None = None
        self._index: dict = {}
        self.idf_weights = None
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- the index layout ------------------------------------------------------------------
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The number of ids: the mask and OOV ids plus the tokens."""
        return self._token_start() + len(self._tokens or ())

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The token of each id (mask token, OOV tokens, then the vocabulary)."""
        tokens = list(self._tokens or ())
        if not include_special_tokens:
            return tokens
        return [self.mask_token] * self._oov_start() + [self.oov_token] * \
            self.num_oov_indices + tokens

    def _token(self, value):
        return str(value) if self._strings else int(value)

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use `vocabulary` (a list or array of tokens, optionally starting with the special
        tokens, or the path of a file with one token a line) and, for 'tf_idf', its weights."""
        kind = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{kind}: `idf_weights` must be set with output_mode='tf_idf'")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{kind}: `idf_weights` is only used with output_mode='tf_idf', "
                             f"received output_mode={self.output_mode!r}")
        if isinstance(vocabulary, str):
            if not os.path.exists(vocabulary):
                raise ValueError(f"{kind}: vocabulary file {vocabulary} does not exist")
            with open(vocabulary, encoding="utf-8") as f:
                vocabulary = f.read().splitlines()
            while vocabulary and vocabulary[-1] == "":
                vocabulary.pop()
        values = [self._token(v) for v in host(vocabulary).reshape(-1).tolist()]
        if not values:
            raise ValueError(f"{kind}: cannot set an empty vocabulary")
        start = self._token_start()
        special = [self.mask_token] * self._oov_start() + [self.oov_token] * \
            self.num_oov_indices
        found_special = values[:start] == [None if s is None else self._token(s)
                                           for s in special]
        tokens = values[start:] if found_special else values
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{kind}: the vocabulary repeats the tokens {repeated}")
        if self.mask_token is not None and self._token(self.mask_token) in tokens:
            raise ValueError(f"{kind}: the mask token {self.mask_token!r} is in the vocabulary "
                             f"at an unexpected place; leave it out or put the special tokens "
                             f"{special} first, in this order")
        if self.oov_token is not None and self.invert and self._token(self.oov_token) in tokens:
            raise ValueError(f"{kind}: the OOV token {self.oov_token!r} is in the vocabulary "
                             f"at an unexpected place; leave it out or put the special tokens "
                             f"{special} first")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(f"{kind}: a vocabulary of size {start + len(tokens)} is larger "
                             f"than max_tokens={self.max_tokens}")
        self._use_tokens(tokens)
        if idf_weights is not None:
            weights = np.asarray(host(idf_weights), dtype="float64")
            if weights.ndim != 1 or len(weights) != len(values):
                raise ValueError(f"{kind}: `idf_weights` must be a vector as long as the "
                                 f"vocabulary ({len(values)}), received shape {weights.shape}")
            front = 0 if found_special else start
            back = self.max_tokens - front - len(weights) if self.pad_to_max_tokens else 0
            self.idf_weights = np.pad(weights, (front, back), constant_values=(
                0.0 if found_special else weights.mean(), 0.0)).astype("float32")

    def _use_tokens(self, tokens: list) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._frozen_vocab_size = self.vocabulary_size()

    # -- adapt -------------------------------------------------------------------------------
    def adapt(self, data, steps=None) -> None:
        """Learn the vocabulary (and, for 'tf_idf', document frequencies) from `data`: an
        array or list of tokens, or an iterable of batches. Tokens are ranked by count, ties
        broken by the larger token first, as in Keras."""
        self.reset_state()
        direct = isinstance(data, (np.ndarray, list, tuple)) or hasattr(data, "__array__")
        for batch in data_layer.adapt_batches(data, steps, self.name):
            if direct and batch.ndim == 1:
                batch = batch[:, None]  # a column of samples, one token each
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}': it was given a vocabulary")
        batch = self._keys(host(data))
        if batch.ndim == 0:
            batch = batch[None]
        if batch.ndim == 1:
            batch = batch[None]
        self.count_rows([np.ravel(row).tolist() for row in batch])

    def count_rows(self, rows: list) -> None:
        """Count the tokens of `rows` (one list of tokens per document) for adapt()."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}': it was given a vocabulary")
        for row in rows:
            self._counts.update(self._token(v) for v in row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._doc_counts.update({self._token(v) for v in row})
            self._num_documents += len(rows)

    def finalize_state(self) -> None:
        if self._has_input_vocabulary or not self._counts:
            return
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                self._counts.pop(self._token(special), None)
        ranked = sorted(self._counts.items(), key=lambda kv: (kv[1], self._sort_key(kv[0])),
                        reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start()]
        self._use_tokens([t for t, _ in ranked])
        if self.output_mode == "tf_idf":
            docs = np.asarray([self._doc_counts[t] for t in self._tokens], dtype="float64")
            idf = np.log(1 + self._num_documents / (1 + docs)).astype("float32")
            idf = np.pad(idf, (self._token_start(), 0), constant_values=idf.mean())
            if self.pad_to_max_tokens:
                idf = np.pad(idf, (0, self.max_tokens - len(idf)))
            self.idf_weights = idf.astype("float32")
        self.reset_state()

    def _sort_key(self, token):
        return token.encode("utf-8") if self._strings else token

    def reset_state(self) -> None:
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0

    # -- the lookup --------------------------------------------------------------------------
    def _keys(self, values: np.ndarray) -> np.ndarray:
        """Inputs as the vocabulary's key type (checked)."""
        return values

    def _oov_ids(self, values: list) -> list:
        n, start = self.num_oov_indices, self._oov_start()
        if not self._strings and self.oov_method == "floormod":
            return [v % n + start for v in values]
        texts = [str(v).encode("utf-8") for v in values]
        if self.salt is not None:
            key = (self.salt[0] & _M64, self.salt[1] & _M64)
            return [siphash24(key, t) % n + start for t in texts]
        return [fingerprint64(t) % n + start for t in texts]

    def _lookup(self, values: np.ndarray) -> np.ndarray:
        flat = [self._token(v) for v in values.reshape(-1).tolist()]
        mask = None if self.mask_token is None else self._token(self.mask_token)
        # The mask token's id in the non-int modes is out of range: it is encoded as nothing.
        mask_id = 0 if self.output_mode == "int" else np.iinfo(np.int64).max
        ids = [self._index.get(v, -1) for v in flat]
        if mask is not None:
            ids = [mask_id if v == mask else i for v, i in zip(flat, ids)]
        missing = [k for k, i in enumerate(ids) if i == -1]
        if missing and self.num_oov_indices == 0 and not symbolic.probing():
            raise ValueError(f"Layer '{self.name}': with num_oov_indices=0 every input must be "
                             f"in the vocabulary, found {[flat[k] for k in missing[:10]]}; "
                             "consider num_oov_indices=1")
        if missing:
            oov = self._oov_ids([flat[k] for k in missing]) if self.num_oov_indices > 1 \
                else [self._oov_start()] * len(missing)
            for k, i in zip(missing, oov):
                ids[k] = i
        return np.asarray(ids, dtype=np.int64).reshape(values.shape)

    def _inverse(self, values: np.ndarray) -> np.ndarray:
        tokens = self.get_vocabulary()
        out = []
        for i in values.reshape(-1).tolist():
            if i == 0 and self.mask_token is not None:
                out.append(self.mask_token)
            elif self._token_start() <= i < len(tokens):
                out.append(tokens[i])
            else:
                out.append(self.oov_token)
        dtype = str if self._strings else np.int64
        return np.asarray(out, dtype=dtype).reshape(values.shape)

    def call(self, inputs):
        if self.output_mode != "int" and not self.pad_to_max_tokens \
                and self._frozen_vocab_size is None:
            raise RuntimeError(f"Layer '{self.name}': with output_mode={self.output_mode!r} "
                               "and pad_to_max_tokens=False the vocabulary must be set (pass "
                               "`vocabulary` or call adapt()) before the layer is called")
        values = host(inputs)
        if self.invert:
            if values.dtype.kind not in "iu":
                raise TypeError(f"Layer '{self.name}' (invert=True) expects integer ids, "
                                f"received an array of dtype {values.dtype}")
            out = self._inverse(values)
            return to_output(out.astype("int32") if out.dtype.kind == "i" else out)
        ids = self._lookup(self._keys(values))
        if self.output_mode == "int":
            return to_output(ids.astype("int32"))  # Keras 3 (JAX) gives 32-bit ids
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        out = encode(ids, mode, depth, "int32")
        if self.output_mode == "tf_idf":
            if self.idf_weights is None and self._tokens is not None:
                raise ValueError(f"Layer '{self.name}': output_mode='tf_idf' needs "
                                 "`idf_weights` (given, or learned by adapt())")
            # (No weights and no vocabulary yet: a model being rebuilt from a file, whose
            # weights come next; the shape is what matters.)
            idf = 0.0 if self.idf_weights is None else self.idf_weights
            out = out.astype("float32") * idf
        return to_output(out)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encoded_shape(input_shape, self.output_mode, depth)

    # -- saving ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        def listed(v):
            return np.asarray(v).tolist() if isinstance(v, np.ndarray) else v

        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "idf_weights": listed(self.input_idf_weights),
                "vocabulary": listed(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size, "oov_method": self.oov_method,
                "salt": self.salt}

    def save_assets(self, dir_path: str) -> None:
        """Write a learned vocabulary to `dir_path/vocabulary.txt` (one token a line)."""
        if self.input_vocabulary is not None or self._tokens is None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary()))

    def load_assets(self, dir_path: str) -> None:
        path = os.path.join(dir_path, "vocabulary.txt")
        if self.input_vocabulary is not None or not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        if lines:
            self._set_saved(lines)

    def _set_saved(self, lines: list) -> None:
        idf = self.idf_weights
        self.set_vocabulary(lines, idf if self.output_mode == "tf_idf" else None)

    def save_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf" and self.idf_weights is not None:
            store["idf_weights"] = np.asarray(self.idf_weights, dtype="float32")

    def load_own_variables(self, store) -> None:
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self.idf_weights = np.asarray(store["idf_weights"], dtype="float32")


class StringLookup(IndexLookup):
    """Maps strings to integer ids from a vocabulary (or ids back to strings with `invert`).

    Ids: 0 is the mask token's (when `mask_token` is set and output_mode='int'), then
    `num_oov_indices` ids for out-of-vocabulary strings (several: spread by a FarmHash
    fingerprint, or SipHash with `salt`), then the vocabulary in order. Non-int modes encode
    the ids as 'one_hot', 'multi_hot', 'count' or 'tf_idf' vectors.

    Args:
        max_tokens: the most ids (special ones included) adapt() may keep.
        num_oov_indices / mask_token / oov_token ('[UNK]'): the special ids and tokens.
        vocabulary: a list or array of strings, or a file with one a line.
        idf_weights: with output_mode='tf_idf' and a vocabulary, one weight per token.
        invert, output_mode, pad_to_max_tokens, salt, encoding: as in Keras.
        sparse: must be False (numen has no sparse tensors).

    >>> lookup = StringLookup(vocabulary=["a", "b", "c"])
    >>> lookup(np.array([["a", "z"], ["c", "b"]]))  # [[1, 0], [3, 2]]
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens, name=name,
                         salt=salt, **kwargs)

    def _keys(self, values):
        if values.size and not data_layer.is_text(values):
            raise TypeError(f"Layer '{self.name}' (StringLookup) expects strings, received an "
                            f"array of dtype {values.dtype}")
        return values

    def get_config(self) -> dict:
        return {**super().get_config(), "encoding": self.encoding}


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous ids from a vocabulary (or back with `invert`); the id
    layout and output modes are StringLookup's. Several OOV ids are chosen by `value mod
    num_oov_indices` ('floormod') or a FarmHash fingerprint ('farmhash', `salt` allowed).

    >>> lookup = IntegerLookup(vocabulary=[12, 36, 1138, 42])
    >>> lookup(np.array([[12, 1138, 42], [42, 1000, 36]]))  # [[1, 3, 4], [4, 0, 2]]
    """

    _strings = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup: only vocabulary_dtype='int64' is supported, "
                             f"received {vocabulary_dtype!r}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def _keys(self, values):
        if values.dtype.kind == "f":
            return values.astype(np.int64)
        if values.size and values.dtype.kind not in "iub":
            raise TypeError(f"Layer '{self.name}' (IntegerLookup) expects integers, received "
                            f"an array of dtype {values.dtype}")
        return values

    def get_config(self) -> dict:
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return {**config, "vocabulary_dtype": "int64"}

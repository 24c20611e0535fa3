"""TextVectorization: strings to token ids or token vectors (standardize, split, n-grams,
then a StringLookup), with Keras 3's arguments, vocabulary order and `.keras` layout."""

from __future__ import annotations

import re
import string

import numpy as np

from numen.layers import data_layer
from numen.layers.data_layer import DataLayer, host, one_hot, to_output
from numen.layers.lookup import StringLookup

_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)  # ASCII only, as Keras
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


def _check_choice(value, allowed, arg: str):
    if value is None or callable(value) or value in allowed:
        return value
    raise ValueError(f"TextVectorization: `{arg}` must be None, a callable or one of "
                     f"{allowed}, received {value!r}")


def _ngrams(tokens: list, widths) -> list:
    out = []
    for n in widths:
        out += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return out


class TextVectorization(DataLayer):
    """Turns strings into token ids (padded sequences) or token count vectors.

    Each string is standardized ('lower_and_strip_punctuation' by default, 'lower',
    'strip_punctuation', None or a callable on a NumPy string array), split into tokens
    ('whitespace', 'character', None or a callable), optionally extended with n-grams
    (`ngrams`: an int n for 1..n, or a tuple of widths), and looked up in a vocabulary given or
    learned by `adapt()`: id 0 is padding (the empty string), 1 is '[UNK]'.

    Args:
        max_tokens: the largest vocabulary adapt() keeps (special ids included).
        output_mode: 'int' (default), 'multi_hot', 'count', 'tf_idf' or 'one_hot'.
        output_sequence_length: with 'int', pad or cut each row to this many ids.
        pad_to_max_tokens: with the vector modes, make the last axis `max_tokens` long.
        vocabulary / idf_weights: a fixed vocabulary (and its TF-IDF weights).
        sparse / ragged: must be False (numen has neither sparse nor ragged tensors).

    >>> layer = TextVectorization(output_sequence_length=3)
    >>> layer.adapt(["the cat sat", "the dog"])
    >>> layer(np.array(["the cat", "a dog"]))  # [[2, 3, 0], [1, 4, 0]]
    """


    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int",
                 output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        data_layer.no_sparse(sparse, "TextVectorization")
        if ragged:
            raise ValueError("TextVectorization: `ragged=True` is not supported: numen has no "
                             "ragged tensors; use output_sequence_length or padded outputs")
        self._standardize = _check_choice(standardize, _STANDARDIZE, "standardize")
        self._split = _check_choice(split, _SPLIT, "split")
        mode = data_layer.output_mode(output_mode, ("int", "one_hot", "multi_hot", "count",
                                                    "tf_idf"), "TextVectorization")
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple)
                and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"TextVectorization: `ngrams` must be None, an int or a tuple of "
                             f"ints, received {ngrams!r}")
        if mode == "int" and not (output_sequence_length is None
                                  or isinstance(output_sequence_length, int)):
            raise ValueError(f"TextVectorization: `output_sequence_length` must be None or an "
                             f"int, received {output_sequence_length!r}")
        if mode != "int" and output_sequence_length is not None:
            raise ValueError(f"TextVectorization: `output_sequence_length` is only used with "
                             f"output_mode='int', received output_mode={mode!r}")
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        has_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=mode,
            has_input_vocabulary=has_vocabulary, encoding=encoding,
            vocabulary_size=vocabulary_size)

    # -- preprocessing -----------------------------------------------------------------------
    def _standardized(self, x: np.ndarray) -> np.ndarray:
        if callable(self._standardize):
            return host(self._standardize(x))
        if self._standardize is None:
            return x
        flat = x.reshape(-1).tolist()
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            flat = [s.translate(_LOWER) for s in flat]
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [s.translate(_PUNCTUATION) for s in flat]
        return np.asarray(flat, dtype=str).reshape(x.shape)

    def _preprocess(self, inputs):
        """Strings to a list of token lists (one per row) when splitting, else an array."""
        x = host(inputs)
        if x.size and not data_layer.is_text(x):
            raise TypeError(f"Layer '{self.name}' (TextVectorization) expects strings, "
                            f"received an array of dtype {x.dtype}")
        x = self._standardized(x.astype(str))
        if self._split is None:
            if self._ngrams is not None:
                raise ValueError(f"Layer '{self.name}': `ngrams` needs `split`")
            return x
        if x.ndim > 1:
            if x.shape[-1] != 1:
                raise ValueError(f"Layer '{self.name}': to split strings the input must have "
                                 f"rank 1 or a last axis of size 1, received shape {x.shape}")
            x = x[..., 0]
        if callable(self._split):
            rows = [list(host(r).reshape(-1).tolist()) for r in self._split(x)]
        elif self._split == "whitespace":
            rows = [[t for t in _WHITESPACE.split(s) if t] for s in x.reshape(-1).tolist()]
        else:
            rows = [list(s) for s in x.reshape(-1).tolist()]
        if self._ngrams is not None:
            rows = [_ngrams(r, self._ngrams) for r in rows]
        return rows

    # -- vocabulary --------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary from strings: an array or list (one sample each), or an
        iterable of batches."""
        self.reset_state()
        direct = isinstance(data, (np.ndarray, list, tuple)) or hasattr(data, "__array__")
        for batch in data_layer.adapt_batches(data, steps, self.name):
            if direct and batch.ndim == 1:
                batch = batch[:, None]
            self.update_state(batch)
        self.finalize_state()

    def update_state(self, data) -> None:
        tokens = self._preprocess(data)
        if isinstance(tokens, np.ndarray):
            tokens = tokens[None] if tokens.ndim < 2 else tokens
            tokens = [np.ravel(row).tolist() for row in tokens]
        self._lookup_layer.count_rows(tokens)

    def finalize_state(self) -> None:
        self._lookup_layer.finalize_state()

    def reset_state(self) -> None:
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True) -> list:
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # -- call --------------------------------------------------------------------------------
    def call(self, inputs):
        tokens = self._preprocess(inputs)
        lookup = self._lookup_layer
        if isinstance(tokens, np.ndarray):
            out = host(lookup.call(tokens))
            if self._output_mode == "int" and self._output_sequence_length is not None:
                out = self._fit_length(out)
            return to_output(out)
        if self._output_mode == "int":
            rows = [lookup._lookup(np.asarray(r, dtype=str)) for r in tokens]
            length = self._output_sequence_length
            if length is None:
                # At least one id a row: Keras would give (batch, 0) for a batch of empty
                # strings, but a model's layers are shaped on such a batch (numen infers shapes
                # by running layers on blank inputs), and an RNN needs a step.
                length = max(max((len(r) for r in rows), default=0), 1)
            out = np.zeros((len(rows), length), dtype="int32")
            for i, r in enumerate(rows):
                out[i, :min(len(r), length)] = r[:length]
            return to_output(out)
        depth = lookup.max_tokens if lookup.pad_to_max_tokens else lookup._frozen_vocab_size
        if self._output_mode == "one_hot":
            ids = [lookup._lookup(np.asarray(r, dtype=str)) for r in tokens]
            width = max((len(r) for r in ids), default=0)
            padded = np.full((len(ids), width), -1, dtype=np.int64)
            for i, r in enumerate(ids):
                padded[i, :len(r)] = r
            return to_output(one_hot(padded, depth, "int32"))
        out = np.stack([host(lookup.call(np.asarray(r, dtype=str))) if len(r) else
                        np.zeros((depth,), "float32" if self._output_mode == "tf_idf"
                                 else "int32") for r in tokens]) if tokens else \
            np.zeros((0, depth), "int32")
        return to_output(out)

    def _fit_length(self, out: np.ndarray) -> np.ndarray:
        length = self._output_sequence_length
        out = out[..., :length]
        pad = [(0, 0)] * (out.ndim - 1) + [(0, length - out.shape[-1])]
        return np.pad(out, pad)

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        shape = tuple(input_shape)
        if self._split is None:
            shape = shape + (1,) if len(shape) <= 1 else shape
        else:
            shape = shape + (None,)
        return self._lookup_layer.compute_output_shape(shape)

    # -- saving ------------------------------------------------------------------------------
    def get_config(self) -> dict:
        lookup = self._lookup_layer

        def listed(v):
            return np.asarray(v).tolist() if isinstance(v, np.ndarray) else v

        return {**super().get_config(), "max_tokens": lookup.max_tokens,
                "standardize": self._standardize, "split": self._split,
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": False,
                "ragged": False, "vocabulary": listed(lookup.input_vocabulary),
                "idf_weights": listed(lookup.input_idf_weights), "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    def save_own_variables(self, store) -> None:
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store) -> None:
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path: str) -> None:
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path: str) -> None:
        self._lookup_layer.load_assets(dir_path)

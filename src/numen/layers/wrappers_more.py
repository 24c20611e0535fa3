"""SpectralNormalization, and TFSMLayer (which numen cannot provide: it says so clearly)."""

from __future__ import annotations

from numen import initializers, ops
from numen.autodiff import no_grad
from numen.layers.base import Layer
from numen.layers.wrappers import Wrapper


class SpectralNormalization(Wrapper):
    """Keeps the spectral norm (largest singular value) of a layer's kernel near one (Miyato
    et al., 2018), estimated by power iteration.

    In training each call runs `power_iterations` steps of power iteration from the stored
    vector `vector_u`, divides the wrapped layer's kernel by the estimated norm (in place, as
    Keras does) and then runs the layer; in inference the layer runs with its kernel as is.

    Args:
        layer: a layer with a `kernel` (Dense, Conv*, ...) or `embeddings` (Embedding).
        power_iterations: power-iteration steps per training call (default 1).

    Weights: the wrapped layer's, plus the non-trainable `vector_u` (1, kernel.shape[-1]).

    >>> SpectralNormalization(Dense(3))(np.ones((2, 4)), training=True).shape
    (2, 3)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if isinstance(power_iterations, bool) or not isinstance(power_iterations, int) \
                or power_iterations <= 0:
            raise ValueError(f"SpectralNormalization: `power_iterations` must be a positive "
                             f"integer, received {power_iterations!r}")
        self.power_iterations = power_iterations

    def build(self, input_shape):
        super().build(input_shape)
        kernel = getattr(self.layer, "kernel", None)
        if kernel is None:
            kernel = getattr(self.layer, "embeddings", None)
        if kernel is None:
            raise ValueError(f"SpectralNormalization: the wrapped layer '{self.layer.name}' "
                             f"({type(self.layer).__name__}) has no `kernel` or `embeddings` "
                             f"to normalize")
        self.kernel = kernel
        # Keras tracks the wrapped kernel as this layer's own variable too (it writes it under
        # this layer in .keras files, before vector_u), so numen does the same.
        self._own_weights.append(kernel)
        self.vector_u = self.add_weight(
            shape=(1, kernel.shape[-1]), initializer=initializers.TruncatedNormal(stddev=0.02),
            trainable=False, name="vector_u", dtype=kernel.dtype)
        self.built = True

    def _own_losses(self):
        # The borrowed kernel's regularizer is the wrapped layer's to count, not this one's.
        kernel = getattr(self, "kernel", None)
        out = list(self._added_losses)
        for w in self._own_weights:
            if w is not kernel and w.regularizer is not None and w.trainable:
                out.append(w.regularizer(w))
        return out

    def normalized_weights(self):
        """(new vector_u, kernel divided by its estimated spectral norm), without gradients."""
        with no_grad():
            w = ops.reshape(self.kernel, (-1, self.kernel.shape[-1]))
            u = self.vector_u
            for _ in range(self.power_iterations):
                v = ops.normalize(ops.matmul(u, ops.transpose(w)), axis=None)
                u = ops.normalize(ops.matmul(v, w), axis=None)
            sigma = ops.matmul(ops.matmul(v, w), ops.transpose(u))
            kernel = ops.reshape(ops.divide(w, sigma), self.kernel.shape)
        return u, kernel

    def call(self, inputs, training=False):
        if training and bool(ops.any(ops.not_equal(self.kernel, 0))):
            u, kernel = self.normalized_weights()
            self.vector_u.assign(u.data)
            self.kernel.assign(kernel.data)
        out = self.layer(inputs)
        return out if out.dtype == inputs.dtype else ops.cast(out, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}


class TFSMLayer(Layer):
    """Keras's layer for TensorFlow SavedModel artifacts; numen cannot run one.

    A SavedModel is a TensorFlow graph: running it needs TensorFlow itself, which numen does
    not use. Constructing this layer raises a ValueError that says what to do instead.

    Raises:
        ValueError: always.

    >>> TFSMLayer("exported_model")  # doctest: +SKIP
    Traceback (most recent call last):
    ValueError: TFSMLayer: numen cannot load TensorFlow SavedModels ...
    """

    def __init__(self, filepath, call_endpoint="serve", call_training_endpoint=None,
                 trainable=True, name=None, dtype=None):
        raise ValueError(
            f"TFSMLayer: numen cannot load TensorFlow SavedModels (received filepath="
            f"{filepath!r}, call_endpoint={call_endpoint!r}); running one needs TensorFlow. "
            "Save the model as a .keras file (model.save('model.keras')) or its weights as "
            ".weights.h5 from the framework that made it, and load that with numen")

"""keras.io example "Approximating non-Function Mappings with Mixture Density Networks", step by
step: data whose inverse is not a function (x as a function of y has several values), a custom
activation (ELU + 1 + epsilon) for the standard deviations, a MixtureDensityOutput layer that
builds its three Dense heads itself, overrides `trainable_weights` / `non_trainable_weights` and
concatenates the heads with a named `layers.concatenate` inside `call`, a negative log-likelihood
loss for the Gaussian mixture, training with EarlyStopping, and samples drawn from the predicted
mixtures. The example's loss uses TensorFlow Probability; here keras.ops writes the same
log-likelihood (log-sum-exp over the components). 500 points and a few epochs keep it fast."""

import math

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

N_SAMPLES = 500
y_data = rng.uniform(-10.5, 10.5, N_SAMPLES).astype("float32")
y_data = y_data.reshape(-1, 1)
x_data = (np.sin(0.75 * y_data) * 7.0 + y_data * 0.5 + rng.normal(0, 1, (N_SAMPLES, 1)))
x_data = x_data.astype("float32")


def elu_plus_one_plus_epsilon(x):
    return keras.activations.elu(x) + 1 + keras.backend.epsilon()


class MixtureDensityOutput(layers.Layer):
    def __init__(self, output_dimension, num_mixtures, **kwargs):
        super().__init__(**kwargs)
        self.output_dim = output_dimension
        self.num_mix = num_mixtures
        self.mdn_mus = layers.Dense(self.num_mix * self.output_dim, name="mdn_mus")  # mix*output
        self.mdn_sigmas = layers.Dense(
            self.num_mix * self.output_dim,
            activation=elu_plus_one_plus_epsilon,
            name="mdn_sigmas",
        )  # mix*output vals exp activation
        self.mdn_pi = layers.Dense(self.num_mix, name="mdn_pi")  # mix vals, logits

    def build(self, input_shape):
        self.mdn_mus.build(input_shape)
        self.mdn_sigmas.build(input_shape)
        self.mdn_pi.build(input_shape)
        super().build(input_shape)

    @property
    def trainable_weights(self):
        return (self.mdn_mus.trainable_weights + self.mdn_sigmas.trainable_weights
                + self.mdn_pi.trainable_weights)

    @property
    def non_trainable_weights(self):
        return (self.mdn_mus.non_trainable_weights + self.mdn_sigmas.non_trainable_weights
                + self.mdn_pi.non_trainable_weights)

    def call(self, x, mask=None):
        return layers.concatenate(
            [self.mdn_mus(x), self.mdn_sigmas(x), self.mdn_pi(x)], name="mdn_outputs"
        )


def get_mixture_loss_func(output_dim, num_mixes):
    def mdn_loss_func(y_true, y_pred):
        # Reshape inputs in case this is used in a TimeDistributed layer
        y_pred = ops.reshape(y_pred, [-1, (2 * num_mixes * output_dim) + num_mixes])
        y_true = ops.reshape(y_true, [-1, output_dim])
        # Split the inputs into parameters
        out_mu, out_sigma, out_pi = ops.split(
            y_pred, [num_mixes * output_dim, 2 * num_mixes * output_dim], axis=-1
        )
        mus = ops.reshape(out_mu, (-1, num_mixes, output_dim))
        sigs = ops.reshape(out_sigma, (-1, num_mixes, output_dim))
        # Log-density of y under each diagonal Gaussian, then of the mixture.
        z = (ops.expand_dims(y_true, 1) - mus) / sigs
        log_normal = ops.sum(-0.5 * z * z - ops.log(sigs) - 0.5 * math.log(2 * math.pi),
                             axis=-1)
        log_pi = ops.log_softmax(out_pi, axis=-1)
        loss = -ops.logsumexp(log_pi + log_normal, axis=-1)
        return ops.mean(loss)

    return mdn_loss_func


OUTPUT_DIMS = 1
N_MIXES = 5

mdn_network = keras.Sequential(
    [
        layers.Dense(16, activation="relu"),
        layers.Dense(16, activation="relu"),
        MixtureDensityOutput(OUTPUT_DIMS, N_MIXES),
    ]
)

mdn_network.compile(loss=get_mixture_loss_func(OUTPUT_DIMS, N_MIXES), optimizer="adam")

history = mdn_network.fit(
    x_data,
    y_data,
    epochs=4,
    batch_size=64,
    validation_split=0.15,
    callbacks=[keras.callbacks.EarlyStopping(monitor="loss", patience=10, min_delta=0.001)],
    verbose=2,
)
assert history.history["loss"][-1] < history.history["loss"][0]
mdn_layer = mdn_network.layers[-1]
assert len(mdn_layer.trainable_weights) == 6 and len(mdn_network.trainable_variables) == 10

# The loss of one Gaussian component, by hand (scipy's norm.logpdf in closed form).
y_pred = np.array([[0.5, 2.0, 0.0]], "float32")  # mu, sigma, one logit
loss_1 = float(get_mixture_loss_func(1, 1)(np.array([[1.0]], "float32"), y_pred))
np.testing.assert_allclose(loss_1, math.log(2.0) + 0.5 * math.log(2 * math.pi) + 0.5 * 0.25 / 4,
                           rtol=1e-5)

y_pred = mdn_network.predict(x_data, verbose=0)
assert y_pred.shape == (N_SAMPLES, 2 * N_MIXES * OUTPUT_DIMS + N_MIXES)
assert (y_pred[:, N_MIXES:2 * N_MIXES] > 0).all()  # every sigma is positive


def split_mixture_params(params, output_dim, num_mixes):
    mus = params[: num_mixes * output_dim]
    sigs = params[num_mixes * output_dim: 2 * num_mixes * output_dim]
    pi_logits = params[-num_mixes:]
    return mus, sigs, pi_logits


def softmax(w, t=1.0):
    e = np.array(w) / t  # adjust temperature
    e -= e.max()  # subtract max to protect from exploding exp values.
    e = np.exp(e)
    dist = e / np.sum(e)
    return dist


def sample_from_categorical(dist):
    return int(np.argmax(rng.multinomial(1, dist)))


def sample_from_output(params, output_dim, num_mixes, temp=1.0, sigma_temp=1.0):
    mus, sigs, pi_logits = split_mixture_params(params, output_dim, num_mixes)
    pis = softmax(pi_logits, t=temp)
    m = sample_from_categorical(pis)
    mus_vector = mus[m * output_dim: (m + 1) * output_dim]
    sig_vector = sigs[m * output_dim: (m + 1) * output_dim]
    scale_matrix = np.identity(output_dim) * sig_vector  # scale matrix from diag
    cov_matrix = np.matmul(scale_matrix, scale_matrix.T)  # cov is scale squared.
    cov_matrix = cov_matrix * sigma_temp  # adjust for sigma temperature
    sample = rng.multivariate_normal(mus_vector, cov_matrix, 1)
    return sample


y_samples = np.apply_along_axis(sample_from_output, 1, y_pred, 1, N_MIXES, temp=1.0)
assert y_samples.shape == (N_SAMPLES, 1, 1) and np.isfinite(y_samples).all()

print("mixture_density_network OK")

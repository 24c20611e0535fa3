"""keras.io guide "Writing a training loop from scratch" in its functional (JAX) form, step by
step: the model's and the optimizer's variables pulled out as lists of values, a pure
`train_step(state, data)` built on `model.stateless_call` and `optimizer.stateless_apply`, the
state threaded through the loop, the trained values assigned back to the variables at the end,
and the non-trainable state (BatchNormalization's moving statistics) returned by
`stateless_call(..., training=True)`. The guide takes gradients with `jax.value_and_grad`; to
stay backend-agnostic this program trains a softmax regression, whose gradient `keras.ops`
writes in two lines. Random MNIST-shaped data and a few steps keep it to a second."""

import numpy as np

from numen import keras
from numen.keras import layers, ops

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)

# A softmax regression on flattened 28x28 "digits" whose class is set by a few pixels.
num_classes = 10
x_train = rng.random((256, 784)).astype("float32")
y_train = rng.integers(0, num_classes, 256)
x_train[np.arange(256), y_train * 7] += 4.0
x_val, y_val = x_train[-64:], y_train[-64:]
x_train, y_train = x_train[:-64], y_train[:-64]

model = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(num_classes, name="predictions")])

# Instantiate an optimizer to train the model.
optimizer = keras.optimizers.Adam(learning_rate=1e-2)
# Instantiate a loss function.
loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
    y_pred, non_trainable_variables = model.stateless_call(
        trainable_variables, non_trainable_variables, x, training=True
    )
    loss = loss_fn(y, y_pred)
    return loss, (y_pred, non_trainable_variables)


def grad_fn(trainable_variables, non_trainable_variables, x, y):
    """What `jax.value_and_grad(compute_loss_and_updates, has_aux=True)` returns, for this
    model: the gradient of the mean cross-entropy of `softmax(x @ kernel + bias)`."""
    loss, (y_pred, non_trainable_variables) = compute_loss_and_updates(
        trainable_variables, non_trainable_variables, x, y
    )
    d_logits = (ops.softmax(y_pred) - ops.one_hot(y, num_classes)) / ops.shape(x)[0]
    grads = [ops.matmul(ops.transpose(x), d_logits), ops.sum(d_logits, axis=0)]
    return (loss, non_trainable_variables), grads


def train_step(state, data):
    trainable_variables, non_trainable_variables, optimizer_variables = state
    x, y = data
    (loss, non_trainable_variables), grads = grad_fn(
        trainable_variables, non_trainable_variables, x, y
    )
    trainable_variables, optimizer_variables = optimizer.stateless_apply(
        optimizer_variables, grads, trainable_variables
    )
    # Return updated state
    return loss, (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
    )


# Build optimizer variables.
optimizer.build(model.trainable_variables)

trainable_variables = model.trainable_variables
non_trainable_variables = model.non_trainable_variables
optimizer_variables = optimizer.variables
state = trainable_variables, non_trainable_variables, optimizer_variables
initial = [np.array(v) for v in model.trainable_variables]

batch_size = 32
losses = []
for epoch in range(3):
    for step in range(0, len(x_train), batch_size):
        data = (x_train[step:step + batch_size], y_train[step:step + batch_size])
        loss, state = train_step(state, data)
        losses.append(float(loss))
    print(f"Training loss at epoch {epoch}: {losses[-1]:.4f}")
assert losses[-1] < losses[0]

# The model's own variables were never touched: the state lives in the lists.
for variable, value in zip(model.trainable_variables, initial):
    np.testing.assert_array_equal(np.array(variable), value)
assert int(optimizer.iterations) == 0
assert int(ops.convert_to_numpy(state[2][0])) == 3 * (len(x_train) // batch_size)

# Assign the trained values back to the model's variables (and the optimizer's).
trainable_variables, non_trainable_variables, optimizer_variables = state
for variable, value in zip(model.trainable_variables, trainable_variables):
    variable.assign(value)
for variable, value in zip(model.non_trainable_variables, non_trainable_variables):
    variable.assign(value)

# The model's own loss now agrees with the stateless one.
stateless_logits, _ = model.stateless_call(trainable_variables, non_trainable_variables, x_val)
stateless_loss = float(loss_fn(y_val, stateless_logits))
model.compile(loss=loss_fn, metrics=[keras.metrics.SparseCategoricalAccuracy()])
val_loss, val_acc = model.evaluate(x_val, y_val, batch_size=64, verbose=0)
np.testing.assert_allclose(val_loss, stateless_loss, rtol=1e-5)
print(f"Validation acc: {val_acc:.4f}")

# Non-trainable state: BatchNormalization's moving statistics come back as new values, and the
# same call made statefully leaves the same values in the variables.
bn_model = keras.Sequential([keras.Input(shape=(784,)), layers.BatchNormalization(),
                             layers.Dense(num_classes)])
trainable_variables = bn_model.trainable_variables
non_trainable_variables = bn_model.non_trainable_variables
assert [v.name for v in non_trainable_variables] == ["moving_mean", "moving_variance"]
y_pred, new_non_trainable = bn_model.stateless_call(
    trainable_variables, non_trainable_variables, x_val, training=True
)
np.testing.assert_array_equal(np.array(bn_model.non_trainable_variables[0]), 0.0)
bn_model(x_val, training=True)
for variable, value in zip(bn_model.non_trainable_variables, new_non_trainable):
    np.testing.assert_allclose(np.array(variable), ops.convert_to_numpy(value), rtol=1e-6)

print("training_loop_stateless OK")

"""Optimizer updates, step by step: Lamb, Muon, ScheduleFreeAdamW, LossScaleOptimizer,
MultiOptimizer. Each case makes Variables from the input arrays, applies the optimizer for five
steps with the given gradients (`grads[t]` at step t) and returns the variables' values."""

import numpy as np

from golden_cases.case import Case, f32

STEPS = 5


def _values(k, variables):
    return [k.ops.convert_to_numpy(v) for v in variables]


def _run(make, names=None, steps=STEPS):
    """A case function: weights come first in the inputs, then one gradient stack per weight."""
    def fn(k, *arrays):
        half = len(arrays) // 2
        variables = [k.Variable(w, name=(names[i] if names else f"w{i}"))
                     for i, w in enumerate(arrays[:half])]
        opt = make(k)
        for t in range(steps):
            opt.apply([g[t] for g in arrays[half:]], variables)
        return _values(k, variables)
    return fn


# A wide and a tall matrix (Muon steps) and a vector (AdamW step inside Muon).
WEIGHTS = [f32(3, 4), f32(5, 3), f32(4)]
GRADS = [f32(STEPS, 3, 4), f32(STEPS, 5, 3), f32(STEPS, 4)]
INPUTS = WEIGHTS + GRADS

# A 0-d variable: its optimizer state must be arrays updated in place (not NumPy scalars).
SCALAR_INPUTS = [f32(), f32(STEPS)]

CASES = [
    Case("adafactor_scalar_variable", _run(lambda k: k.optimizers.Adafactor()), SCALAR_INPUTS),
    Case("muon_scalar_variable", _run(lambda k: k.optimizers.Muon()), SCALAR_INPUTS),
    Case("lamb_scalar_variable", _run(lambda k: k.optimizers.Lamb()), SCALAR_INPUTS),
    Case("adam_scalar_variable_accumulated", _run(lambda k: k.optimizers.Adam(
        0.1, gradient_accumulation_steps=2)), SCALAR_INPUTS),
    Case("lamb_defaults", _run(lambda k: k.optimizers.Lamb()), INPUTS),
    Case("lamb_decay_clip", _run(lambda k: k.optimizers.Lamb(
        learning_rate=0.05, beta_1=0.8, beta_2=0.99, epsilon=1e-3, weight_decay=0.1,
        clipnorm=1.0)), INPUTS),
    Case("lamb_ema", _run(lambda k: k.optimizers.Lamb(
        learning_rate=0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)), INPUTS),
    Case("muon_defaults", _run(lambda k: k.optimizers.Muon()), INPUTS, rtol=1e-4, atol=1e-5),
    Case("muon_plain_momentum", _run(lambda k: k.optimizers.Muon(
        learning_rate=0.02, nesterov=False, rms_rate=None, ns_steps=3, momentum=0.9,
        weight_decay=None, adam_weight_decay=0.1, adam_lr_ratio=0.5)), INPUTS,
        rtol=1e-4, atol=1e-5),
    # The second matrix is named like an embedding and the first is excluded by pattern:
    # both take the AdamW step.
    Case("muon_excluded", _run(lambda k: k.optimizers.Muon(
        learning_rate=0.01, exclude_layers=["^head"]), names=["head_kernel", "my_Embedding",
                                                             "bias"]), INPUTS),
    Case("muon_embedding_kept", _run(lambda k: k.optimizers.Muon(
        learning_rate=0.01, exclude_embeddings=False), names=["a", "embedding", "b"]),
        INPUTS, rtol=1e-4, atol=1e-5),
    Case("schedule_free_adamw_defaults", _run(lambda k: k.optimizers.ScheduleFreeAdamW()),
         INPUTS),
    Case("schedule_free_adamw_warmup_decay", _run(lambda k: k.optimizers.ScheduleFreeAdamW(
        learning_rate=0.05, beta_1=0.7, beta_2=0.9, epsilon=1e-6, warmup_steps=3,
        weight_decay=0.05)), INPUTS),
]


def _loss_scale(inner, bad_batch=None, **kwargs):
    """fit() with a LossScaleOptimizer over `inner` (Keras's JAX backend applies it only
    inside its compiled train step): a Dense(1) model from the given weights, four batches of
    two, the inputs of `bad_batch` set to 1e30 (its kernel gradient overflows to inf: the step
    is skipped and the scale halves). Returns the weights, the scale, the counter and the
    inner optimizer's iterations."""
    def fn(k, kernel, bias, x, y):
        model = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
        model.set_weights([kernel, bias])
        x = np.array(x)
        if bad_batch is not None:
            x[2 * bad_batch: 2 * bad_batch + 2] = 1e30
        opt = k.optimizers.LossScaleOptimizer(inner(k), **kwargs)
        model.compile(optimizer=opt, loss="mse")
        model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
        return [k.ops.convert_to_numpy(w) for w in model.weights] + [
            k.ops.convert_to_numpy(opt.dynamic_scale),
            np.asarray(int(k.ops.convert_to_numpy(opt.step_counter)), "int32"),
            np.asarray(int(k.ops.convert_to_numpy(opt.iterations)), "int32")]
    return fn


LOSS_SCALE_INPUTS = [f32(3, 1), f32(1), f32(8, 3), f32(8, 1)]


def _multi(k, *arrays):
    variables = [k.Variable(w, name=n) for w, n in zip(arrays[:3], ["enc_a", "enc_b", "head"])]
    opt = k.optimizers.MultiOptimizer(k.optimizers.OptimizerMap(
        k.optimizers.SGD(0.1, momentum=0.5), {"enc_.*": k.optimizers.Adam(0.01)}))
    for t in range(STEPS):
        opt.apply([g[t] for g in arrays[3:]], variables)
    return _values(k, variables) + [
        np.asarray(int(k.ops.convert_to_numpy(opt.iterations)), "int32"),
        np.asarray([int(k.ops.convert_to_numpy(o.iterations)) for o in opt.optimizers],
                   "int32")]


CASES += [
    Case("loss_scale_sgd_growth", _loss_scale(lambda k: k.optimizers.SGD(0.1),
                                              initial_scale=8.0, dynamic_growth_steps=3),
         LOSS_SCALE_INPUTS),
    Case("loss_scale_adam_skips_non_finite", _loss_scale(
        lambda k: k.optimizers.Adam(0.01), bad_batch=1, dynamic_growth_steps=2),
        LOSS_SCALE_INPUTS),
    Case("loss_scale_defaults", _loss_scale(lambda k: k.optimizers.RMSprop()),
         LOSS_SCALE_INPUTS),
    Case("multi_optimizer_map", _multi, INPUTS),
]


def _swap_ema(swap_on_epoch):
    """fit() with an EMA optimizer and SwapEMAWeights: the final weights and the validation
    losses (computed with the EMA weights in the model)."""
    def fn(k, kernel, bias, x, y):
        model = k.Sequential([k.Input((3,)), k.layers.Dense(1)])
        model.set_weights([kernel, bias])
        model.compile(optimizer=k.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5),
                      loss="mse")
        history = model.fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0,
                            validation_data=(x[:4], y[:4]),
                            callbacks=[k.callbacks.SwapEMAWeights(swap_on_epoch)])
        evaluated = model.evaluate(x, y, verbose=0, callbacks=[k.callbacks.SwapEMAWeights()])
        return [k.ops.convert_to_numpy(w) for w in model.weights] + [
            np.asarray(history.history["val_loss"], "float32"),
            np.asarray(evaluated, "float32")]
    return fn


CASES += [
    Case("swap_ema_weights_for_validation", _swap_ema(False), LOSS_SCALE_INPUTS),
    Case("swap_ema_weights_on_epoch", _swap_ema(True), LOSS_SCALE_INPUTS),
]

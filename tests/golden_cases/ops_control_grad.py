"""custom_gradient, stop_gradient and jvp against real Keras."""

from golden_cases.case import Case, f32


def _log1pexp(k, x):
    # Keras's backend-agnostic form: grad(*args, upstream=None).
    @k.ops.custom_gradient
    def log1pexp(t):
        e = k.ops.exp(t)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return k.ops.multiply(upstream, 1.0 - 1.0 / k.ops.add(1, e))

        return k.ops.log(1 + e), grad

    return log1pexp(x)


def _made_up_two_args(k, x, y):
    # A gradient that is not the true one: shows grad_fn's values are what flows back.
    @k.ops.custom_gradient
    def product(a, b):
        def grad(upstream):
            return upstream * 2.0, k.ops.sin(upstream) * a

        return a * b, grad

    return product(x, y) + x


def _two_outputs(k, x):
    @k.ops.custom_gradient
    def pair(t):
        def grad(upstream):
            g1, g2 = upstream
            return g1 * 3.0 - g2

        return (k.ops.square(t), k.ops.cos(t)), grad

    return pair(x)


def _clip_gradient(k, x, w):
    @k.ops.custom_gradient
    def clipped(t):
        def grad(upstream):
            return k.ops.clip(upstream, -0.1, 0.1)

        return t, grad

    return k.ops.sum(clipped(x * w) * 5.0, axis=0)


def _dict_argument(k, x, y):
    @k.ops.custom_gradient
    def combine(d):
        def grad(upstream):
            return ({"a": upstream * 2.0, "b": upstream * d["a"]},)

        return d["a"] * 2.0 + d["b"] * d["a"], grad

    return combine({"a": x, "b": y})


CASES = [
    Case("custom_gradient_log1pexp", _log1pexp, [f32(5, scale=3.0)], grad=True),
    Case("custom_gradient_made_up", _made_up_two_args, [f32(2, 3), f32(2, 3)], grad=True),
    Case("custom_gradient_two_outputs", _two_outputs, [f32(4)], grad=True),
    Case("custom_gradient_clip", _clip_gradient, [f32(3, 2), f32(3, 2)], grad=True),
    Case("custom_gradient_dict_argument", _dict_argument, [f32(3), f32(3)], grad=True),
    Case("stop_gradient", lambda k, x: x * k.ops.stop_gradient(x) + k.ops.stop_gradient(x * 2.0),
         [f32(2, 3)], grad=True),
    Case("jvp_sin", lambda k, x, t: k.ops.jvp(k.ops.sin, (x,), (t,)), [f32(3), f32(3)]),
    Case("jvp_two_args_tuple_out",
         lambda k, x, y, tx, ty: k.ops.jvp(lambda a, b: (a * b, k.ops.matmul(a, b.T)),
                                           (x, y), (tx, ty)),
         [f32(2, 3), f32(2, 3), f32(2, 3), f32(2, 3)]),
    Case("jvp_has_aux",
         lambda k, x, t: k.ops.jvp(lambda a: (k.ops.tanh(a), {"aux": a * 2.0}), [x], [t],
                                   has_aux=True),
         [f32(2, 2), f32(2, 2)]),
    Case("linalg_jvp", lambda k, x, t: k.ops.linalg.jvp(k.ops.exp, (x,), (t,)),
         [f32(4), f32(4)]),
]

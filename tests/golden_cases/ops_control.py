"""Control flow against real Keras: cond, switch, while_loop, fori_loop, scan, map,
vectorized_map, associative_scan, vectorize (values and gradients through the branch taken
and the iterations run)."""

from golden_cases.case import Case, f32, ints


def _cond_tuple(k, x, y, threshold):
    return k.ops.cond(k.ops.sum(x) > threshold,
                      lambda: (x * y, k.ops.sin(x)),
                      lambda: (x - y, k.ops.exp(x * 0.5)))


def _switch(k, index, x, y):
    branches = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: k.ops.tanh(a) - b]
    return k.ops.switch(index, branches, x, y)


def _while_pair(k, x):
    return k.ops.while_loop(lambda i, s: i < 3, lambda i, s: (i + 1, s * x + 1.0),
                            (0, k.ops.ones_like(x)))


def _while_dict(k, x):
    return k.ops.while_loop(lambda d: k.ops.sum(d["s"]) < 1e6,
                            lambda d: {"n": d["n"] + 1, "s": d["s"] * 2.0 + x},
                            {"n": 0, "s": k.ops.abs(x)}, maximum_iterations=4)


def _fori(k, x):
    xt = k.ops.convert_to_tensor(x)
    return k.ops.fori_loop(0, 4, lambda i, s: s * 0.5 + k.ops.take(xt, i, axis=0),
                           k.ops.zeros(x.shape[1:]))


def _scan_nested(k, init, xs, ws):
    def step(carry, x):
        h, c = carry
        h = k.ops.tanh(h * x["a"] + c)
        c = c + x["b"]
        return (h, c), {"h": h, "hc": h * c}

    return k.ops.scan(step, (init, init * 0.5), {"a": xs, "b": ws})


def _scan_reverse(k, init, xs):
    return k.ops.scan(lambda c, x: (c * 0.9 + x, k.ops.sin(c)), init, xs, reverse=True)


def _scan_length(k, init):
    return k.ops.scan(lambda c, _: (k.ops.cos(c) + c, c * 2.0), init, None, length=3)


def _recurrence(k, a, b):
    # (a1, b1) then (a2, b2) is x -> a2 * (a1 * x + b1) + b2: associative, not commutative.
    return k.ops.associative_scan(lambda p, q: (p[0] * q[0], q[0] * p[1] + q[1]), (a, b))


CASES = [
    Case("cond_true_tuple", lambda k, x, y: _cond_tuple(k, x, y, -100.0),
         [f32(2, 3), f32(2, 3)], grad=True),
    Case("cond_false_tuple", lambda k, x, y: _cond_tuple(k, x, y, 100.0),
         [f32(2, 3), f32(2, 3)], grad=True),
    Case("cond_python_pred", lambda k, x: k.ops.cond(True, lambda: x * 3.0, lambda: x),
         [f32(4)], grad=True),
    Case("switch_1", lambda k, x, y: _switch(k, 1, x, y), [f32(3), f32(3)], grad=True),
    Case("switch_clamped_high", lambda k, x, y: _switch(k, 9, x, y), [f32(3), f32(3)],
         grad=True),
    Case("switch_clamped_low", lambda k, x, y: _switch(k, -2, x, y), [f32(3), f32(3)],
         grad=True),
    Case("switch_tensor_index", lambda k, i, x, y: _switch(k, i, x, y),
         [ints(high=3), f32(3), f32(3)], grad=(1, 2)),
    # jax.grad cannot differentiate lax.while_loop: values only (float64 check_grad covers
    # numen's gradient in tests/test_ops_control.py).
    Case("while_loop_pair", _while_pair, [f32(3)]),
    Case("while_loop_dict_max_iter", _while_dict, [f32(2, 2)]),
    Case("while_loop_scalar", lambda k: k.ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0)),
    Case("fori_loop", _fori, [f32(4, 3)], grad=True),
    Case("fori_loop_int", lambda k: k.ops.fori_loop(0, 10, lambda i, s: s + i, 0)),
    Case("scan_nested", _scan_nested, [f32(2), f32(4, 2), f32(4, 2)], grad=True),
    Case("scan_reverse", _scan_reverse, [f32(3), f32(5, 3)], grad=True),
    Case("scan_length_only", _scan_length, [f32(2)], grad=True),
    Case("map_dict", lambda k, x: k.ops.map(lambda r: {"y1": r * r, "y2": k.ops.sum(r)}, x),
         [f32(4, 3)], grad=True),
    Case("map_int", lambda k, x: k.ops.map(lambda r: r * 2, x), [ints(5)]),
    Case("vectorized_map_list",
         lambda k, a, b: k.ops.vectorized_map(lambda e: k.ops.dot(e[0], e[1]), [a, b]),
         [f32(3, 2, 4), f32(3, 4)], grad=True),
    Case("associative_scan_add", lambda k, x: k.ops.associative_scan(lambda a, b: a + b, x),
         [f32(7, 2)], grad=True),
    Case("associative_scan_reverse_axis1",
         lambda k, x: k.ops.associative_scan(lambda a, b: a * b, x, reverse=True, axis=1),
         [f32(2, 5)], grad=True),
    Case("associative_scan_matmul_reverse",
         lambda k, x: k.ops.associative_scan(k.ops.matmul, x, reverse=True),
         [f32(5, 2, 2)], grad=True),
    Case("associative_scan_recurrence", _recurrence, [f32(6, 2), f32(6, 2)], grad=True),
    Case("associative_scan_int", lambda k, x: k.ops.associative_scan(k.ops.maximum, x),
         [ints(6)]),
    Case("vectorize_broadcast",
         lambda k, a, b: k.ops.vectorize(lambda u, v: u * v + k.ops.sin(u))(a, b),
         [f32(2, 3), f32(3)], grad=True),
    Case("vectorize_signature",
         lambda k, m, v: k.ops.vectorize(k.ops.matmul, signature="(m,n),(n)->(m)")(m, v),
         [f32(3, 2, 4), f32(4)], grad=True),
    Case("vectorize_two_outputs",
         lambda k, m: k.ops.vectorize(lambda r: (k.ops.sum(r * r), r * 2.0),
                                      signature="(n)->(),(n)")(m),
         [f32(2, 3, 4)], grad=True),
    Case("associative_scan_dict",
         lambda k, x, y: k.ops.associative_scan(
             lambda a, b: {"s": a["s"] + b["s"], "m": k.ops.maximum(a["m"], b["m"])},
             {"s": x, "m": y}, axis=1),
         [f32(2, 6), f32(2, 6)], grad=True),
    Case("vectorize_excluded",
         lambda k, a: k.ops.vectorize(lambda u, p: u ** p, excluded={1})(a, 2.0),
         [f32(4)], grad=True),
]

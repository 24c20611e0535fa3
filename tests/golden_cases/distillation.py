"""keras.distillation: the distillation losses and a Distiller's combined loss, same logits in,
same loss out (and the same gradients with respect to both models' logits)."""

from golden_cases.case import Case, f32, ints

D = "distillation"


def _models(k, wt1, bt1, wt2, bt2, ws1, bs1, ws2, bs2):
    def model(w1, b1, w2, b2, activation):
        m = k.Sequential([k.Input((5,)), k.layers.Dense(4, activation=activation, name="h"),
                          k.layers.Dense(3, name="logits")])
        m.set_weights([w1, b1, w2, b2])
        return m
    return model(wt1, bt1, wt2, bt2, "relu"), model(ws1, bs1, ws2, bs2, "tanh")


def _distiller_loss(k, x, y, *weights, student_loss_weight=0.3):
    teacher, student = _models(k, *weights)
    distiller = k.distillation.Distiller(
        teacher, student,
        [k.distillation.LogitsDistillation(temperature=2.0, loss=k.losses.KLDivergence()),
         k.distillation.FeatureDistillation(teacher_layer_name="h", student_layer_name="h")],
        distillation_loss_weights=[1.0, 0.5], student_loss_weight=student_loss_weight)
    distiller.compile(optimizer="sgd",
                      loss=k.losses.SparseCategoricalCrossentropy(from_logits=True))
    total = distiller.compute_loss(x, y)
    return (total, distiller.student_loss_tracker.result(),
            distiller.distillation_loss_tracker.result())


WEIGHTS = [f32(5, 4), f32(4), f32(4, 3), f32(3)] * 2

CASES = [
    Case("logits_default", lambda k, t, s: k.distillation.LogitsDistillation()
         .compute_loss(t, s), [f32(4, 5, scale=2.0), f32(4, 5, scale=2.0)], grad=True),
    Case("logits_kl_object", lambda k, t, s: k.distillation.LogitsDistillation(
        temperature=4.0, loss=k.losses.KLDivergence()).compute_loss(t, s),
        [f32(4, 5, scale=3.0), f32(4, 5, scale=3.0)], grad=True),
    Case("logits_cce_from_logits", lambda k, t, s: k.distillation.LogitsDistillation(
        temperature=2, loss=k.losses.CategoricalCrossentropy(from_logits=True))
        .compute_loss(k.ops.softmax(t), s), [f32(3, 4), f32(3, 4)], grad=True),
    Case("logits_list_with_none", lambda k, t1, t2, s1, s2: k.distillation.LogitsDistillation(
        temperature=3.0, loss=[k.losses.KLDivergence(), None]).compute_loss([t1, t2], [s1, s2]),
        [f32(2, 3), f32(2, 4), f32(2, 3), f32(2, 4)], grad=True),
    Case("logits_dict_mse", lambda k, t1, t2, s1, s2: k.distillation.LogitsDistillation(
        loss={"a": "mse", "b": "mae"}).compute_loss({"a": t1, "b": t2}, {"a": s1, "b": s2}),
        [f32(2, 3), f32(2, 4), f32(2, 3), f32(2, 4)], grad=True),
    Case("feature_mse", lambda k, t, s: k.distillation.FeatureDistillation()
         .compute_loss(t, s), [f32(2, 3, 4), f32(2, 3, 4)], grad=True),
    Case("feature_cosine", lambda k, t, s: k.distillation.FeatureDistillation(
        loss="cosine_similarity").compute_loss(t, s), [f32(3, 6), f32(3, 6)], grad=True),
    Case("feature_list", lambda k, t1, t2, s1, s2: k.distillation.FeatureDistillation(
        loss=["mae", k.losses.Huber()]).compute_loss([t1, t2], [s1, s2]),
        [f32(3, 2), f32(3, 5), f32(3, 2), f32(3, 5)], grad=True),
    Case("distiller_compute_loss", _distiller_loss,
         [f32(6, 5), ints(6, high=3)] + WEIGHTS),
    Case("distiller_only_distillation",
         lambda k, *a: _distiller_loss(k, *a, student_loss_weight=0.0),
         [f32(6, 5), ints(6, high=3)] + WEIGHTS),
]

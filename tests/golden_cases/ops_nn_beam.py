"""keras.ops.ctc_decode with strategy='beam_search' (its own family: Keras runs it slowly)."""

from golden_cases.case import Case, const, f32

CASES = [
    Case("beam_default",
         lambda k, x, n: k.ops.ctc_decode(x, n, strategy="beam_search"),
         [f32(2, 5, 4, scale=2.0), const([5, 3], "int32")]),
    Case("beam_narrow_top2",
         lambda k, x, n: k.ops.ctc_decode(x, n, strategy="beam_search", beam_width=3,
                                          top_paths=2),
         [f32(3, 6, 5, scale=1.5), const([6, 4, 6], "int32")], rtol=1e-4, atol=1e-4),
    Case("beam_blank_last_top3",
         lambda k, x, n: k.ops.ctc_decode(x, n, strategy="beam_search", beam_width=4,
                                          top_paths=3, mask_index=3),
         [f32(2, 7, 4), const([7, 6], "int32")], rtol=1e-4, atol=1e-4),
    Case("beam_repeats",
         lambda k, x, n: k.ops.ctc_decode(x, n, strategy="beam_search", beam_width=5,
                                          top_paths=2),
         [const([[[0.1, 2.0, 0.3], [0.2, 2.5, 0.1], [1.5, 0.4, 0.3], [0.1, 1.9, 0.2],
                  [0.3, 0.2, 2.2]]], "float32"), const([5], "int32")], rtol=1e-4, atol=1e-4),
]

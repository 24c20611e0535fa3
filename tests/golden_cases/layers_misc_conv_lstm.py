"""keras.layers ConvLSTM1D/2D/3D: built in Keras and in numen, given the same weights with
set_weights, and run over short sequences (values and input gradients)."""

from golden_cases.case import Case, f32


def _run(k, cls, x, kernel, recurrent, bias, *args, **kwargs):
    layer = getattr(k.layers, cls)(*args, **kwargs)
    layer(x)
    layer.set_weights([kernel, recurrent, bias])
    return layer(x)


def _weights(kernel_size, channels, filters):
    return [f32(*kernel_size, channels, 4 * filters, scale=0.4),
            f32(*kernel_size, filters, 4 * filters, scale=0.4), f32(4 * filters, scale=0.3)]


CASES = [
    Case("conv_lstm1d",
         lambda k, x, *w: _run(k, "ConvLSTM1D", x, *w, 3, 2),
         [f32(2, 3, 6, 2), *_weights((2,), 2, 3)], grad=[0], atol=1e-4, rtol=1e-4),
    Case("conv_lstm1d_same_sequences_backwards",
         lambda k, x, *w: _run(k, "ConvLSTM1D", x, *w, 2, 3, padding="same",
                               return_sequences=True, go_backwards=True),
         [f32(2, 3, 5, 2), *_weights((3,), 2, 2)], grad=[0], atol=1e-4, rtol=1e-4),
    Case("conv_lstm2d",
         lambda k, x, *w: _run(k, "ConvLSTM2D", x, *w, 2, 2),
         [f32(2, 3, 4, 5, 2), *_weights((2, 2), 2, 2)], grad=[0], atol=1e-4, rtol=1e-4),
    Case("conv_lstm2d_strides_state",
         lambda k, x, *w: _run(k, "ConvLSTM2D", x, *w, 2, (2, 3), strides=2,
                               return_state=True, activation="relu"),
         [f32(1, 3, 5, 6, 1), *_weights((2, 3), 1, 2)], grad=[0], atol=1e-4, rtol=1e-4),
    Case("conv_lstm2d_channels_first_dilated",
         lambda k, x, *w: _run(k, "ConvLSTM2D", x, *w, 2, 2, dilation_rate=2,
                               data_format="channels_first", return_sequences=True),
         [f32(1, 2, 3, 5, 5), *_weights((2, 2), 3, 2)], grad=[0], atol=1e-4, rtol=1e-4),
    Case("conv_lstm3d",
         lambda k, x, *w: _run(k, "ConvLSTM3D", x, *w, 2, 2, padding="same"),
         [f32(1, 2, 3, 3, 3, 1), *_weights((2, 2, 2), 1, 2)], grad=[0], atol=1e-4,
         rtol=1e-4),
]

"""Fourier transforms, stft/istft and windows: values against NumPy, float64 gradients."""

import numpy as np
import pytest

from numen import keras, ops, testing


def _pair(shape):
    return testing.randn(shape, seed=0), testing.randn(shape, seed=1)


@pytest.mark.parametrize("name,reference", [("fft", np.fft.fft), ("fft2", np.fft.fft2),
                                            ("ifft2", np.fft.ifft2)])
def test_complex_transforms(name, reference):
    re, im = _pair((2, 3, 4))
    fn = getattr(ops, name)
    out_re, out_im = fn((re, im))
    expected = reference(re + 1j * im)
    testing.assert_close(out_re, expected.real)
    testing.assert_close(out_im, expected.imag)
    assert out_re.dtype == "float64"
    for part in (0, 1):
        testing.check_grad(lambda a, b, p=part: fn((a, b))[p], [re, im])


@pytest.mark.parametrize("fft_length", [None, 4, 7, 10])
def test_rfft(fft_length):
    x = testing.randn((2, 6))
    re, im = ops.rfft(x, fft_length)
    expected = np.fft.rfft(x, n=fft_length)
    testing.assert_close(re, expected.real)
    testing.assert_close(im, expected.imag)
    for part in (0, 1):
        testing.check_grad(lambda a, p=part: ops.rfft(a, fft_length)[p], [x])
    assert ops.rfft(np.arange(4))[0].dtype == "float32"


@pytest.mark.parametrize("fft_length", [None, 5, 8, 11])
def test_irfft(fft_length):
    re, im = _pair((2, 5))
    testing.assert_close(ops.irfft((re, im), fft_length), np.fft.irfft(re + 1j * im, fft_length))
    testing.check_grad(lambda a, b: ops.irfft((a, b), fft_length), [re, im])


@pytest.mark.parametrize("window", ["hann", "hamming", None])
@pytest.mark.parametrize("center", [True, False])
def test_stft_istft(window, center):
    x = testing.randn((2, 21))
    re, im = ops.stft(x, 6, 3, 8, window=window, center=center)
    frames = 8 if center else 5
    assert re.shape == im.shape == (2, frames, 5)
    for part in (0, 1):
        testing.check_grad(lambda a, p=part: ops.stft(a, 6, 3, 8, window, center)[p], [x])
    testing.check_grad(lambda a, b: ops.istft((a, b), 6, 3, 8, window=window, center=center),
                       [re.numpy(), im.numpy()])
    if center and window is not None:  # a tapered window with enough overlap inverts exactly
        testing.assert_close(ops.istft((re, im), 6, 3, 8, length=21, window=window), x)


def test_stft_matches_a_direct_computation():
    x = testing.randn(16)
    re, im = ops.stft(x, 4, 2, 6, window="hann", center=False)
    win = np.pad(0.5 - 0.5 * np.cos(2 * np.pi * np.arange(4) / 4), (1, 1))
    expected = np.stack([np.fft.rfft(x[i:i + 6] * win) for i in range(0, 11, 2)])
    testing.assert_close(re, expected.real)
    testing.assert_close(im, expected.imag)


def test_tensor_windows_get_a_gradient():
    x, w = testing.randn(12), testing.randn(4, seed=2)
    testing.check_grad(lambda a, b: ops.stft(a, 4, 2, 4, window=b)[0], [x, w])
    re, im = testing.randn((5, 4)), testing.randn((5, 4), seed=1)
    w = testing.randn(4, seed=2, low=0.5, high=2.0)
    testing.check_grad(lambda a, b, c: ops.istft((a, b), 4, 2, 6, window=c), [re, im, w])


@pytest.mark.parametrize("name", ["hanning", "hamming", "blackman", "bartlett"])
def test_windows(name):
    for n in (0, 1, 6, 7):
        out = getattr(ops, name)(n)
        testing.assert_close(out, getattr(np, name)(n))
        assert out.dtype == "float32"
    assert getattr(keras.ops.numpy, name) is getattr(keras.ops, name)


def test_kaiser():
    testing.assert_close(ops.kaiser(7, 3.5), np.kaiser(7, 3.5), rtol=1e-6)
    assert ops.kaiser(3, 0.0).dtype == "float32"


def test_bad_arguments_name_the_op():
    with pytest.raises(ValueError, match="fft: x must be a \\(real, imag\\) pair"):
        ops.fft(np.ones(4))
    with pytest.raises(ValueError, match="fft2: the real and imaginary parts must have the same"):
        ops.fft2((np.ones((2, 2)), np.ones((2, 3))))
    with pytest.raises(ValueError, match="irfft: the real and imaginary parts must be float"):
        ops.irfft((np.ones(3, "int32"), np.ones(3, "int32")))
    with pytest.raises(ValueError, match="rfft: fft_length must be a positive int"):
        ops.rfft(np.ones(4), fft_length=0)
    with pytest.raises(TypeError, match="stft: x must be float32 or float64"):
        ops.stft(np.ones(16, "int32"), 4, 2, 4)
    with pytest.raises(ValueError, match="stft: fft_length must be >= sequence_length"):
        ops.stft(np.ones(16), 8, 2, 4)
    with pytest.raises(ValueError, match="stft: window must be 'hann', 'hamming'"):
        ops.stft(np.ones(16), 4, 2, 4, window="blackman")
    with pytest.raises(ValueError, match="stft: window must have shape \\(4,\\)"):
        ops.stft(np.ones(16), 4, 2, 4, window=np.ones(3))
    with pytest.raises(ValueError, match="istft: x must have rank >= 2"):
        ops.istft((np.ones(5), np.ones(5)), 8, 4, 8)
    with pytest.raises(TypeError, match="hanning: x must be an integer window length"):
        ops.hanning(2.5)


def test_symbolic_shapes():
    x = keras.Input((32,))
    re, im = keras.ops.stft(x, 8, 4, 8)
    assert re.shape == (None, 9, 5)
    assert keras.ops.istft((re, im), 8, 4, 8).shape == (None, 32)

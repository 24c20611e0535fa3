"""Programs that follow the keras.io developer guides step by step (the Functional API,
subclassing layers and models, customizing fit(), writing callbacks, serialization and saving,
masking and padding, transfer learning and fine-tuning), and some keras.io examples written
with backend-agnostic Keras 3 code (a Transformer text classifier, number addition with a
sequence-to-sequence LSTM, character-level text generation, the simple MNIST convnet, a Siamese
network with a contrastive loss, Transformer timeseries classification, a bidirectional LSTM,
collaborative filtering, a denoising convolutional autoencoder, a Vision Transformer, knowledge
distillation, a character-level LSTM sequence-to-sequence model with its inference models,
timeseries anomaly detection with a convolutional autoencoder, a miniature GPT, MLP-Mixer and
FNet image classifiers, U-Net-like segmentation, PointNet, timeseries classification from
scratch, imbalanced classification, pre-trained word embeddings, a training loop on the
stateless API, a weight-standardized Conv2D via convolution_op, reproducibility, functional
subclassing, the Antirectifier custom layer, few-shot Reptile, a mixture density network,
ESPCN super-resolution with a sub-pixel DepthToSpace layer, next-frame video prediction with
ConvLSTM2D, captcha OCR with a CTC endpoint layer, 3D CT-scan classification with Conv3D,
Involution, Compact Convolutional Transformers, ConvMixer, Swin Transformers, EANet, a
learnable resizer), in our own code, with
`from numen import keras` as the only change a Keras user would make, and synthetic data with
the datasets' shapes in place of downloads. Each
runs to its end; its own asserts check the results along the way.

From the structured-data section and the guides, in the same way: customizing saving (own
variables, assets, build and compile configs), neural decision forests, gated residual and
variable selection networks, memory-efficient embeddings (quotient-remainder and
mixed-dimension), TabTransformer, named entity recognition with a Transformer, multi-label
text classification, scikit-learn metrics in a callback, debugging tips, text classification
with a Switch Transformer, wide, deep and cross networks."""

import pathlib
import runpy

import pytest

GUIDES = sorted((pathlib.Path(__file__).parent / "guides").glob("*.py"))
# Guides that take more than a few seconds (a pretrained-size network, or a few epochs of a
# convnet or an LSTM, trained on a CPU).
SLOW = {"transfer_learning", "addition_rnn", "lstm_text_generation", "mnist_convnet",
        "siamese_contrastive", "timeseries_transformer", "denoising_autoencoder",
        "vision_transformer", "captcha_ocr"}


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=[pytest.mark.slow] if p.stem in SLOW else []) for p in GUIDES],
    ids=lambda p: p.stem)
def test_guide_program_runs(path, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    assert f"{path.stem} OK" in capsys.readouterr().out

"""Layers (the `keras.layers` namespace): one file per family, re-exported here."""

from numen.layers.activation import ELU, LeakyReLU, PReLU, ReLU, Softmax
from numen.layers.attention import AdditiveAttention, Attention, MultiHeadAttention
from numen.layers.augmentation import RandomBrightness, RandomContrast, RandomFlip
from numen.layers.base import InputSpec, Layer
from numen.layers.conv import (
    Conv1D,
    Conv2D,
    Conv3D,
    Convolution1D,
    Convolution2D,
    Convolution3D,
)
from numen.layers.conv_transpose import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    Convolution1DTranspose,
    Convolution2DTranspose,
    Convolution3DTranspose,
)
from numen.layers.core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
    Identity,
    Input,
    InputLayer,
    Lambda,
    Reshape,
)
from numen.layers.depthwise import (
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from numen.layers.embedding import Embedding, Masking
from numen.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from numen.layers.normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    UnitNormalization,
)
from numen.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from numen.layers.preprocessing import CenterCrop, Normalization, Rescaling, Resizing
from numen.layers.recurrent import GRU, LSTM, RNN, SimpleRNN
from numen.layers.regularization import (
    ActivityRegularization,
    AlphaDropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from numen.layers.reshaping import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    Permute,
    RepeatVector,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from numen.layers.rnn_cells import GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from numen.layers.symbolic import KerasTensor
from numen.layers.wrappers import Bidirectional, TimeDistributed

__all__ = [
    "ELU", "Activation", "Dense", "Dropout", "Flatten", "Identity", "Input", "InputLayer",
    "InputSpec", "KerasTensor", "Lambda", "Layer", "LeakyReLU", "PReLU", "ReLU", "Reshape",
    "Softmax",
]
__all__ += [
    "BatchNormalization", "GroupNormalization", "LayerNormalization", "UnitNormalization",
]
__all__ += ["Embedding", "Masking"]
__all__ += [
    "Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D",
    "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Convolution1DTranspose",
    "Convolution2DTranspose", "Convolution3DTranspose", "DepthwiseConv1D", "DepthwiseConv2D",
    "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
    "AvgPool3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D",
    "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "GlobalMaxPooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D",
    "MaxPooling2D", "MaxPooling3D",
]
__all__ += [
    "Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract", "add",
    "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
]
__all__ += [
    "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
    "StackedRNNCells", "Bidirectional", "TimeDistributed",
]
__all__ += [
    "Cropping1D", "Cropping2D", "Cropping3D", "Permute", "RepeatVector", "UpSampling1D",
    "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
]
__all__ += [
    "ActivityRegularization", "AlphaDropout", "GaussianDropout", "GaussianNoise",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
]
__all__ += ["AdditiveAttention", "Attention", "MultiHeadAttention"]
__all__ += [
    "CenterCrop", "Normalization", "RandomBrightness", "RandomContrast", "RandomFlip",
    "Rescaling", "Resizing",
]

# Layers added per family below: each block imports its classes (noqa: E402) and extends
# __all__, under its own marker, so the families merge without touching each other.
# [textpre]
from numen.layers.categorical import CategoryEncoding, Discretization  # noqa: E402
from numen.layers.hashing import HashedCrossing, Hashing  # noqa: E402
from numen.layers.lookup import IntegerLookup, StringLookup  # noqa: E402
from numen.layers.pipeline import Pipeline  # noqa: E402
from numen.layers.text_vectorization import TextVectorization  # noqa: E402

__all__ += [
    "CategoryEncoding", "Discretization", "HashedCrossing", "Hashing", "IntegerLookup",
    "Pipeline", "StringLookup", "TextVectorization",
]

# [misclayers]
from numen.layers.adaptive_pooling import (  # noqa: E402
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)
from numen.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D  # noqa: E402
from numen.layers.einsum_dense import EinsumDense  # noqa: E402
from numen.layers.gqa import GroupQueryAttention  # noqa: E402
from numen.layers.reversible_embedding import ReversibleEmbedding  # noqa: E402
from numen.layers.rms_normalization import RMSNormalization  # noqa: E402
from numen.layers.serialization import deserialize, serialize  # noqa: E402
from numen.layers.spectrogram import MelSpectrogram, STFTSpectrogram  # noqa: E402
from numen.layers.wrappers import Wrapper  # noqa: E402
from numen.layers.wrappers_more import SpectralNormalization, TFSMLayer  # noqa: E402

__all__ += [
    "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "ConvLSTM1D",
    "ConvLSTM2D", "ConvLSTM3D", "EinsumDense", "GroupQueryAttention", "MelSpectrogram",
    "RMSNormalization", "ReversibleEmbedding", "STFTSpectrogram", "SpectralNormalization",
    "TFSMLayer", "Wrapper", "deserialize", "serialize",
]

# [augment]
from numen.layers.augment_affine import (  # noqa: E402
    RandomRotation,
    RandomShear,
    RandomTranslation,
    RandomZoom,
)
from numen.layers.augment_color import (  # noqa: E402
    RandomColorDegeneration,
    RandomColorJitter,
    RandomGrayscale,
    RandomHue,
    RandomInvert,
    RandomPosterization,
    RandomSaturation,
    RandomSharpness,
    Solarization,
)
from numen.layers.augment_histogram import (  # noqa: E402
    AutoContrast,
    ContrastLimitedAdaptiveHistogramEqualization,
    Equalization,
)
from numen.layers.augment_mix import (  # noqa: E402
    CutMix,
    MaxNumBoundingBoxes,
    MixUp,
    RandomErasing,
    RandomGaussianBlur,
)
from numen.layers.augment_policy import AugMix, RandAugment  # noqa: E402
from numen.layers.augment_warp import (  # noqa: E402
    RandomCrop,
    RandomElasticTransform,
    RandomPerspective,
)

__all__ += ["RandomRotation", "RandomShear", "RandomTranslation", "RandomZoom"]
__all__ += ["RandomCrop", "RandomElasticTransform", "RandomPerspective"]
__all__ += [
    "RandomColorDegeneration", "RandomColorJitter", "RandomGrayscale", "RandomHue",
    "RandomInvert", "RandomPosterization", "RandomSaturation", "RandomSharpness", "Solarization",
]
__all__ += ["AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "Equalization"]
__all__ += ["AugMix", "RandAugment"]
__all__ += ["CutMix", "MaxNumBoundingBoxes", "MixUp", "RandomErasing", "RandomGaussianBlur"]

# [end of layer families]

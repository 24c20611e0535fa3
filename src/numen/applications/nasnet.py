"""`keras.applications.nasnet`: NASNet-A (Zoph et al., 2018, "Learning Transferable
Architectures for Scalable Image Recognition"): two cells found by architecture search, a
normal cell that keeps the feature map's size and a reduction cell that halves it, stacked in
three stages after a small convolutional stem.

Every cell takes two inputs, the previous cell's output and the one before it; the older one
is first brought to the newer one's size and width (the "adjust" path). The layers are built in
the name scopes Keras uses, so the weights carry Keras's paths ("normal_A_block_0/...").
"""

from __future__ import annotations

from numen import backend, layers
from numen.applications import _common, imagenet_utils
from numen.applications.mobilenet_v2 import correct_pad
from numen.autodiff.scopes import name_scope
from numen.models import Model

BASE_WEIGHTS_URL = "https://storage.googleapis.com/tensorflow/keras-applications/nasnet/"
WEIGHT_HASHES = {
    "NASNet-mobile.h5": "020fb642bf7360b370c678b08e0adf61",
    "NASNet-mobile-no-top.h5": "1ed92395b5b598bdda52abe5c0dbfd63",
    "NASNet-large.h5": "11577c9a518f0070763c2b964a382f17",
    "NASNet-large-no-top.h5": "d81d89dc07e6e56530c4e77faddd61b5",
}
# default input size -> the stem of its weight files' names
_WEIGHT_FILES = {224: "NASNet-mobile", 331: "NASNet-large"}
# the names Keras caches the files under (~/.keras/models), shared with a Keras install
_CACHED_NAMES = {"NASNet-mobile": "nasnet_mobile", "NASNet-large": "nasnet_large"}

__all__ = ["NASNetLarge", "NASNetMobile", "decode_predictions", "preprocess_input"]


def _bn(x, name):
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)(x)


def _conv(x, filters, name):
    """A 1x1 convolution, no bias."""
    return layers.Conv2D(filters, (1, 1), strides=(1, 1), padding="same", use_bias=False,
                         name=name, kernel_initializer="he_normal")(x)


def _separable_block(x, filters, kernel_size=(3, 3), strides=(1, 1), block_id=None):
    """Twice ReLU, separable convolution, batch normalization; the first convolution may be
    strided, over an input padded as 'same' would pad it."""
    with name_scope(f"separable_conv_block_{block_id}"):
        x = layers.Activation("relu")(x)
        padding = "same"
        if strides == (2, 2):
            x = layers.ZeroPadding2D(padding=correct_pad(x, kernel_size),
                                     name=f"separable_conv_1_pad_{block_id}")(x)
            padding = "valid"
        x = layers.SeparableConv2D(filters, kernel_size, strides=strides, padding=padding,
                                   use_bias=False, name=f"separable_conv_1_{block_id}")(x)
        x = _bn(x, f"separable_conv_1_bn_{block_id}")
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(filters, kernel_size, padding="same", use_bias=False,
                                   name=f"separable_conv_2_{block_id}")(x)
        return _bn(x, f"separable_conv_2_bn_{block_id}")


def _adjust(p, ip, filters, block_id):
    """The older input `p` made to match `ip`: halved in size by two 1x1 convolutions over
    the two phases of a stride-2 grid (when the widths differ), or projected to `filters`
    channels (when only the channels differ). Sizes are compared as the symbolic shapes
    give them, so two unknown sizes count as equal, as in Keras."""
    with name_scope("adjust_block"):
        if p is None:
            return ip
        if p.shape[-2] != ip.shape[-2]:
            with name_scope(f"adjust_reduction_block_{block_id}"):
                p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
                p1 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                             name=f"adjust_avg_pool_1_{block_id}")(p)
                p1 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False,
                                   name=f"adjust_conv_1_{block_id}",
                                   kernel_initializer="he_normal")(p1)
                # shifted by one row and column: the other phase of the stride-2 grid
                p2 = layers.ZeroPadding2D(padding=((0, 1), (0, 1)))(p)
                p2 = layers.Cropping2D(cropping=((1, 0), (1, 0)))(p2)
                p2 = layers.AveragePooling2D((1, 1), strides=(2, 2), padding="valid",
                                             name=f"adjust_avg_pool_2_{block_id}")(p2)
                p2 = layers.Conv2D(filters // 2, (1, 1), padding="same", use_bias=False,
                                   name=f"adjust_conv_2_{block_id}",
                                   kernel_initializer="he_normal")(p2)
                p = layers.concatenate([p1, p2], axis=-1)
                return _bn(p, f"adjust_bn_{block_id}")
        if p.shape[-1] != filters:
            with name_scope(f"adjust_projection_block_{block_id}"):
                p = layers.Activation("relu")(p)
                p = _conv(p, filters, f"adjust_conv_projection_{block_id}")
                return _bn(p, f"adjust_bn_{block_id}")
        return p


def _normal_cell(ip, p, filters, block_id):
    """NASNet-A's normal cell: five pairs of operations on the two inputs, added, and
    concatenated with the adjusted older input. Returns (output, `ip`)."""
    with name_scope(f"normal_A_block_{block_id}"):
        p = _adjust(p, ip, filters, block_id)
        h = layers.Activation("relu")(ip)
        h = _bn(_conv(h, filters, f"normal_conv_1_{block_id}"), f"normal_bn_1_{block_id}")

        def avg_pool(x, name):
            return layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same",
                                           name=f"{name}_{block_id}")(x)

        with name_scope("block_1"):
            x1 = layers.add([
                _separable_block(h, filters, (5, 5), block_id=f"normal_left1_{block_id}"),
                _separable_block(p, filters, block_id=f"normal_right1_{block_id}")],
                name=f"normal_add_1_{block_id}")
        with name_scope("block_2"):
            x2 = layers.add([
                _separable_block(p, filters, (5, 5), block_id=f"normal_left2_{block_id}"),
                _separable_block(p, filters, (3, 3), block_id=f"normal_right2_{block_id}")],
                name=f"normal_add_2_{block_id}")
        with name_scope("block_3"):
            x3 = layers.add([avg_pool(h, "normal_left3"), p], name=f"normal_add_3_{block_id}")
        with name_scope("block_4"):
            x4 = layers.add([avg_pool(p, "normal_left4"), avg_pool(p, "normal_right4")],
                            name=f"normal_add_4_{block_id}")
        with name_scope("block_5"):
            x5 = _separable_block(h, filters, block_id=f"normal_left5_{block_id}")
            x5 = layers.add([x5, h], name=f"normal_add_5_{block_id}")
        x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1,
                               name=f"normal_concat_{block_id}")
    return x, ip


def _reduction_cell(ip, p, filters, block_id):
    """NASNet-A's reduction cell: like the normal cell, with strided operations, so the
    output is half the size. Returns (output, `ip`)."""
    with name_scope(f"reduction_A_block_{block_id}"):
        p = _adjust(p, ip, filters, block_id)
        h = layers.Activation("relu")(ip)
        h = _bn(_conv(h, filters, f"reduction_conv_1_{block_id}"),
                f"reduction_bn_1_{block_id}")
        h3 = layers.ZeroPadding2D(padding=correct_pad(h, 3),
                                  name=f"reduction_pad_1_{block_id}")(h)

        def pool(kind, x, name):
            return kind((3, 3), strides=(2, 2), padding="valid", name=f"{name}_{block_id}")(x)

        def sep(x, kernel_size, branch, strides=(2, 2)):
            return _separable_block(x, filters, kernel_size, strides=strides,
                                    block_id=f"reduction_{branch}_{block_id}")

        with name_scope("block_1"):
            x1 = layers.add([sep(h, (5, 5), "left1"), sep(p, (7, 7), "right1")],
                            name=f"reduction_add_1_{block_id}")
        with name_scope("block_2"):
            x2 = layers.add([pool(layers.MaxPooling2D, h3, "reduction_left2"),
                             sep(p, (7, 7), "right2")], name=f"reduction_add_2_{block_id}")
        with name_scope("block_3"):
            x3 = layers.add([pool(layers.AveragePooling2D, h3, "reduction_left3"),
                             sep(p, (5, 5), "right3")], name=f"reduction_add3_{block_id}")
        with name_scope("block_4"):
            x4 = layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same",
                                         name=f"reduction_left4_{block_id}")(x1)
            x4 = layers.add([x2, x4])
        with name_scope("block_5"):
            x5 = layers.add([sep(x1, (3, 3), "left4", strides=(1, 1)),
                             pool(layers.MaxPooling2D, h3, "reduction_right5")],
                            name=f"reduction_add4_{block_id}")
        x = layers.concatenate([x2, x3, x4, x5], axis=-1, name=f"reduction_concat_{block_id}")
    return x, ip


def _nasnet(input_shape, *, penultimate_filters, num_blocks, stem_block_filters,
            skip_reduction, filter_multiplier, include_top, weights, input_tensor, pooling,
            classes, default_size, classifier_activation, name):
    """NASNet-A (N @ P): `num_blocks` normal cells per stage, P = `penultimate_filters`
    channels in the last stage's cells."""
    if backend.image_data_format() == "channels_first":
        raise ValueError(f"{name}: NASNet is built for the 'channels_last' image data format "
                         "only; received image_data_format() == 'channels_first'")
    _common.check_arguments(name, weights=weights, include_top=include_top, classes=classes,
                            pooling=pooling, classifier_activation=classifier_activation)
    if weights == "imagenet" and isinstance(input_shape, tuple) and None in input_shape:
        raise ValueError(f"{name}: with weights='imagenet' the `input_shape` must be fully "
                         f"known (no None); received input_shape={input_shape}")
    shape = _common.input_shape_for(name, input_shape, default_size=default_size, min_size=32,
                                    include_top=include_top, weights=weights,
                                    require_flatten=include_top)
    image, inputs = _common.image_input(input_tensor, shape)
    filters = penultimate_filters // 24

    x = layers.Conv2D(stem_block_filters, (3, 3), strides=(2, 2), padding="valid",
                      use_bias=False, name="stem_conv1", kernel_initializer="he_normal")(image)
    x = _bn(x, "stem_bn1")
    x, p = _reduction_cell(x, None, filters // filter_multiplier**2, "stem_1")
    x, p = _reduction_cell(x, p, filters // filter_multiplier, "stem_2")
    # Keras's cell numbers: normal cells 0..N-1, N+1..2N and 2N+1..3N; the reduction cells
    # between the stages are "reduce_N" and "reduce_2N".
    for stage in range(3):
        width = filters * filter_multiplier**stage
        if stage:
            x, p0 = _reduction_cell(x, p, width, f"reduce_{stage * num_blocks}")
            p = p if skip_reduction else p0
        for i in range(num_blocks):
            x, p = _normal_cell(x, p, width, f"{stage * num_blocks + i + min(stage, 1)}")
    x = layers.Activation("relu")(x)
    x = _common.classifier_top(x, include_top=include_top, pooling=pooling, classes=classes,
                               classifier_activation=classifier_activation, gap_name=None)
    model = Model(inputs, x, name=name)
    stem = _WEIGHT_FILES[default_size]
    top, notop = f"{stem}.h5", f"{stem}-no-top.h5"
    cached = _CACHED_NAMES[stem]
    _common.load_weights(model, weights, include_top=include_top,
                         top=(BASE_WEIGHTS_URL + top, WEIGHT_HASHES[top], f"{cached}.h5"),
                         notop=(BASE_WEIGHTS_URL + notop, WEIGHT_HASHES[notop],
                                f"{cached}_no_top.h5"))
    return model


def NASNetMobile(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                 pooling=None, classes=1000, classifier_activation="softmax",
                 name="nasnet_mobile"):
    if not include_top and input_shape is None:
        input_shape = (224, 224, 3)  # Keras's rule: the mobile model has a fixed default
    return _nasnet(input_shape, penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
                   skip_reduction=False, filter_multiplier=2, include_top=include_top,
                   weights=weights, input_tensor=input_tensor, pooling=pooling,
                   classes=classes, default_size=224,
                   classifier_activation=classifier_activation, name=name)


def NASNetLarge(input_shape=None, include_top=True, weights="imagenet", input_tensor=None,
                pooling=None, classes=1000, classifier_activation="softmax",
                name="nasnet_large"):
    return _nasnet(input_shape, penultimate_filters=4032, num_blocks=6, stem_block_filters=96,
                   skip_reduction=True, filter_multiplier=2, include_top=include_top,
                   weights=weights, input_tensor=input_tensor, pooling=pooling,
                   classes=classes, default_size=331,
                   classifier_activation=classifier_activation, name=name)


NASNetMobile.__doc__ = _common.builder_doc(
    "NASNet-A Mobile (4 @ 1056): 12 normal and 4 reduction cells; 'channels_last' only.",
    top="global average pooling, then a Dense softmax", min_size=32,
    example="NASNetMobile(weights=None, include_top=False, input_shape=(64, 64, 3))",
    extra=" Without the top and with no `input_shape`, the input is still 224x224.")
NASNetLarge.__doc__ = _common.builder_doc(
    "NASNet-A Large (6 @ 4032): 18 normal and 4 reduction cells; 'channels_last' only.",
    top="global average pooling, then a Dense softmax", min_size=32,
    example="NASNetLarge(weights=None, include_top=False, input_shape=(96, 96, 3))",
    extra=" The default (with the top) is 331x331.")


preprocess_input, decode_predictions = imagenet_utils.family_functions(
    __name__, "NASNet", "tf")

"""`keras.applications.resnet50`: the module Keras keeps for ResNet50 alone."""

from numen.applications.resnet import ResNet50, decode_predictions, preprocess_input

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]

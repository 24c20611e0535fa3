"""Augmentation policies built from the other augmentation layers: RandAugment and AugMix.

Each holds its operations as sub-layers configured as Keras 3 configures them. Their
transformation is the policy's choices plus one seed from which every operation draws, so
`transform_images` with a given transformation is repeatable.
"""

from __future__ import annotations

import numpy as np

from numen import ops
from numen.layers.augment_affine import RandomRotation, RandomShear, RandomTranslation
from numen.layers.augment_base import (
    ImageAugmentation,
    choose,
    factor_range,
    host,
    is_number,
    value_range_of,
)
from numen.layers.augment_color import (
    RandomColorDegeneration,
    RandomPosterization,
    RandomSharpness,
    Solarization,
)
from numen.layers.augment_histogram import AutoContrast, Equalization
from numen.layers.augmentation import RandomBrightness, RandomContrast
from numen.layers.validate import positive_int

_GEOMETRIC = ("random_shear", "random_translation", "random_rotation")
_INTENSITY = ("random_posterization", "solarization", "auto_contrast", "equalization")
_COLOR = ("random_brightness", "random_color_degeneration", "random_contrast",
          "random_sharpness")


class _Policy(ImageAugmentation):
    """Builds the operation sub-layers and runs one with a given generator."""

    _BOXES_STAY = False

    def _make_operations(self, names, factor, value_range, interpolation):
        fmt = {"data_format": self.data_format}
        colour = {"value_range": value_range, **fmt}
        makers = {
            "random_shear": lambda: RandomShear(factor, factor, interpolation=interpolation,
                                                **fmt),
            "random_translation": lambda: RandomTranslation(factor, factor,
                                                            interpolation=interpolation, **fmt),
            "random_rotation": lambda: RandomRotation(factor, interpolation=interpolation,
                                                      **fmt),
            "random_posterization": lambda: RandomPosterization(
                max(1, int(8 * factor[1])), **colour),
            "solarization": lambda: Solarization(factor, factor, **colour),
            "auto_contrast": lambda: AutoContrast(**colour),
            "equalization": lambda: Equalization(**colour),
            "random_brightness": lambda: RandomBrightness(factor, **colour),
            "random_color_degeneration": lambda: RandomColorDegeneration(factor, **colour),
            "random_contrast": lambda: RandomContrast(factor, **colour),
            "random_sharpness": lambda: RandomSharpness(factor, **colour),
        }
        self._operation_names = list(names)
        for name in names:
            setattr(self, name, makers[name]())

    def _apply(self, name, images, generator):
        step = getattr(self, name)
        saved, step._generator = step._generator, generator
        try:
            return step(images, training=True)
        finally:
            step._generator = saved


class RandAugment(_Policy):
    """Applies `num_ops` operations, each chosen at random (with repetition) from shear,
    translation, rotation, brightness, colour degeneration, contrast, sharpness,
    posterization, solarization, auto-contrast and equalization, during training.

    Args:
        value_range: [low, high] of the pixels (default (0, 255)).
        num_ops: how many operations per call (default 2).
        factor: the strength of every operation: a number in [0, 1] (range [0, factor]) or
            a pair (default 0.5).
        interpolation: for the geometric operations, 'bilinear' (default) or 'nearest'.
        seed, data_format: as the other augmentation layers.

    >>> RandAugment(seed=0)(np.random.rand(2, 8, 8, 3) * 255).shape
    (2, 8, 8, 3)
    """

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range_of(value_range, "RandAugment", sort=False)
        self.num_ops = positive_int(num_ops, "num_ops")
        self.factor = factor_range(factor, (0, 1), "RandAugment")
        self.interpolation = choose(interpolation, ("nearest", "bilinear"), "interpolation",
                                    "RandAugment")
        self._make_operations(_GEOMETRIC[:] + ("random_brightness", "random_color_degeneration",
                                               "random_contrast", "random_sharpness")
                              + _INTENSITY, self.factor, self.value_range, interpolation)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        generator = self._generator_for(seed)
        chosen = generator.integers(0, len(self._operation_names), self.num_ops)
        return {"layer_idxes": chosen.astype(np.int32),
                "seed": int(generator.integers(0, 2**31 - 1))}

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        generator = np.random.default_rng(int(transformation["seed"]))
        for index in host(transformation["layer_idxes"]).reshape(-1):
            images = self._apply(self._operation_names[int(index)], images, generator)
        return images

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": self.factor,
                "interpolation": self.interpolation}


class AugMix(_Policy):
    """AugMix: `num_chains` chains of up to `chain_depth` random operations each, mixed with
    Dirichlet(alpha) weights, then blended with the original by a Beta(alpha, alpha) weight
    and clipped to `value_range`, during training.

    Args:
        value_range: [low, high] of the pixels (default (0, 255)).
        num_chains: the number of augmentation chains (default 3).
        chain_depth: the most operations per chain (each step may skip; default 3).
        factor: the strength of the operations, a number in [0, 1] or a pair (default 0.3).
        alpha: the Dirichlet and Beta parameter (default 1.0).
        all_ops: also use brightness, colour degeneration, contrast and sharpness (default
            True; the original AugMix leaves them out).
        interpolation: for the geometric operations, 'bilinear' (default) or 'nearest'.
        seed, data_format: as the other augmentation layers.

    >>> AugMix(seed=0)(np.random.rand(2, 8, 8, 3) * 255).shape
    (2, 8, 8, 3)
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = value_range_of(value_range, "AugMix", sort=False)
        self.num_chains = positive_int(num_chains, "num_chains")
        self.chain_depth = positive_int(chain_depth, "chain_depth")
        self.factor = factor_range(factor, (0, 1), "AugMix")
        if not is_number(alpha) or alpha <= 0:
            raise ValueError(f"AugMix: `alpha` must be a positive number, received {alpha!r}")
        self.alpha = alpha
        self.all_ops = bool(all_ops)
        self.interpolation = choose(interpolation, ("nearest", "bilinear"), "interpolation",
                                    "AugMix")
        names = _GEOMETRIC + _INTENSITY + (_COLOR if self.all_ops else ())
        self._make_operations(names, self.factor, self.value_range, interpolation)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        generator = self._generator_for(seed)
        gamma = generator.gamma(self.alpha, size=self.num_chains)
        choices = list(self._operation_names) + [None]
        chains = [[name for name in (choices[i] for i in generator.integers(
            0, len(choices), self.chain_depth)) if name is not None]
            for _ in range(self.num_chains)]
        return {"chain_mixing_weights": (gamma / gamma.sum()).astype(np.float32),
                "weight_sample": np.float32(generator.beta(self.alpha, self.alpha)),
                "chain_transforms": chains, "seed": int(generator.integers(0, 2**31 - 1))}

    def transform_images(self, images, transformation, training=True):
        images = self._float(images)
        if not training or transformation is None:
            return images
        generator = np.random.default_rng(int(transformation["seed"]))
        weights = host(transformation["chain_mixing_weights"]).reshape(-1)
        mixed = None
        for weight, chain in zip(weights, transformation["chain_transforms"]):
            chained = images
            for name in chain:
                chained = self._apply(name, chained, generator)
            part = ops.multiply(chained, float(weight))
            mixed = part if mixed is None else ops.add(mixed, part)
        keep = float(host(transformation["weight_sample"]))
        y = ops.add(ops.multiply(images, keep), ops.multiply(mixed, 1.0 - keep))
        return ops.clip(y, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation}

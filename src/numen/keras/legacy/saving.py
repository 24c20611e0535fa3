"""`keras.legacy.saving` (also `keras.utils.legacy`): tf.keras 2's `{class_name, config}`
object format."""

from numen.saving.objects import legacy_deserialize_keras_object as deserialize_keras_object
from numen.saving.objects import legacy_serialize_keras_object as serialize_keras_object

__all__ = ["deserialize_keras_object", "serialize_keras_object"]

"""NASNet's own rules, beyond what test_applications.py replays from Keras's fixture: the
'channels_last'-only format, fully known shapes with ImageNet weights, the mobile model's
fixed default size without its top, and which published file each model asks for."""

import pytest

from numen import backend
from numen.applications import nasnet


def test_channels_first_is_refused():
    backend.set_image_data_format("channels_first")  # conftest restores channels_last
    with pytest.raises(ValueError, match="channels_last"):
        nasnet.NASNetMobile(weights=None)


def test_imagenet_weights_need_a_known_input_size():
    with pytest.raises(ValueError, match=r"input_shape=\(None, None, 3\)"):
        nasnet.NASNetLarge(weights="imagenet", include_top=False, input_shape=(None, None, 3))


@pytest.mark.slow
def test_mobile_without_top_keeps_224():
    model = nasnet.NASNetMobile(weights=None, include_top=False)
    assert model.input_shape == (None, 224, 224, 3)
    assert model.output_shape == (None, 7, 7, 1056)


@pytest.mark.parametrize("builder,include_top,file", [
    ("NASNetMobile", False, "NASNet-mobile-no-top.h5"),
    pytest.param("NASNetLarge", False, "NASNet-large-no-top.h5", marks=pytest.mark.slow),
])
def test_each_model_asks_for_its_own_file(builder, include_top, file, monkeypatch):
    asked = {}

    def fake_load(model, weights, *, include_top, top, notop, **kwargs):
        asked.update(top=top, notop=notop, include_top=include_top)

    monkeypatch.setattr(nasnet._common, "load_weights", fake_load)
    getattr(nasnet, builder)(weights="imagenet", include_top=include_top,
                             input_shape=(32, 32, 3))
    url, file_hash, cached_name = asked["notop"]
    assert url == nasnet.BASE_WEIGHTS_URL + file
    # cached under Keras's name, so a file Keras fetched is found
    assert cached_name == ("nasnet_mobile_no_top.h5" if builder == "NASNetMobile"
                           else "nasnet_large_no_top.h5")
    assert file_hash == nasnet.WEIGHT_HASHES[file]
    assert asked["top"][0].endswith(file.replace("-no-top", ""))

"""The playground server through Starlette's test client: the page, the guards, the commands,
the event stream, the script and the model download, and bad uploads."""

import json
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

with warnings.catch_warnings():  # Starlette 1.x prefers httpx2 but still works with httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

from numen import keras  # noqa: E402
from numen.playground.server import create_app  # noqa: E402

TOKEN = "secret-token"
H = {"X-Token": TOKEN}


@pytest.fixture
def client(tmp_path):
    app = create_app(token=TOKEN, allowed_hosts=("testserver",), workdir=str(tmp_path))
    with TestClient(app) as c:
        c.session = app.state.session
        yield c


def events(client) -> list[tuple[str, dict]]:
    """Every event of the stream until training is idle."""
    response = client.get(f"/api/events?token={TOKEN}&until_idle=1")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    out = []
    for block in response.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def setup(client, **setup):
    response = client.post("/api/setup", json={"setup": setup}, headers=H)
    assert response.status_code == 200, response.text
    return response.json()


def test_page_and_assets_are_served_with_a_csp(client):
    page = client.get("/")
    assert page.status_code == 200 and "numen playground" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.replace("http-equiv", "")  # nothing from outside
    for name in ("app.js", "style.css"):
        assert client.get(f"/static/{name}").status_code == 200
    assert client.get("/static/..%2Fserver.py").status_code == 404
    assert client.get("/static/server.py").status_code == 404


def test_guards(client):
    assert client.get("/api/state").status_code == 403
    assert client.get("/api/state", headers={"X-Token": "wrong"}).status_code == 403
    assert client.get("/api/state", headers={**H, "Host": "evil.example"}).status_code == 403
    r = client.post("/api/start", json={}, headers={**H, "Origin": "http://evil.example"})
    assert r.status_code == 403 and "cross-origin" in r.json()["error"]
    r = client.post("/api/setup", content=b"data", headers={**H, "Content-Type": "text/plain"})
    assert r.status_code == 400 and "JSON" in r.json()["error"]
    assert client.post("/api/fly", json={}, headers=H).status_code == 404
    assert client.get("/api/state", headers=H).status_code == 200


def test_bad_setup_is_a_400_and_the_server_keeps_working(client):
    r = client.post("/api/setup", json={"setup": {"data": {"name": "mnist"}}}, headers=H)
    assert r.status_code == 400 and "data.name" in r.json()["error"]
    assert setup(client, data={"name": "xor"})["setup"]["data"]["name"] == "xor"


def test_train_streams_epochs_surface_layers_and_notes(client):
    desc = setup(client, data={"name": "spiral", "n": 100}, fit={"epochs": 4, "batch_size": 16})
    assert desc["task"] == "binary" and desc["fragment"].startswith("s=")
    assert len(desc["points"]["train"]) + len(desc["points"]["test"]) == 100
    assert client.post("/api/start", json={}, headers=H).json()["started"]
    got = events(client)
    assert got[0][0] == "setup" and got[0][1]["setup"]["data"]["name"] == "spiral"
    states = [data for kind, data in got if kind == "state"]
    last = states[-1]
    assert last["status"] == "done" and last["epoch"] == 4
    history = [h for s in states for h in s["history"]]
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert {"loss", "val_loss", "accuracy", "val_accuracy"} <= set(history[-1])
    assert last["surface"]["size"] == 40 and len(last["surface"]["values"]) == 1600
    assert {"name", "weight", "grad", "dead", "saturated"} <= set(last["layers"][0])
    assert isinstance(last["notes"], list)
    assert np.sum(last["confusion"]) == len(desc["points"]["test"])


def test_pause_step_and_reset(client):
    setup(client, data={"name": "circle", "n": 100}, fit={"epochs": 10000, "batch_size": 50})
    start_weights = client.session.model.get_weights()
    client.post("/api/start", json={}, headers=H)
    client.post("/api/pause", json={}, headers=H)
    client.session.wait(60)
    state = client.get("/api/state", headers=H).json()
    assert state["status"] == "paused" and 0 < state["epoch"] < 10000
    epoch = state["epoch"]
    assert client.post("/api/step", json={}, headers=H).json()["started"]
    client.session.wait(60)
    assert client.get("/api/state", headers=H).json()["epoch"] == epoch + 1
    client.post("/api/reset", json={}, headers=H)
    state = client.get("/api/state", headers=H).json()
    assert state["epoch"] == 0 and state["history"] == []
    for a, b in zip(start_weights, client.session.model.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same initialization after a reset


def test_code_and_model_download(client, tmp_path):
    setup(client, data={"name": "digits"}, fit={"epochs": 1, "batch_size": 64})
    client.post("/api/start", json={}, headers=H)
    client.session.wait(120)
    code = client.get(f"/api/code?token={TOKEN}")
    assert code.status_code == 200 and "from numen import keras" in code.text
    assert "load_digits" in code.text
    r = client.get(f"/api/model?token={TOKEN}")
    assert r.status_code == 200 and "model.keras" in r.headers["content-disposition"]
    path = tmp_path / "downloaded.keras"
    path.write_bytes(r.content)
    loaded = keras.saving.load_model(str(path))
    x = client.session.data["x_test"][:5]
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               client.session.model.predict(x, verbose=0), rtol=1e-5)


def test_csv_upload_and_training(client):
    rows = ["a,b,kind"] + [f"{i},{(i * 7) % 5},{'yes' if i % 2 else 'no'}" for i in range(50)]
    r = client.post("/api/upload?name=mine.csv", content="\n".join(rows).encode(), headers=H)
    assert r.status_code == 200 and r.json()["columns"] == ["a", "b", "kind"]
    desc = setup(client, data={"name": "csv", "target": "kind"}, fit={"epochs": 2})
    assert desc["task"] == "binary" and desc["points"] is None and desc["n_inputs"] == 2
    client.post("/api/start", json={}, headers=H)
    assert [d for k, d in events(client) if k == "state"][-1]["epoch"] == 2
    code = client.get(f"/api/code?token={TOKEN}").text
    assert "mine.csv" in code and "ENCODING" in code


@pytest.mark.parametrize("body, message", [
    (b"", "empty"),
    (b"a,b\n1,2\n3\n", "line 3"),
    (b"a,b\n", "no data rows"),
])
def test_bad_uploads_are_400s(client, body, message):
    r = client.post("/api/upload?name=bad.csv", content=body, headers=H)
    assert r.status_code == 400 and message in r.json()["error"]


def test_missing_target_and_oversized_upload(client):
    client.post("/api/upload", content=b"a,b\n1,2\n3,4\n", headers=H)
    r = client.post("/api/setup", json={"setup": {"data": {"name": "csv", "target": "zz"}}},
                    headers=H)
    assert r.status_code == 400 and "'zz'" in r.json()["error"]
    r = client.post("/api/upload", content=b"x" * 5_000_001, headers=H)
    assert r.status_code == 413

    def chunks():  # no Content-Length: the server counts the bytes as they come
        for _ in range(6):
            yield b"y" * 1_000_000

    r = client.post("/api/upload", content=chunks(), headers=H)
    assert r.status_code == 413 and "limit" in r.json()["error"]
    assert client.get("/api/state", headers=H).status_code == 200


def test_the_playground_command(monkeypatch):
    from numen import cli
    from numen.playground import server

    args = cli.build_parser().parse_args(["playground", "--no-browser", "--port", "9001"])
    assert (args.host, args.port, args.no_browser) == ("127.0.0.1", 9001, True)
    seen = {}
    monkeypatch.setattr(server, "serve", lambda **kw: seen.update(kw))
    assert cli.main(["playground", "--no-browser"]) == 0
    assert seen == {"host": "127.0.0.1", "port": 8765, "open_browser": False}


def test_a_diverging_run_is_reported_not_a_crash(client):
    setup(client, data={"name": "bumps", "n": 100},
          layers=[{"type": "Dense", "units": 16, "activation": "relu"}] * 3,
          compile={"optimizer": "sgd", "learning_rate": 3}, fit={"epochs": 20})
    client.post("/api/start", json={}, headers=H)
    states = [d for k, d in events(client) if k == "state"]
    last = states[-1]
    assert last["status"] == "diverged" and last["epoch"] < 20
    history = [h for s in states for h in s["history"]]
    assert history[-1]["loss"] is None  # nan is sent as null
    assert "nan_loss" in {n["kind"] for n in last["notes"]}
    assert client.get("/api/state", headers=H).status_code == 200


def predict(client, **body):
    return client.post("/api/predict", json=body, headers=H)


def test_predict_a_point_and_see_each_hidden_unit(client):
    setup(client, data={"name": "xor", "n": 60},
          layers=[{"type": "Dense", "units": 3, "activation": "tanh"},
                  {"type": "Dense", "units": 2, "activation": "relu"}])
    r = predict(client, point=[2.0, -1.5])
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["task"] == "binary" and answer["label"] in ("0", "1")
    assert abs(sum(answer["probabilities"]) - 1) < 1e-6
    units = client.get("/api/state", headers=H).json()["surface"]["units"]
    names = [layer.name for layer in client.session.model.layers]
    assert [(u["layer"], u["unit"]) for u in units] == [(names[0], 0), (names[0], 1),
                                                         (names[0], 2), (names[1], 0),
                                                         (names[1], 1)]
    assert len(units[0]["values"]) == units[0]["size"] ** 2
    for bad in ({"point": [1.0]}, {"point": "here"}, {"image": [0] * 64}):
        r = predict(client, **bad)
        assert r.status_code == 400 and "'point'" in r.json()["error"]


def test_predict_a_drawn_digit_with_a_conv_model(client):
    desc = setup(client, data={"name": "digits"},
                 layers=[{"type": "Conv2D", "filters": 4}, {"type": "MaxPooling2D"}],
                 fit={"epochs": 1, "batch_size": 64})
    assert desc["input_kind"] == "image" and desc["n_inputs"] == 64
    image = client.session.data["x_test"][0].ravel().tolist()
    answer = predict(client, image=image).json()
    assert answer["task"] == "multiclass" and len(answer["probabilities"]) == 10
    assert answer["label"] == str(answer["class"])
    # Each filter's map of the drawn image: the convolution's own output, 'same' padding.
    model = client.session.model
    conv = next(layer for layer in model.layers if type(layer).__name__ == "Conv2D")
    x = np.asarray(image, dtype="float32").reshape((1, 8, 8, 1))
    expected = keras.Model(model.inputs, conv.output).predict(x, verbose=0)[0]
    assert [(m["layer"], m["unit"], m["size"]) for m in answer["maps"]] == [
        (conv.name, j, 8) for j in range(4)]
    np.testing.assert_allclose(np.array([m["values"] for m in answer["maps"]]),
                               expected.reshape(64, 4).T, atol=1e-3)
    r = predict(client, image=[0.5] * 63)
    assert r.status_code == 400 and "64 numbers" in r.json()["error"]


def test_predict_a_series_and_a_csv_row(client):
    desc = setup(client, data={"name": "sine", "n": 60}, layers=[{"type": "GRU", "units": 3}])
    assert len(desc["windows"]) == 8 and len(desc["windows"][0]["values"]) == 20
    answer = predict(client, series=[0.1] * 20).json()
    assert answer["task"] == "regression" and isinstance(answer["value"], float)
    rows = ["a,colour,kind"] + [f"{i},{'red' if i % 3 else 'blue'},{'yes' if i % 2 else 'no'}"
                                for i in range(40)]
    client.post("/api/upload?name=mine.csv", content="\n".join(rows).encode(), headers=H)
    setup(client, data={"name": "csv", "target": "kind"})
    answer = predict(client, row="3, red").json()
    assert answer["task"] == "binary" and answer["label"] in ("no", "yes")
    for row, message in (("3", "expected 2"), ("x,red", "needs a number"), ("", "a line")):
        r = predict(client, row=row)
        assert r.status_code == 400 and message in r.json()["error"], r.text
    assert client.get("/api/state", headers=H).status_code == 200

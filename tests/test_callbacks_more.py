"""SwapEMAWeights and RemoteMonitor (against a local HTTP server on 127.0.0.1)."""

import json
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from numen import keras, optimizers

_PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
               "ALL_PROXY")


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-1.0], [0.5]]) + 0.2).astype("float32")


def _model(optimizer):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse")
    return model


class _Probe(keras.callbacks.Callback):
    """Records the kernel the model holds at each hook."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def _see(self, hook):
        self.seen.setdefault(hook, []).append(self.model.get_weights()[0].copy())

    def on_epoch_end(self, epoch, logs=None):
        self._see("epoch_end")

    def on_epoch_begin(self, epoch, logs=None):
        self._see("epoch_begin")


def test_swap_ema_weights_evaluates_with_the_averages_and_swaps_back():
    x, y = _data()
    model = _model(optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    opt = model.optimizer
    raw = [v.data.copy() for v in opt._variables]
    ema = [opt._averages[id(v)].copy() for v in opt._variables]
    opt._averages[id(opt._variables[0])][...] += 1.0  # make the two sets differ
    ema[0] += 1.0
    with_swap = model.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    for v, r, e in zip(opt._variables, raw, ema):
        np.testing.assert_array_equal(v.data, r)  # the raw weights are back
        np.testing.assert_array_equal(opt._averages[id(v)], e)
    model.set_weights(ema)
    assert with_swap == pytest.approx(model.evaluate(x, y, verbose=0))
    model.set_weights(raw)
    predicted = model.predict(x, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    np.testing.assert_allclose(predicted, x @ ema[0] + ema[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.get_weights()[0], raw[0])


def test_swap_on_epoch_shows_ema_weights_to_later_callbacks():
    x, y = _data()
    model = _model(optimizers.Adam(0.05, use_ema=True, ema_momentum=0.9))
    probe = _Probe()
    model.fit(x, y, batch_size=4, epochs=3, verbose=0,
              callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True), probe])
    opt = model.optimizer
    # After the last epoch the EMA weights stay, and the averages agree with them.
    np.testing.assert_array_equal(probe.seen["epoch_end"][-1], model.get_weights()[0])
    np.testing.assert_array_equal(opt._averages[id(opt._variables[0])],
                                  model.get_weights()[0])
    assert not np.array_equal(probe.seen["epoch_end"][0], probe.seen["epoch_begin"][1])


def test_swap_ema_weights_needs_use_ema():
    x, y = _data()
    model = _model(optimizers.SGD(0.1))
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                  callbacks=[keras.callbacks.SwapEMAWeights()])
    multi = _model(optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD())))
    with pytest.raises(ValueError, match="MultiOptimizer"):
        multi.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])


def test_swap_ema_weights_through_loss_scale_optimizer():
    x, y = _data()
    model = _model(optimizers.LossScaleOptimizer(optimizers.SGD(0.1, use_ema=True)))
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x, y),
              callbacks=[keras.callbacks.SwapEMAWeights()])
    inner = model.optimizer.inner_optimizer
    np.testing.assert_array_equal(model.get_weights()[0],
                                  inner._averages[id(inner._variables[0])])


@pytest.fixture
def post_server(monkeypatch):
    """A server on 127.0.0.1 recording each POST's path, headers and body."""
    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def test_remote_monitor_posts_each_epoch_as_a_form(post_server):
    root, received = post_server
    x, y = _data()
    model = _model("sgd")
    history = model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
                        callbacks=[keras.callbacks.RemoteMonitor(root=root)])
    assert len(received) == 2
    path, headers, body = received[1]
    assert path == "/publish/epoch/end/"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    sent = json.loads(urllib.parse.parse_qs(body.decode())["data"][0])
    assert sent["epoch"] == 1 and sorted(sent) == ["epoch", "loss", "val_loss"]
    assert sent["loss"] == pytest.approx(history.history["loss"][1])


def test_remote_monitor_posts_json_with_headers(post_server):
    root, received = post_server
    monitor = keras.callbacks.RemoteMonitor(root=root, path="/logs", field="ignored",
                                            headers={"X-Run": "7"}, send_as_json=True)
    monitor.on_epoch_end(3, {"loss": np.float32(0.5), "acc": np.array(0.25)})
    path, headers, body = received[0]
    assert path == "/logs" and headers["X-Run"] == "7"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"epoch": 3, "loss": 0.5, "acc": 0.25}


def test_remote_monitor_warns_when_the_server_is_unreachable(monkeypatch):
    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monitor = keras.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}", timeout=2.0)
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor"):
        monitor.on_epoch_end(0, {"loss": 1.0})
    with pytest.raises(TypeError, match="headers"):
        keras.callbacks.RemoteMonitor(headers=["X-Run: 7"])

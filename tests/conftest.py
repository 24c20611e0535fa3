import collections
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import numpy as np
import pytest

from numen import backend
from numen import config as numen_config
from numen.dtype_policies import policies
from numen.layers.base import reset_names


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with float32, fresh layer names and a fixed seed, and leaves the
    process-wide settings (dtype policy, epsilon, image data format, keras.config switches)
    as it found them, whatever order the tests run in."""
    backend.set_floatx("float32")
    reset_names()
    backend.set_random_seed(1234)
    switches = dict(numen_config._state)
    policy = policies._global_name
    yield
    backend.set_floatx("float32")
    policies._global_name = policy
    numen_config._state.update(switches)
    backend.set_epsilon(1e-7)
    backend.set_image_data_format("channels_last")


@pytest.fixture
def float64():
    backend.set_floatx("float64")
    yield
    backend.set_floatx("float32")


def pytest_configure(config):
    np.seterr(all="ignore")


_PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
               "ALL_PROXY")


@pytest.fixture
def file_server(monkeypatch):
    """A ThreadingHTTPServer on 127.0.0.1 (free port) serving `files` by name and counting
    requests in `hits`; `stop()` shuts it down (also done at teardown). Proxies are unset so
    requests stay on this machine."""
    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    files, hits = {}, collections.Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.lstrip("/")
            hits[name] += 1
            body = files.get(name)
            if body is None:
                self.send_error(404, "not here")
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    state = {"running": True}

    def stop():
        if state["running"]:
            state["running"] = False
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=5)

    yield SimpleNamespace(files=files, hits=hits, stop=stop,
                          url=f"http://127.0.0.1:{httpd.server_address[1]}/")
    stop()

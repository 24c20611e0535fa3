"""The playground in a real headless Chromium (Debian's `chromium` package), driven through the
DevTools protocol over a pipe (`--remote-debugging-pipe`), so no driver package is needed.

Open a link holding a set-up (spiral, two hidden layers), press Train, wait for the end, read a
test accuracy above 0.9 from the page, check the surface was drawn, and keep a screenshot.
Skipped when no Chromium binary is found (set CHROMIUM to its path to choose one).
"""

import base64
import json
import os
import select
import shutil
import socket
import subprocess
import threading
import time

import pytest

pytest.importorskip("starlette")
uvicorn = pytest.importorskip("uvicorn")

from numen.playground.server import create_app  # noqa: E402
from numen.playground.setup import normalize, to_fragment  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM") or next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p),
    None)
ARTIFACTS = os.environ.get("PLAYGROUND_SCREENSHOTS", "build/playground-screenshots")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary found")]


class Browser:
    """Just enough of the Chrome DevTools protocol: navigate, evaluate, screenshot."""

    def __init__(self, binary: str, profile: str):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def fds():  # Chromium reads commands on fd 3 and writes answers on fd 4
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-dev-shm-usage", "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "--window-size=1400,1000", "about:blank"],
            preexec_fn=fds, close_fds=False, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._id, self._buffer, self.session = 0, b"", None
        targets = self.send("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.send("Target.attachToTarget", targetId=page["targetId"],
                                 flatten=True)["sessionId"]
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=1400, height=1000,
                  deviceScaleFactor=1, mobile=False)

    def send(self, method: str, timeout: float = 30, **params):
        self._id += 1
        message = {"id": self._id, "method": method, "params": params}
        if self.session and not method.startswith("Target."):
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                answer = json.loads(raw)
                if answer.get("id") == self._id:
                    if "error" in answer:
                        raise RuntimeError(f"{method}: {answer['error']}")
                    return answer.get("result", {})
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise TimeoutError(f"no answer to {method} within {timeout}s")
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self._buffer += chunk

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page error: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 120):
        deadline = time.monotonic() + timeout
        guarded = f"(() => {{ try {{ return {expression}; }} catch (e) {{ return false; }} }})()"
        while time.monotonic() < deadline:
            value = self.evaluate(guarded)
            if value:
                return value
            time.sleep(0.2)
        raise TimeoutError(f"waited {timeout}s for {expression}")

    def screenshot(self, path: str) -> None:
        data = self.send("Page.captureScreenshot", format="png")["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


@pytest.fixture
def server(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(token="browser-token", workdir=str(tmp_path))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    app.state.session.pause(wait=True)
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser(tmp_path):
    b = Browser(CHROMIUM, str(tmp_path / "profile"))
    yield b
    b.close()


def test_spiral_trains_to_high_accuracy_in_the_browser(server, browser):
    base, app = server
    setup = normalize({"data": {"name": "spiral", "noise": 0.1},
                       "layers": [{"type": "Dense", "units": 16, "activation": "relu"},
                                  {"type": "Dense", "units": 16, "activation": "relu"}],
                       "compile": {"optimizer": "adam", "learning_rate": 0.03},
                       "fit": {"epochs": 100, "batch_size": 16}, "seed": 0})
    browser.send("Page.enable")
    browser.send("Page.navigate", url=f"{base}/?token=browser-token#{to_fragment(setup)}")
    # The page applies the set-up from its address, then the stream describes it.
    browser.wait_for("document.getElementById('data-name').value === 'spiral' && "
                     "document.querySelectorAll('#layers li').length === 2", timeout=30)
    assert app.state.session.setup == setup
    browser.screenshot(f"{ARTIFACTS}/1-set-up.png")
    browser.evaluate("document.getElementById('start').click()")
    browser.wait_for("document.getElementById('status').textContent === 'done'")
    time.sleep(0.5)  # the last update
    accuracy = float(browser.evaluate("document.getElementById('test-metric').dataset.value"))
    assert accuracy > 0.9
    assert browser.evaluate("document.getElementById('epoch').textContent") == "100"
    assert browser.evaluate("document.querySelectorAll('#layer-stats tbody tr').length") == 3
    # The surface canvas holds both class colours (drawn from the streamed grid).
    colours = browser.evaluate("""(() => {
        const c = document.getElementById('surface');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let warm = 0, cold = 0;
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 2] > d[i] + 40) warm++; else if (d[i] > d[i + 2] + 40) cold++;
        }
        return [warm, cold];
    })()""")
    assert min(colours) > 5000
    assert browser.evaluate("location.hash") == "#" + to_fragment(setup)
    # Clicking the plane reads the prediction there.
    said = browser.evaluate("""(() => {
        const c = document.getElementById('surface'), r = c.getBoundingClientRect();
        c.dispatchEvent(new MouseEvent('click', {clientX: r.left + r.width * 0.75,
                                                 clientY: r.top + r.height * 0.25}));
        return document.getElementById('point-prediction').textContent;
    })()""")
    x1, x2 = map(float, said.split("(x1, x2) = (")[1].split(")")[0].split(", "))
    assert abs(x1 - 3) < 0.1 and abs(x2 - 3) < 0.1 and "P(class 1) = " in said
    browser.screenshot(f"{ARTIFACTS}/2-trained.png")
    # The page's own download links work from the browser.
    code = browser.evaluate("fetch(document.getElementById('download-code').href)"
                            ".then(r => r.text())")
    assert "from numen import keras" in code and "Dense(16, activation='relu')" in code
    size = browser.evaluate("fetch(document.getElementById('download-model').href)"
                            ".then(r => r.arrayBuffer()).then(b => b.byteLength)")
    assert size > 1000


def test_choosing_digits_and_stepping(server, browser):
    base, app = server
    browser.send("Page.navigate", url=f"{base}/?token=browser-token")
    browser.wait_for("document.getElementById('data-summary').textContent.includes('2 inputs')",
                     timeout=30)
    browser.evaluate("""(() => {
        const s = document.getElementById('data-name');
        s.value = 'digits';
        s.dispatchEvent(new Event('change'));
    })()""")
    browser.wait_for("document.getElementById('data-summary').textContent.includes('64 inputs')")
    assert browser.evaluate("document.getElementById('surface-box').hidden") is True
    assert "Dense(10, softmax)" in browser.evaluate(
        "document.getElementById('output-layer').textContent")
    browser.evaluate("document.getElementById('step').click()")
    browser.wait_for("document.getElementById('epoch').textContent === '1' && "
                     "document.getElementById('status').textContent === 'paused'")
    browser.wait_for("document.querySelectorAll('#confusion tr').length === 11")
    assert app.state.session.setup["data"]["name"] == "digits"
    browser.screenshot(f"{ARTIFACTS}/3-digits.png")

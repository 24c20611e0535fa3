"""RemoteMonitor: POST each epoch's logs as JSON to a server (standard library only)."""

from __future__ import annotations

import json
import warnings

import numpy as np

from numen.callbacks.base import Callback


class RemoteMonitor(Callback):
    """Sends `{"epoch": ..., **logs}` to `root + path` with an HTTP POST after each epoch.

    By default the JSON text is the form field `field` (`application/x-www-form-urlencoded`,
    as Keras sends it); with `send_as_json=True` it is the request body
    (`application/json`). A server that cannot be reached gives a warning, not an error.

    Args:
        root: the server's root URL.
        path: appended to `root`.
        field: the form field holding the JSON (form posts only).
        headers: extra HTTP headers, a dict.
        send_as_json: post the JSON itself as the body.
        timeout: seconds to wait for the server (numen's addition; Keras waits without
            limit).

    >>> monitor = RemoteMonitor(root="http://127.0.0.1:9000", send_as_json=True)
    """

    def __init__(self, root: str = "http://localhost:9000", path: str = "/publish/epoch/end/",
                 field: str = "data", headers: dict | None = None, send_as_json: bool = False,
                 timeout: float = 10.0):
        super().__init__()
        if headers is not None and not isinstance(headers, dict):
            raise TypeError(f"RemoteMonitor: headers must be a dict or None, received "
                            f"{headers!r}")
        self.root, self.path, self.field = root, path, field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        # urllib.request pulls in http, email and ssl (~25 ms): imported here, not with numen.
        import urllib.error
        import urllib.parse
        import urllib.request

        payload = {"epoch": epoch}
        for key, value in (logs or {}).items():
            payload[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) \
                else value
        text = json.dumps(payload)
        if self.send_as_json:
            body, kind = text.encode(), "application/json"
        else:
            body = urllib.parse.urlencode({self.field: text}).encode()
            kind = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.root + self.path, data=body, method="POST",
                                         headers={"Content-Type": kind,
                                                  **(self.headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)

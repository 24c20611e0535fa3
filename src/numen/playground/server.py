"""The playground's web server (Starlette, run by uvicorn): the page, its static files, the
commands (POST, JSON), one Server-Sent Events stream of live updates, the script and the model.

Every /api request carries the session token (`X-Token` header, or `token=` in the query for
the event stream and downloads), compared in constant time; the Host header must be one the
server was started for, and a POST's Origin, when sent, must be that host.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import pathlib
import secrets
import tempfile
from importlib import resources
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from numen.cli.tabular import UserError
from numen.playground.session import MAX_UPLOAD_BYTES, Session

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".css": "text/css; charset=utf-8"}
UPDATE_INTERVAL = 0.1  # seconds: at most about ten updates a second per page


def create_app(token: str | None = None, allowed_hosts: tuple[str, ...] = ("127.0.0.1",
               "localhost", "::1"), workdir: str | None = None) -> Starlette:
    """The Starlette application; `app.state.token` and `app.state.session` for callers.

    >>> app = create_app(token="t", allowed_hosts=("testserver",))
    >>> app.state.session.setup["data"]["name"]
    'circle'
    """
    token = token or secrets.token_urlsafe(24)
    workdir = workdir or tempfile.mkdtemp(prefix="numen-playground-")
    session = Session(workdir)
    static = resources.files("numen.playground").joinpath("static")

    def check(request: Request) -> Response | None:
        host = urlsplit("//" + request.headers.get("host", "")).hostname
        if host not in allowed_hosts:
            return _error(403, f"host {host!r} is not allowed")
        given = request.headers.get("x-token") or request.query_params.get("token") or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return _error(403, "missing or wrong token: open the address `numen playground` "
                               "printed")
        if request.method == "POST":
            origin = request.headers.get("origin")
            if origin and urlsplit(origin).netloc != request.headers.get("host"):
                return _error(403, f"cross-origin request from {origin} refused")
        return None

    def guarded(handler):
        async def endpoint(request: Request) -> Response:
            refused = check(request)
            if refused is not None:
                return refused
            try:
                return await handler(request)
            except (ValueError, UserError) as exc:
                return _error(400, str(exc))
        return endpoint

    async def json_body(request: Request) -> dict:
        if "application/json" not in request.headers.get("content-type", ""):
            raise ValueError("expected a JSON body (Content-Type: application/json)")
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f"the body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body

    async def page(request: Request) -> Response:
        return _static(static, "index.html")

    async def asset(request: Request) -> Response:
        return _static(static, request.path_params["name"])

    async def setup(request: Request) -> Response:
        body = await json_body(request)
        await asyncio.to_thread(session.apply, body.get("setup", body))
        return JSONResponse(session.description())

    async def command(request: Request) -> Response:
        name = request.path_params["name"]
        if name == "start":
            started = session.start()
        elif name == "step":
            started = session.step()
        elif name == "pause":
            session.pause()
            started = False
        elif name == "reset":
            await asyncio.to_thread(session.reset)
            started = False
        else:
            return _error(404, f"unknown command {name!r}; use start, pause, step or reset")
        return JSONResponse({"ok": True, "started": started, "status": session.status})

    async def predict(request: Request) -> Response:
        body = await json_body(request)  # an inference pass only: fine while training runs
        return JSONResponse(await asyncio.to_thread(session.predict, body))

    async def state(request: Request) -> Response:
        return JSONResponse({**session.description(), **session.snapshot()})

    async def upload(request: Request) -> Response:
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_UPLOAD_BYTES:
            return _error(413, f"the upload has {length} bytes; the limit is "
                               f"{MAX_UPLOAD_BYTES}")
        chunks, size = [], 0
        async for chunk in request.stream():  # counted as it arrives: no length is trusted
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                return _error(413, f"the upload has more than {MAX_UPLOAD_BYTES} bytes, the "
                                   "limit")
            chunks.append(chunk)
        body = b"".join(chunks)
        columns = await asyncio.to_thread(session.load_csv,
                                          request.query_params.get("name", "data.csv"), body)
        return JSONResponse({"columns": columns})

    async def events(request: Request) -> Response:
        until_idle = request.query_params.get("until_idle") == "1"

        async def stream():
            sent_version, sent_run, history_at = -1, -1, 0
            while True:
                if session.version != sent_version:
                    sent_version = session.version
                    if session.run_id != sent_run:
                        sent_run, history_at = session.run_id, 0
                        yield _sse("setup", session.description())
                    snap = session.snapshot(history_at)
                    history_at += len(snap["history"])
                    yield _sse("state", snap)
                    if until_idle and not session.busy() and snap["status"] != "training":
                        return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(UPDATE_INTERVAL)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    async def code(request: Request) -> Response:
        return Response(session.script(), media_type="text/x-python; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="model.py"'})

    async def model(request: Request) -> Response:
        path = pathlib.Path(workdir) / "model.keras"
        await asyncio.to_thread(session.save_model, path)
        return Response(path.read_bytes(), media_type="application/octet-stream",
                        headers={"Content-Disposition": 'attachment; filename="model.keras"'})

    routes = [
        Route("/", page),
        Route("/static/{name}", asset),
        Route("/api/setup", guarded(setup), methods=["POST"]),
        Route("/api/upload", guarded(upload), methods=["POST"]),
        Route("/api/state", guarded(state)),
        Route("/api/predict", guarded(predict), methods=["POST"]),
        Route("/api/events", guarded(events)),
        Route("/api/code", guarded(code)),
        Route("/api/model", guarded(model)),
        Route("/api/{name}", guarded(command), methods=["POST"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(_SecurityHeaders)])
    app.state.token, app.state.session = token, session
    return app


class _SecurityHeaders:
    """ASGI middleware: every response gets the Content-Security-Policy (nothing from outside
    this server) and nosniff."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []),
                                      (b"content-security-policy", CSP.encode()),
                                      (b"x-content-type-options", b"nosniff")]
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def _static(static, name: str) -> Response:
    suffix = pathlib.PurePosixPath(name).suffix
    if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES:
        return _error(404, f"no such file {name!r}")
    target = static.joinpath(name)
    if not target.is_file():
        return _error(404, f"no such file {name!r}")
    return Response(target.read_bytes(), media_type=STATIC_TYPES[suffix],
                    headers={"Cache-Control": "no-store"})


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, allow_nan=False, default=_plain)}\n\n"


def _plain(value):
    return float(value)


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          token: str | None = None) -> None:
    """Run the playground until interrupted, printing its address."""
    import uvicorn

    token = token or secrets.token_urlsafe(24)
    hosts = ("127.0.0.1", "localhost", "::1")
    if host not in hosts:
        print(f"numen playground: warning: listening on {host}; anyone who can reach it and "
              "has the address can run training on this machine")
        hosts = (*hosts, host)
    app = create_app(token=token, allowed_hosts=hosts)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/?token={token}"
    print(f"numen playground: open {url}", flush=True)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    # Open event streams never end by themselves: give them a second on Ctrl-C, then close.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=1)

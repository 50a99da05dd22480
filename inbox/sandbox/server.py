"""The sandbox HTTP server: one port playing X, Meta Graph, Mastodon, Bluesky and RSS feeds."""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from inbox.sandbox import bluesky_api, feeds, graph_api, mastodon_api, twilio_api, x_api
from inbox.sandbox.control import Control
from inbox.sandbox.http import Request, Response, Router, json_response
from inbox.sandbox.state import SandboxState

FAILURE_RESPONSES = {
    "x": x_api.failure_response,
    "facebook": graph_api.failure_response,
    "instagram": graph_api.failure_response,
    "mastodon": mastodon_api.failure_response,
    "bluesky": bluesky_api.failure_response,
    "web": feeds.failure_response,
    "twilio": twilio_api.failure_response,
}
GRAPH_PATH = re.compile(r"^/v\d+\.\d+/")


class PlatformSandbox:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.control = Control(self)
        self.reset()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        state = SandboxState()
        worlds: dict[str, Any] = {
            "x": x_api.XWorld(state),
            "graph": graph_api.GraphWorld(state),
            "mastodon": mastodon_api.MastodonWorld(state),
            "bluesky": bluesky_api.BlueskyWorld(state),
            "web": feeds.FeedsWorld(state),
            "twilio": twilio_api.TwilioWorld(state),  # on-call SMS
        }
        router = Router()
        self.control.register(router)
        for world in worlds.values():
            world.register(router)
        # Swapped together so a request in flight sees either the old world or the new one.
        self.state, self.worlds, self.router = state, worlds, router

    def start(self) -> None:
        self._server = ThreadingHTTPServer((self.host, self.port), _Handler)
        self._server.daemon_threads = True
        self._server.sandbox = self  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="platform-sandbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def platform_of(self, path: str) -> str:
        if path.startswith("/2/"):
            return "x"
        if GRAPH_PATH.match(path):
            return self.worlds["graph"].platform_of(path)
        if path.startswith("/api/"):
            return "mastodon"
        if path.startswith("/xrpc/"):
            return "bluesky"
        if path.startswith("/feeds/"):
            return "web"
        if path.startswith("/2010-04-01/"):
            return "twilio"
        return "control"

    def world_for(self, platform: str) -> Any:
        return self.worlds["graph" if platform in ("facebook", "instagram") else platform]

    def handle(self, request: Request) -> Response:
        state, router = self.state, self.router
        platform = self.platform_of(request.path)
        matched = router.match(request.method, request.path)
        if platform == "control":
            if not matched:
                return json_response(404, {"error": f"No sandbox control at {request.path}"})
            handler, groups = matched
            if handler in (self.control.deliver_webhook, self.control.crc_check):
                return handler(request, **groups)
            with state.lock:
                return handler(request, **groups)
        with state.lock:
            state.requests_seen[platform] = state.requests_seen.get(platform, 0) + 1
            call = f"{request.method} {request.path}"
            state.paths_seen[call] = state.paths_seen.get(call, 0) + 1
            rule = state.failure_for(platform, request.path)
        if rule and rule.mode == "slow":
            time.sleep(rule.delay_ms / 1000)
        elif rule and rule.mode != "slow_accept":
            return FAILURE_RESPONSES[platform](rule.mode, rule.seconds)
        with state.lock:
            response = self._handled(platform, request, matched)
        if rule and rule.mode == "slow_accept":
            time.sleep(rule.delay_ms / 1000)  # done and stored: only the answer is late (outside the lock)
        return response

    def _handled(self, platform: str, request: Request, matched) -> Response:
        refused = self.world_for(platform).check_auth(request)
        if refused:
            return refused
        if not matched:
            return json_response(404, {"error": f"The sandbox does not serve {request.method} {request.path}"})
        handler, groups = matched
        return handler(request, **groups)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle on, the body waits for the client's delayed
    # ACK (~40 ms a request on Linux), which made every call to the sandbox cost 40 ms.
    disable_nagle_algorithm = True
    server_version = "VigiePlatformSandbox/1.0"

    def do_GET(self) -> None:  # noqa: N802
        self._serve()

    def do_POST(self) -> None:  # noqa: N802
        self._serve()

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve()

    def _serve(self) -> None:
        sandbox: PlatformSandbox = self.server.sandbox  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(method=self.command, path=url.path, query=parse_qs(url.query, keep_blank_values=True),
                          headers=self.headers, body=body, base_url=sandbox.base_url)
        try:
            response = sandbox.handle(request)
        except Exception as error:  # noqa: BLE001 - a sandbox bug must answer 500, not hang the client
            response = json_response(500, {"error": f"Sandbox failure: {error!r}"})
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a connector's timeout during slow mode): nothing left to tell it.
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

"""Loaded by gunicorn as its config module (``exitmap serve --prod``): no server banner.

gunicorn writes ``Server: gunicorn`` into every response and has no setting to leave it out;
its response class is told here, before the workers fork, to send its default headers without
that line. Everything else about the server is on the command line ``serve`` builds.
"""

from __future__ import annotations

from gunicorn.http.wsgi import Response

_default_headers = Response.default_headers


def _without_server(self) -> list[str]:
    return [h for h in _default_headers(self) if not h.lower().startswith("server:")]


Response.default_headers = _without_server

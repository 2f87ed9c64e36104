"""``/export/png`` and ``/export/pdf``: a dashboard view rendered as a file on the server.

No logins exist yet: the export renders with the requester's Cookie and Authorization headers,
so it will see what the page would show once they do.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

import flask

from app.briefing import page_kind, title
from app.render import RenderError, RenderService, parse_size
from app.state import parse

log = logging.getLogger(__name__)

FORWARDED = ("Cookie", "Authorization")  # the requester's credentials go with the render


def register(app, ctx) -> None:
    """``/export/png?view=<path+query>[&size=1920x1080&scale=2]`` and ``/export/pdf?view=…``."""
    # Chromium starts with the first export, on the service's own thread, and stays.
    service = app.server.extensions["exitmap.png"] = RenderService(app)

    @app.server.route("/export/<fmt_>")
    def export_file(fmt_: str):
        if fmt_ not in ("png", "pdf"):
            flask.abort(404)
        view = flask.request.args.get("view", "/")
        parts = urlsplit(view)
        if parts.scheme or parts.netloc or not view.startswith("/") or not page_kind(parts.path):
            return _text(f"不能导出：{view}（仅总览、州市、能耗指标、区域限批页面）", 400)
        try:
            size = parse_size(flask.request.args.get("size", "1920x1080"))
            scale = float(flask.request.args.get("scale", "2"))
        except (ValueError, RenderError) as exc:
            return _text(str(exc), 400)
        headers = {k: flask.request.headers[k] for k in FORWARDED if k in flask.request.headers}
        try:
            shot = service.render(fmt_, view, size, scale, headers)
        except RenderError as exc:
            return _text(f"不能导出：{exc}", 400)
        except Exception:
            log.exception("export %s failed", view)
            return _text("简报图渲染失败（服务器上的 Chromium 不可用或超时），请稍后重试。", 503)
        state = parse(parts.query, ctx.today())
        name = f"{title(ctx, parts.path, state)}_{state.date(ctx.today()).isoformat()}.{fmt_}"
        return flask.Response(
            shot.data,
            mimetype="image/png" if fmt_ == "png" else "application/pdf",
            headers={
                "Content-Disposition": "attachment; filename*=UTF-8''" + quote(name),
                "Cache-Control": "no-store",
            },
        )


def _text(message: str, status: int):
    return flask.Response(message, status=status, mimetype="text/plain; charset=utf-8")

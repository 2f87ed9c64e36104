"""``/export/png`` and ``/export/pdf``: a dashboard view rendered as a file on the server.

The view is rendered as the requester: the renderer's Chromium carries a short-lived signed
grant for this user, this scope and this view (access/grants.py), never the requester's cookies,
so an image holds no more than its requester may see. The image names who took it and when
(the briefing footer) and is recorded with its SHA-256 in the audit log.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import quote, urlsplit

import flask

from access import grants
from access.guard import current_caller, record, rule
from app import permissions
from app.briefing import page_kind, title
from app.render import RenderBusy, RenderError, RenderRateLimited, RenderService, parse_size
from app.state import parse
from exitmap import settings

log = logging.getLogger(__name__)


def register(app, ctx) -> None:
    """``/export/png?view=<path+query>[&size=1920x1080&scale=2]`` and ``/export/pdf?view=…``."""
    # Chromium starts with the first export, on the service's own thread, and stays.
    service = app.server.extensions["exitmap.png"] = RenderService(
        queue=settings.get_int("render_queue"), per_minute=settings.get_int("render_per_minute")
    )

    @app.server.route("/export/<fmt_>")
    @rule("export")
    def export_file(fmt_: str):
        if fmt_ not in ("png", "pdf"):
            flask.abort(404)
        view = flask.request.args.get("view", "/")
        parts = urlsplit(view)
        if parts.scheme or parts.netloc or not view.startswith("/") or not page_kind(parts.path):
            return _text(f"不能导出：{view}（仅总览、州市、能耗指标、区域限批页面）", 400)
        caller = current_caller()
        state = parse(parts.query, ctx.today())
        path = parts.path.rstrip("/") or "/"
        refusal = permissions.refusal(ctx.engine, caller, path, state.lang)
        if refusal:
            permissions.refused(path, refusal)
            return permissions.forbidden_response(refusal, state.lang)
        try:
            size = parse_size(flask.request.args.get("size", "1920x1080"))
            scale = float(flask.request.args.get("scale", "2"))
        except (ValueError, RenderError) as exc:
            return _text(str(exc), 400)
        grant = grants.issue(app.server.config["SECRET_KEY"], caller.scope, path)
        base = (settings.get("render_base_url") or flask.request.host_url).rstrip("/")
        try:
            shot = service.render(
                fmt_, base + view, size, scale, {grants.HEADER: grant}, user=caller.scope.user
            )
        except RenderRateLimited as exc:
            return _text(str(exc), 429)
        except RenderBusy as exc:
            return _text(str(exc), 503)
        except RenderError as exc:
            return _text(f"不能导出：{exc}", 400)
        except Exception:
            log.exception("export %s failed", view)
            return _text("简报图渲染失败（服务器上的 Chromium 不可用或超时），请稍后重试。", 503)
        name = f"{title(ctx, parts.path, state)}_{state.date(ctx.today()).isoformat()}.{fmt_}"
        record(
            "export",
            view,
            {"format": fmt_, "size": f"{size[0]}x{size[1]}", "scale": scale, "file": name},
            sha256=hashlib.sha256(shot.data).hexdigest(),
        )
        return flask.Response(
            shot.data,
            mimetype="image/png" if fmt_ == "png" else "application/pdf",
            headers={
                "Content-Disposition": "attachment; filename*=UTF-8''" + quote(name),
                "Cache-Control": "no-store",
            },
        )


def register_deck(app, ctx) -> None:
    """``/export/deck[?on=YYYY-MM-DD]``: the briefing deck (PPTX) as the requester sees it — a
    prefecture's holds its own prefecture — with who took it in its properties."""

    @app.server.route("/export/deck")
    @rule("export")
    def export_deck():
        import tempfile
        from pathlib import Path

        from exports.deck import write_deck
        from exports.office import mark_taken

        state = parse(flask.request.query_string.decode(), ctx.today())
        if state.errors:
            return _text(
                "不能导出：参数有误（" + "、".join(f"{n}={v}" for n, v in state.errors) + "）", 400
            )
        on = state.date(ctx.today())
        scope = current_caller().scope
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "deck.pptx"
            try:
                slides = write_deck(
                    ctx.engine, on, path, marking=ctx.marking, scope=scope, taken_by=scope.user
                )
            except Exception:  # the chart renderer (kaleido's Chromium) failed or timed out
                log.exception("deck for %s on %s failed", scope.user, on)
                failed = "简报幻灯片生成失败（服务器上的图表渲染不可用或超时），请稍后重试。"
                return _text(failed, 503)
            mark_taken(path, scope.user, ctx.now())
            data = path.read_bytes()
        name = f"产能退出简报_{on.isoformat()}.pptx"
        record(
            "export",
            "/export/deck",
            {"format": "pptx", "on": on.isoformat(), "slides": slides, "file": name},
            sha256=hashlib.sha256(data).hexdigest(),
        )
        return flask.Response(
            data,
            mimetype="application/vnd.openxmlformats-officedocument.presentationml.presentation",
            headers={
                "Content-Disposition": "attachment; filename*=UTF-8''" + quote(name),
                "Cache-Control": "no-store",
            },
        )


def _text(message: str, status: int):
    return flask.Response(message, status=status, mimetype="text/plain; charset=utf-8")

"""The read API for other systems: ``/api/v1/…`` (see ``openapi.py`` for its description).

The same layers and the same scope as the pages: a bearer token from ``exitmap users token``
stands for its user, whose role and scope come from our table; 401 without a token, 403 for a
prefecture outside the scope. Every answer is recorded in the audit log with its row count.
"""

from __future__ import annotations

import datetime as dt
import json

import flask
import pandas as pd

from access.guard import current_caller, record, rule
from app.api import submissions
from app.api.openapi import SPEC
from app.state import EARLIEST
from exitmap.cells import neutralise_frame
from exitmap.vocabulary import PREFECTURES
from layers import inspections, land, replacement, resettlement
from layers.freeze import freeze_list
from layers.quota import ledger
from layers.standing import standing
from layers.targets import lines
from layers.units import apply_filters


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _date(name: str, ctx, default: dt.date | None = None) -> dt.date | None:
    raw = flask.request.args.get(name)
    if raw is None:
        return default
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, f"{name} 应为 YYYY-MM-DD 格式，收到「{raw[:40]}」") from None
    if not (EARLIEST <= day <= ctx.today()):
        raise ApiError(400, f"{name} 应在 {EARLIEST} 与 {ctx.today()} 之间，收到 {day}")
    return day


def _format() -> str:
    fmt = flask.request.args.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ApiError(400, f"format 应为 json 或 csv，收到「{fmt[:20]}」")
    return fmt


def _answer(frame: pd.DataFrame, what: str, on: dt.date, fmt: str = "json") -> flask.Response:
    record("api", flask.request.path, dict(flask.request.args), row_count=len(frame))
    if fmt == "csv":
        return flask.Response(
            neutralise_frame(frame).to_csv(index=False),
            mimetype="text/csv; charset=utf-8",
            headers={"Content-Disposition": f"attachment; filename={what}_{on}.csv"},
        )
    rows = json.loads(frame.to_json(orient="records", date_format="iso", force_ascii=False))
    body = {"as_of": on.isoformat(), "scope": current_caller().scope.describe(), what: rows}
    return flask.Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")


def register(server: flask.Flask, ctx) -> None:
    api = flask.Blueprint("api", __name__, url_prefix="/api/v1")

    @api.errorhandler(ApiError)
    def refused(exc: ApiError):
        body = json.dumps({"status": exc.status, "message": str(exc)}, ensure_ascii=False)
        return flask.Response(body, status=exc.status, mimetype="application/json")

    @api.route("/openapi.json")
    @rule("api")
    def openapi():
        return flask.jsonify(SPEC)

    @api.route("/standing")
    @rule("api")
    def standing_():
        on = _date("on", ctx, ctx.today())
        known = _date("known", ctx)
        frame = standing(ctx.engine, on, scope=ctx.scope(), known_on=known)
        return _answer(frame, "standing", on)

    @api.route("/units")
    @rule("api")
    def units():
        on = _date("on", ctx, ctx.today())
        fmt = _format()
        scope = ctx.scope()
        wanted = flask.request.args.get("prefecture")
        adcode = None
        if wanted:
            try:
                adcode = int(wanted)
            except ValueError:
                raise ApiError(400, f"prefecture 应为州（市）代码，收到「{wanted[:20]}」") from None
            if adcode not in PREFECTURES:
                raise ApiError(400, f"没有代码为 {adcode} 的州（市）")
            if not scope.sees(adcode):
                record("forbidden", flask.request.path, dict(flask.request.args))
                raise ApiError(403, f"无权读取{PREFECTURES[adcode]}的装备。Outside your scope.")
        frame = apply_filters(ctx.data.units(on, scope), prefecture=adcode)
        return _answer(frame.to_pandas(), "units", on, fmt)

    @api.route("/freezes")
    @rule("api")
    def freezes():
        on = _date("on", ctx, ctx.today())
        frame = freeze_list(ctx.engine, on, scope=ctx.scope())
        frame["triggering_units"] = frame["triggering_units"].map("；".join)
        return _answer(frame, "freezes", on)

    @api.route("/quota")
    @rule("api")
    def quota():
        on = _date("on", ctx, ctx.today())
        return _answer(ledger(ctx.engine, on, ctx.scope()), "quota", on)

    # The seed's other duties, each as its own list (targets of the year of ``on``).
    duties = {
        "targets": lambda on, scope: lines(ctx.engine, on, scope),
        "replacement": lambda on, scope: replacement.projects(ctx.engine, scope),
        "inspections": lambda on, scope: inspections.findings(ctx.engine, on, scope),
        "resettlement": lambda on, scope: resettlement.plans(ctx.engine, on, scope),
        "land": lambda on, scope: land.sites(ctx.engine, on, scope),
    }
    for what, read in duties.items():
        api.add_url_rule(f"/{what}", f"duty_{what}", rule("api")(_duty(ctx, what, read)))

    submissions.register(api, ctx)
    server.register_blueprint(api)


def _duty(ctx, what: str, read):
    def answer():
        on = _date("on", ctx, ctx.today())
        return _answer(read(on, ctx.scope()), what, on, _format())

    return answer

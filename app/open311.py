"""Open311 GeoReport v2 for platforms that pass reports on (the 12345 hotline, departments' own
hotlines): ``/open311/v2/services.json``, ``requests.json`` (POST), ``requests/<id>.json``.

The field names are the standard's (service_code, lat, long, address_string, description,
email, first_name, last_name, phone; service_request_id, status, agency_responsible,
requested_datetime, updated_datetime, expected_datetime); errors are its list of
``{"code", "description"}``. A platform authenticates with its ``api_key`` (exitmap reports
key): it files reports and reads back those it filed — state, department and deadline, never
the office's notes, never the reporter. JSON only. Every filing and every read is audited,
without the reporter; every submission is kept (report_attempt), filed or refused.
"""

from __future__ import annotations

import json

import flask
import sqlalchemy as sa

from access.guard import record, rule
from exitmap import clock
from exitmap.errors import UserError
from exitmap.policy.reports import reports_policy
from reports import keys
from reports.intake import Contact, Intake, file_report, record_attempt
from reports.routing import place_of_point
from reports.states import OPEN311_STATUS

FIELDS = (
    "service_code",
    "lat",
    "long",
    "address_string",
    "description",
    "email",
    "first_name",
    "last_name",
    "phone",
    "attribute[firm]",
)


class Open311Error(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _json(body, status: int = 200) -> flask.Response:
    return flask.Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/json",
    )


def _platform(engine) -> str:
    key = flask.request.values.get("api_key")
    platform = keys.platform_for(engine, key)
    if platform is None:
        raise Open311Error(403, "api_key 无效或缺失。Invalid or missing api_key.")
    return platform


def _number(values: dict, name: str) -> float:
    try:
        return float(values[name])
    except (KeyError, TypeError, ValueError):
        raise Open311Error(400, f"{name} 应为 WGS-84 十进制度数") from None


def _iso(value) -> str | None:
    return value.astimezone(clock.ZONE).isoformat() if value is not None else None


def register(server: flask.Flask, ctx) -> None:
    engine = ctx.engine
    api = flask.Blueprint("open311", __name__, url_prefix="/open311/v2")

    @api.errorhandler(Open311Error)
    def refused(exc: Open311Error):
        return _json([{"code": exc.status, "description": str(exc)}], exc.status)

    @api.route("/services.json")
    @rule("public")
    def services():
        return _json(
            [
                {
                    "service_code": k.code,
                    "service_name": k.name,
                    "description": k.description,
                    "metadata": False,
                    "type": "realtime",
                    "keywords": "",
                    "group": k.department,
                }
                for k in reports_policy().kinds.values()
            ]
        )

    @api.route("/requests.json", methods=["POST"])
    @rule("open311")
    def create():
        platform = _platform(engine)
        values = {k: (flask.request.form.get(k) or "").strip() for k in FIELDS}
        now = clock.now()
        address = f"open311:{platform}"
        try:
            if not values["lat"] and not values["long"]:
                raise Open311Error(400, "lat 和 long 须给出（本接口按位置分派）")
            lat, lon = _number(values, "lat"), _number(values, "long")
            with engine.connect() as conn:
                place = place_of_point(conn, lon, lat, values["address_string"] or None)
            name = (values["last_name"] + values["first_name"]).strip()
            intake = Intake(
                service_code=values["service_code"],
                description=values["description"],
                place=place,
                channel="open311",
                platform=platform,
                firm_named=values["attribute[firm]"],
                contact=Contact(name, values["phone"], values["email"]),
            )
            reference = file_report(
                engine, intake, now, address=address, actor=address, actor_role="open311"
            )
        except (Open311Error, UserError) as exc:
            status = exc.status if isinstance(exc, Open311Error) else 400
            record_attempt(engine, now, address, "open311", "invalid", values | {"error": str(exc)})
            raise Open311Error(status, str(exc)) from None
        record(
            "report",
            reference,
            {"step": "receive", "channel": "open311", "service_code": intake.service_code},
            username=address,
        )
        notice = "已受理，将由省淘汰落后产能工作领导小组办公室甄别后移交主管部门"
        return _json(
            [{"service_request_id": reference, "service_notice": notice, "account_id": None}]
        )

    @api.route("/requests/<reference>.json")
    @rule("open311")
    def one(reference: str):
        platform = _platform(engine)
        with engine.connect() as conn:
            row = (
                conn.execute(
                    sa.text("SELECT * FROM exitmap_open311_request(:r, :p)"),
                    {"r": reference[:40], "p": platform},
                )
                .mappings()
                .first()
            )
        record(
            "api",
            flask.request.path,
            {"platform": platform},
            username=f"open311:{platform}",
            row_count=0 if row is None else 1,
        )
        if row is None:
            raise Open311Error(404, f"没有编号为「{reference[:40]}」的、由本平台提交的举报")
        kinds = reports_policy().kinds
        return _json(
            [
                {
                    "service_request_id": row["service_request_id"],
                    "status": OPEN311_STATUS[row["status"]],
                    "status_notes": None,  # the office's notes stay with the office
                    "service_name": kinds[row["service_code"]].name
                    if row["service_code"] in kinds
                    else None,
                    "service_code": row["service_code"],
                    "description": row["description"],
                    "agency_responsible": row["agency_responsible"],
                    "service_notice": None,
                    "requested_datetime": _iso(row["requested_datetime"]),
                    "updated_datetime": _iso(row["updated_datetime"]),
                    "expected_datetime": _iso(row["expected_datetime"]),
                    "address": row["address_string"],
                    "address_id": None,
                    "zipcode": None,
                    "lat": row["lat"],
                    "long": row["long"],
                    "media_url": None,
                }
            ]
        )

    server.register_blueprint(api)

"""The public's report page (举报, issue #15): ``/report`` to file, ``/report/<reference>`` for
the state. No sign-in; Chinese; one plain HTML form that works on a phone and without script
(the map is a help, the address or coordinates do the same); the app's own assets only.

Abuse controls without a third-party captcha: the form's CSRF token, a hidden honeypot field,
the body bounded before it is read (``http.body_limit``), photos checked and re-encoded
(reports/photos.py), and a rate per address counted from the kept submissions. Every
submission is kept (``report_attempt``), filed or not. The audit row of a filing names the
reference, the kind and the channel — never the reporter.
"""

from __future__ import annotations

import datetime as dt

import flask
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

from access.guard import guard_of, record, rule
from app.http import body_limit
from app.report_map import province_svg
from etl.locate import parse_address
from exitmap import clock
from exitmap.errors import UserError
from exitmap.policy.reports import reports_policy
from reports import read
from reports.intake import (
    MAX_DESCRIPTION,
    MAX_FIELD,
    Contact,
    Intake,
    attempts_since,
    file_report,
    record_attempt,
)
from reports.photos import MAX_INPUT_BYTES, MAX_PHOTOS, clean_photo
from reports.routing import Place, place_of_areas, place_of_point

# Submissions an address may make in RATE_WINDOW (filed, refused or caught alike).
RATE = 5
RATE_WINDOW = dt.timedelta(hours=1)
MAX_BODY = MAX_PHOTOS * MAX_INPUT_BYTES + 256 * 1024
HONEYPOT = "website"
FIELDS = ("kind", "description", "address", "lon", "lat", "firm", "name", "phone", "email")


class FormError(UserError):
    """A field of the public form that cannot be taken (the message names it)."""


def _page(title: str, body: str, status: int = 200) -> flask.Response:
    html = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · 云南省淘汰落后产能举报</title>
<link rel="stylesheet" href="/assets/public/report.css">
<script src="/assets/public/report.js" defer></script></head>
<body class="public-report"><main class="report">{body}</main></body></html>"""
    resp = flask.Response(html, status=status, mimetype="text/html")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _input(name: str, label: str, values: dict, **attrs) -> str:
    extra = " ".join(f'{k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<label for="{name}">{label}</label>'
        f'<input id="{name}" name="{name}" value="{escape(values.get(name, ""))}" {extra}>'
    )


def form_page(values: dict | None = None, error: str = "", status: int = 200) -> flask.Response:
    values = values or {}
    kinds = "".join(
        f'<label class="choice"><input type="radio" name="kind" value="{escape(k.code)}"'
        f"{' checked' if values.get('kind') == k.code else ''} required>"
        f"<span><strong>{escape(k.name)}</strong> {escape(k.description)}</span></label>"
        for k in reports_policy().kinds.values()
    )
    alert = f'<p class="error" id="report-error" role="alert">{escape(error)}</p>' if error else ""
    body = f"""
<h1>淘汰落后产能举报</h1>
<p class="intro">省淘汰落后产能工作领导小组办公室集中受理举报，
甄别后移交能耗、环保、质量、安全、技术主管部门限期核查处理。提交后您会得到举报编号，凭编号可查询办理状态。</p>{alert}
<form method="post" action="/report" enctype="multipart/form-data" id="report-form">
<input type="hidden" name="csrf_token" value="{escape(generate_csrf())}">
<fieldset><legend>举报类别（必填）</legend>{kinds}</fieldset>
<label for="description">举报内容（必填）</label>
<textarea id="description" name="description" rows="6" maxlength="{MAX_DESCRIPTION}" required
>{escape(values.get("description", ""))}</textarea>
<fieldset><legend>位置（地图点选、地址或经纬度，任选其一）</legend>
<div class="map-frame">{province_svg()}</div>
<p class="hint" id="report-pick-text" aria-live="polite"></p>
{_input("address", "地址（如：曲靖市麒麟区某某路）", values, maxlength=MAX_FIELD)}
<div class="coords">
<div>{_input("lon", "经度", values, inputmode="decimal", maxlength="20")}</div>
<div>{_input("lat", "纬度", values, inputmode="decimal", maxlength="20")}</div>
</div></fieldset>
{_input("firm", "被举报企业名称（可不填）", values, maxlength=MAX_FIELD)}
<label for="photos">照片（可不填；最多 {MAX_PHOTOS} 张 JPEG 或 PNG，每张不超过
{MAX_INPUT_BYTES // (1024 * 1024)} MB；照片中的拍摄信息会被去除）</label>
<input type="file" id="photos" name="photos" accept="image/jpeg,image/png" multiple>
<fieldset><legend>联系方式（可不填；仅省办可见，不向任何部门和地方公开）</legend>
{_input("name", "姓名", values, maxlength=MAX_FIELD, autocomplete="name")}
{_input("phone", "电话", values, maxlength=MAX_FIELD, autocomplete="tel", inputmode="tel")}
{_input("email", "电子邮箱", values, maxlength=MAX_FIELD, autocomplete="email", type="email")}
</fieldset>
<div class="hp" aria-hidden="true">
<label for="{HONEYPOT}">网站（请勿填写）</label>
<input id="{HONEYPOT}" name="{HONEYPOT}" tabindex="-1" autocomplete="off">
</div>
<button type="submit" id="report-submit">提交举报</button>
</form>
{_lookup_form()}"""
    return _page("我要举报", body, status)


def _lookup_form(reference: str = "") -> str:
    return f"""<section class="lookup"><h2>查询办理状态</h2>
<form method="get" action="/report/status">
{_input("ref", "举报编号", {"ref": reference}, maxlength="40", required="required")}
<button type="submit" id="report-lookup">查询</button></form></section>"""


def state_page(reference: str, new: bool) -> flask.Response:
    found = read.state(flask.current_app.extensions["exitmap.reports_engine"], reference)
    if found is None:
        body = (
            "<h1>未找到举报</h1>"
            f'<p role="alert">没有编号为「{escape(reference[:40])}」的举报，请核对编号。</p>'
            + _lookup_form(reference)
            + '<p><a href="/report">我要举报</a></p>'
        )
        return _page("未找到举报", body, 404)
    kinds = reports_policy().kinds
    kind = kinds[found["service_code"]].name if found["service_code"] in kinds else ""
    received = found["requested_datetime"].astimezone(clock.ZONE)
    updated = found["updated_datetime"].astimezone(clock.ZONE)
    head = (
        '<h1>举报已受理</h1><p class="reference">您的举报编号：'
        f'<strong id="report-reference">{escape(reference)}</strong></p>'
        "<p>请妥善保存编号，凭编号可查询办理状态。</p>"
        if new
        else f'<h1>举报 <span id="report-reference">{escape(reference)}</span></h1>'
    )
    outcome = f"（{escape(found['outcome_label'])}）" if found["outcome_label"] else ""
    body = f"""{head}
<dl class="state">
<dt>类别</dt><dd>{escape(kind)}</dd>
<dt>办理状态</dt><dd id="report-state">{escape(found["label"])}{outcome}</dd>
<dt>受理时间</dt><dd>{received:%Y-%m-%d %H:%M}</dd>
<dt>最近更新</dt><dd>{updated:%Y-%m-%d %H:%M}</dd>
</dl>{_lookup_form()}<p><a href="/report">再次举报</a></p>"""
    return _page("办理状态", body)


def _number(raw: str, label: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise FormError(f"{label}应为数字，收到「{raw[:20]}」") from None
    if not low <= value <= high:
        raise FormError(f"{label}应在 {low} 与 {high} 之间")
    return value


def place_from(conn, values: dict) -> Place:
    """The place the form gives: a point (map or typed), else an address (etl.locate)."""
    lon, lat, address = values.get("lon"), values.get("lat"), values.get("address", "")
    if lon or lat:
        if not (lon and lat):
            raise FormError("经度和纬度须同时填写")
        return place_of_point(
            conn, _number(lon, "经度", -180, 180), _number(lat, "纬度", -90, 90), address or None
        )
    if not address:
        raise FormError("请在地图上选择位置，或填写地址")
    prefecture, county, outside = parse_address(address)
    if outside:
        raise FormError(f"地址「{address[:60]}」不在云南省内")
    return place_of_areas(conn, prefecture, county, address)


def photos_from(files) -> tuple:
    sent = [f for f in files if f and f.filename]
    if len(sent) > MAX_PHOTOS:
        raise FormError(f"照片最多 {MAX_PHOTOS} 张")
    return tuple(
        clean_photo(f.stream.read(MAX_INPUT_BYTES + 1), f"照片{i}（{f.filename[:40]}）")
        for i, f in enumerate(sent, start=1)
    )


def register(app, ctx) -> None:
    server = app.server
    engine = ctx.engine
    server.extensions["exitmap.reports_engine"] = engine

    @server.route("/report", methods=["GET", "POST"])
    @rule("public")
    @body_limit(MAX_BODY)
    def report_form():
        if flask.request.method == "GET":
            return form_page()
        guard_of(server).csrf()  # the guard leaves public routes to check their own
        form = flask.request.form
        values = {k: (form.get(k) or "").strip() for k in FIELDS}
        address = flask.request.remote_addr or ""
        now = clock.now()
        files = flask.request.files.getlist("photos")
        kept = values | {"photos": [f.filename[:80] for f in files if f and f.filename]}
        if attempts_since(engine, address, now - RATE_WINDOW) >= RATE:
            record_attempt(engine, now, address, "web", "rate_limited", kept)
            minutes = int(RATE_WINDOW.total_seconds() // 60)
            return form_page(
                values, f"提交过于频繁：同一地址 {minutes} 分钟内最多 {RATE} 次，请稍后再试。", 429
            )
        if form.get(HONEYPOT):
            record_attempt(
                engine, now, address, "web", "honeypot", kept | {HONEYPOT: form.get(HONEYPOT)[:200]}
            )
            return _page("已收到", "<h1>已收到</h1><p>感谢您的举报。</p>")
        try:
            kinds = reports_policy().kinds
            if values["kind"] not in kinds:
                raise FormError("请选择举报类别")
            with engine.connect() as conn:
                place = place_from(conn, values)
            intake = Intake(
                service_code=values["kind"],
                description=values["description"],
                place=place,
                channel="web",
                firm_named=values["firm"],
                contact=Contact(values["name"], values["phone"], values["email"]),
                photos=photos_from(files),
            )
            reference = file_report(engine, intake, now, address=address)
        except UserError as exc:
            record_attempt(engine, now, address, "web", "invalid", kept | {"error": str(exc)})
            return form_page(values, str(exc), 400)
        record(
            "report",
            reference,
            {"step": "receive", "channel": "web", "service_code": values["kind"]},
            username="public",
        )
        return flask.redirect(f"/report/{reference}?new=1", code=303)

    @server.route("/report/status")
    @rule("public")
    def report_lookup():
        reference = (flask.request.args.get("ref") or "").strip().upper()[:40]
        return state_page(reference, new=False)

    @server.route("/report/<reference>")
    @rule("public")
    def report_state(reference: str):
        return state_page(reference[:40], new=flask.request.args.get("new") == "1")

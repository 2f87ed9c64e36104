"""Reports for the tests: a fixed day, a place in each of a few prefectures, filing one."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import sqlalchemy as sa

from exitmap.clock import ZONE
from exitmap.db import app_database_url, scoped_engine
from reports.intake import Contact, Intake, file_report
from reports.routing import Place, place_of_point

# 2026-03-02 10:00 in the province: the day every test report is received.
RECEIVED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ZONE)
# (lon, lat) → prefecture adcode: points well inside a county of each.
POINTS = {
    "kunming": ((102.712, 25.040), 530100),
    "qujing": ((103.797, 25.490), 530300),
    "dali": ((100.225, 25.590), 532900),
    "honghe": ((103.384, 23.367), 532500),
    "xishuangbanna": ((100.797, 22.008), 532800),
}
CONTACT = {"name": "举报人张三", "phone": "13912345678", "email": "zhangsan@example.cn"}


def app_engine(owner: sa.Engine) -> sa.Engine:
    """The app role's engine over the owner's database (row-level security holds it)."""
    return scoped_engine(app_database_url(owner.url.render_as_string(hide_password=False)))


def intake(code: str = "environment", where: str = "kunming", contact: bool = True, **extra):
    (lon, lat), prefecture = POINTS[where]
    return Intake(
        service_code=code,
        description=extra.pop("description", f"{where}某厂{code}问题，夜间偷偷生产"),
        place=Place(prefecture, None, lon, lat),
        contact=Contact(**CONTACT) if contact else Contact(),
        **extra,
    )


def file(engine: sa.Engine, code: str = "environment", where: str = "kunming", **extra) -> str:
    """File a report received at RECEIVED, placed by PostGIS; its reference."""
    report = intake(code, where, **extra)
    with engine.connect() as conn:
        place = place_of_point(conn, report.place.lon, report.place.lat)
    return file_report(engine, replace(report, place=place), RECEIVED)

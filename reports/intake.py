"""A new report written, whoever brings it: the public page, a platform's API, the office.

One transaction: the report (state ``received``, routed and with its deadlines), its first
event, the reporter's contact apart, the photos, and the submission's record. Every submission
— a honeypot's, one over the rate, an invalid one — leaves a ``report_attempt`` row
(``record_attempt``), so that nothing sent is lost and the rate per address can be counted.

The id comes from the sequence first: the public's session may add a report but not read it,
so INSERT … RETURNING is not open to it.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa

from exitmap.clock import ZONE
from exitmap.errors import UserError
from exitmap.policy.reports import ReportPolicy, reports_policy
from reports.photos import MAX_PHOTOS, Photo
from reports.routing import Place, deadlines

CHANNELS = ("web", "open311", "phone", "letter")
MAX_DESCRIPTION = 4000
MAX_FIELD = 200
# No 0/O, 1/I/L: a reference read out over the telephone.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

INSERT_REPORT = """
INSERT INTO report (id, service_request_id, service_code, description, lat, long, address_string,
    prefecture_adcode, county_adcode, firm_named, enterprise_id, channel, platform, status,
    agency_responsible, requested_datetime, updated_datetime, acknowledge_datetime,
    expected_datetime)
VALUES (:id, :reference, :code, :description, :lat, :lon, :address, :prefecture, :county,
    :firm, :enterprise, :channel, :platform, 'received', :agency, :now, :now, :ack, :expected)
"""
INSERT_EVENT = """
INSERT INTO report_event (report_id, at, actor, actor_role, step, from_status, to_status,
    outcome, department, notes)
VALUES (:report_id, :at, :actor, :role, :step, :from_status, :to_status, :outcome, :department,
    :notes)
"""
INSERT_CONTACT = """
INSERT INTO report_contact (report_id, name, phone, email) VALUES (:id, :name, :phone, :email)
"""
INSERT_PHOTO = """
INSERT INTO report_photo (report_id, media_type, content, width, height, sha256)
VALUES (:id, :media_type, :content, :width, :height, :sha256)
"""
INSERT_ATTEMPT = """
INSERT INTO report_attempt (at, address, channel, outcome, report_id, payload)
VALUES (:at, :address, :channel, :outcome, :report_id, CAST(:payload AS jsonb))
"""


class IntakeError(UserError):
    """A report that cannot be filed as sent (the message names the field)."""


@dataclass(frozen=True)
class Contact:
    name: str = ""
    phone: str = ""
    email: str = ""

    def given(self) -> bool:
        return bool(self.name or self.phone or self.email)


@dataclass(frozen=True)
class Intake:
    service_code: str
    description: str
    place: Place
    channel: str = "web"
    firm_named: str = ""
    platform: str | None = None
    contact: Contact = field(default_factory=Contact)
    photos: tuple[Photo, ...] = ()


def check(intake: Intake, policy: ReportPolicy | None = None) -> None:
    """IntakeError naming the first field that cannot be taken."""
    policy = policy or reports_policy()
    if intake.service_code not in policy.kinds:
        raise IntakeError(
            f"举报类别（service_code）应为 {'、'.join(policy.kinds)} 之一，"
            f"收到「{intake.service_code[:40]}」"
        )
    if not intake.description.strip():
        raise IntakeError("请填写举报内容（description）")
    if len(intake.description) > MAX_DESCRIPTION:
        raise IntakeError(f"举报内容（description）不能超过 {MAX_DESCRIPTION} 字")
    if intake.channel not in CHANNELS:
        raise IntakeError(f"来源渠道应为 {'、'.join(CHANNELS)} 之一")
    if len(intake.photos) > MAX_PHOTOS:
        raise IntakeError(f"照片最多 {MAX_PHOTOS} 张")
    texts = {
        "被举报企业": intake.firm_named,
        "地址": intake.place.address or "",
        "联系人": intake.contact.name,
        "电话": intake.contact.phone,
        "电子邮箱": intake.contact.email,
    }
    for label, text in texts.items():
        if len(text) > MAX_FIELD:
            raise IntakeError(f"{label}不能超过 {MAX_FIELD} 字")


def new_reference(now: dt.datetime) -> str:
    tail = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))
    return f"JB{now.astimezone(ZONE):%Y%m%d}-{tail}"


def file_report(
    engine: sa.Engine,
    intake: Intake,
    now: dt.datetime,
    *,
    actor: str = "公众",
    actor_role: str = "public",
    address: str = "",
    policy: ReportPolicy | None = None,
) -> str:
    """Write the report; its reference (Open311 service_request_id)."""
    policy = policy or reports_policy()
    check(intake, policy)
    kind = policy.kind(intake.service_code)
    due = deadlines(kind, now)
    reference = new_reference(now)
    place = intake.place
    with engine.begin() as conn:
        report_id = conn.execute(sa.text("SELECT nextval('report_id_seq')")).scalar_one()
        firm = intake.firm_named.strip()
        enterprise = (
            conn.execute(sa.text("SELECT exitmap_enterprise_named(:n)"), {"n": firm}).scalar()
            if firm
            else None
        )
        conn.execute(
            sa.text(INSERT_REPORT),
            {
                "id": report_id,
                "reference": reference,
                "code": kind.code,
                "description": intake.description.strip(),
                "lat": place.lat,
                "lon": place.lon,
                "address": place.address or None,
                "prefecture": place.prefecture,
                "county": place.county,
                "firm": firm or None,
                "enterprise": enterprise,
                "channel": intake.channel,
                "platform": intake.platform,
                "agency": kind.department,
                "now": now,
                "ack": due.acknowledge,
                "expected": due.expected,
            },
        )
        conn.execute(
            sa.text(INSERT_EVENT),
            {
                "report_id": report_id,
                "at": now,
                "actor": actor,
                "role": actor_role,
                "step": "receive",
                "from_status": None,
                "to_status": "received",
                "outcome": None,
                "department": kind.department,
                "notes": "",
            },
        )
        if intake.contact.given():
            contact = intake.contact
            conn.execute(
                sa.text(INSERT_CONTACT),
                {
                    "id": report_id,
                    "name": contact.name or None,
                    "phone": contact.phone or None,
                    "email": contact.email or None,
                },
            )
        for photo in intake.photos:
            conn.execute(
                sa.text(INSERT_PHOTO),
                {
                    "id": report_id,
                    "media_type": photo.media_type,
                    "content": photo.content,
                    "width": photo.width,
                    "height": photo.height,
                    "sha256": photo.sha256,
                },
            )
        _attempt(conn, now, address, intake.channel, "filed", report_id, {"reference": reference})
    return reference


def record_attempt(
    engine: sa.Engine, now: dt.datetime, address: str, channel: str, outcome: str, payload: dict
) -> None:
    """Keep a submission that was not filed (honeypot, rate, invalid), with what it said."""
    with engine.begin() as conn:
        _attempt(conn, now, address, channel, outcome, None, payload)


def _attempt(conn, now, address, channel, outcome, report_id, payload) -> None:
    conn.execute(
        sa.text(INSERT_ATTEMPT),
        {
            "at": now,
            "address": address or "",
            "channel": channel,
            "outcome": outcome,
            "report_id": report_id,
            "payload": json.dumps(payload, ensure_ascii=False, default=str),
        },
    )


def attempts_since(engine: sa.Engine, address: str, since: dt.datetime) -> int:
    """Submissions from ``address`` after ``since`` (any outcome): the rate limit's count."""
    with engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT exitmap_report_attempts(:a, :s)"), {"a": address or "", "s": since}
        ).scalar_one()

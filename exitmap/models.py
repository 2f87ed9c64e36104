"""The schema: what the product tracks (see shared domain brief §1, §3, §4, §6).

Units of equipment are the atoms: each belongs to an enterprise, sits in a county, and carries
its exit category and current status; its history of statuses lives in ``unit_event`` so that
any past date can be replayed. Migrations in ``exitmap/migrations`` build exactly this.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


DatePrecision = sa.Enum("day", "month", name="date_precision")
LocationPrecision = sa.Enum("exact", "county", "prefecture", name="location_precision")


class Prefecture(Base):
    __tablename__ = "prefecture"
    adcode: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.Text, unique=True)
    short_name: Mapped[str] = mapped_column(sa.Text)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)


class County(Base):
    __tablename__ = "county"
    adcode: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.Text)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True), nullable=False)


class LoadRecord(Base):
    """One loaded file (or one generated/imported source), and what became of its rows."""

    __tablename__ = "load_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.Text)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    source: Mapped[str] = mapped_column(sa.Text, default="register")
    loaded_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    # When the system learned what the file says: the load's time, or a backfilled date.
    recorded_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    mode: Mapped[str] = mapped_column(sa.Text)  # strict | partial
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_ok: Mapped[int] = mapped_column(default=0)
    rows_warning: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    units_inserted: Mapped[int] = mapped_column(default=0)
    units_updated: Mapped[int] = mapped_column(default=0)
    units_unchanged: Mapped[int] = mapped_column(default=0)
    # A register accepted in the app (migration 0006): its submission and who accepted it.
    submission_id: Mapped[int | None] = mapped_column(sa.Integer)
    accepted_by: Mapped[str | None] = mapped_column(sa.Text)


class Enterprise(Base):
    """A firm. Keyed by its 统一社会信用代码; sources without one (GEM) use their own id."""

    __tablename__ = "enterprise"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.Text, unique=True)
    credit_code: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    name: Mapped[str] = mapped_column(sa.Text)
    # Checked once per load, not per row (migration 0003).
    prefecture_adcode: Mapped[int | None] = mapped_column(sa.Integer)
    county_adcode: Mapped[int | None] = mapped_column(sa.Integer)


class Unit(Base):
    """A unit of equipment (a line, a furnace, a kiln) as the latest register describes it."""

    __tablename__ = "unit"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_key: Mapped[str] = mapped_column(sa.Text, unique=True)
    key_derived: Mapped[bool] = mapped_column(default=False)
    # References without foreign keys: the loader checks them once per load (see migration 0001).
    enterprise_id: Mapped[int] = mapped_column(sa.Integer)
    sector: Mapped[str] = mapped_column(sa.Text)
    sub_industry: Mapped[str] = mapped_column(sa.Text)
    equipment_name: Mapped[str] = mapped_column(sa.Text)
    equipment_no: Mapped[str | None] = mapped_column(sa.Text)
    spec: Mapped[str | None] = mapped_column(sa.Text)
    spec_value: Mapped[float | None] = mapped_column(sa.Float)
    spec_unit: Mapped[str | None] = mapped_column(sa.Text)
    capacity_wt: Mapped[float | None] = mapped_column(sa.Float)
    energy_tce: Mapped[float | None] = mapped_column(sa.Float)
    electricity_10k_kwh: Mapped[float | None] = mapped_column(sa.Float)
    category: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text)
    identified_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    identified_date_precision = mapped_column(DatePrecision)
    rectify_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    rectify_deadline_precision = mapped_column(DatePrecision)
    planned_exit_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    planned_exit_date_precision = mapped_column(DatePrecision)
    actual_exit_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    actual_exit_date_precision = mapped_column(DatePrecision)
    exit_method: Mapped[str | None] = mapped_column(sa.Text)
    workers: Mapped[int | None] = mapped_column(sa.Integer)
    address: Mapped[str | None] = mapped_column(sa.Text)
    remarks: Mapped[str | None] = mapped_column(sa.Text)
    declared_prefecture: Mapped[str | None] = mapped_column(sa.Text)
    declared_county: Mapped[str | None] = mapped_column(sa.Text)
    prefecture_adcode: Mapped[int] = mapped_column(sa.Integer)
    county_adcode: Mapped[int | None] = mapped_column(sa.Integer)
    location_precision = mapped_column(LocationPrecision, nullable=False)
    # No spatial index: no view filters units by area (see migration 0001).
    geom = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    source: Mapped[str] = mapped_column(sa.Text, default="register")  # register | gem
    source_detail: Mapped[str | None] = mapped_column(sa.Text)
    synthetic: Mapped[bool] = mapped_column(default=False)
    first_load_id: Mapped[int] = mapped_column(sa.Integer)
    last_load_id: Mapped[int] = mapped_column(sa.Integer)


class UnitObservation(Base):
    """What one load said of a unit, and from which date it holds (migration 0004)."""

    __tablename__ = "unit_observation"
    __table_args__ = (sa.Index("ix_unit_observation_unit", "unit_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)  # the order in which they were recorded
    unit_id: Mapped[int] = mapped_column(sa.Integer)
    load_id: Mapped[int] = mapped_column(sa.Integer)
    observed_on: Mapped[dt.date] = mapped_column(sa.Date)  # the register's --as-of
    valid_from: Mapped[dt.date] = mapped_column(sa.Date)  # its 实际退出日期 for an exit
    status: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str | None] = mapped_column(sa.Text)
    rectify_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    actual_exit_date: Mapped[dt.date | None] = mapped_column(sa.Date)


class UnitEvent(Base):
    """A unit's state from a date on (valid time), as recorded by one load (record time).

    The rows of one unit with the same ``recorded_at`` are one version of its timeline, derived
    from its observations (etl/history.py); a later version closes them (``superseded_at``).
    """

    __tablename__ = "unit_event"
    # One state per unit per day among the current rows; the index also serves as-of lookups.
    __table_args__ = (
        sa.Index(
            "ix_unit_event_current",
            "unit_id",
            "event_date",
            unique=True,
            postgresql_where=sa.text("superseded_at IS NULL"),
        ),
        # The standing's summary reads the current in-scope versions from here alone (the unit
        # too, for its join of the holds: migration 0012).
        sa.Index(
            "ix_unit_event_as_of",
            "event_date",
            postgresql_include=[
                "valid_to",
                "u_prefecture_adcode",
                "u_sector",
                "u_sub_industry",
                "e_category",
                "status",
                "u_energy_tce",
                "u_electricity_10k_kwh",
                "e_is_exit",
                "e_exit_date",
                "e_is_rectified",
                "e_deadline",
                "unit_id",
            ],
            postgresql_where=sa.text("superseded_at IS NULL AND e_category IS NOT NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.Integer)  # unit.id, checked by the loader
    event_date: Mapped[dt.date] = mapped_column(sa.Date)
    # None: a derived state the register did not state (before its first date).
    status: Mapped[str | None] = mapped_column(sa.Text)
    previous_status: Mapped[str | None] = mapped_column(sa.Text)
    category: Mapped[str | None] = mapped_column(sa.Text)
    rectify_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    actual_exit_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    load_id: Mapped[int] = mapped_column(sa.Integer)  # load_record.id
    # History facts kept by triggers (migration 0002): the next event's date (None:
    # still current), whether an extension was granted by now, when the current exit began.
    valid_to: Mapped[dt.date | None] = mapped_column(sa.Date)
    ever_extended: Mapped[bool] = mapped_column(server_default=sa.false())
    exit_since: Mapped[dt.date | None] = mapped_column(sa.Date)
    # A copy of the unit's register fields (migration 0002): the as-of views read one table.
    u_prefecture_adcode: Mapped[int | None] = mapped_column(sa.Integer)
    u_sector: Mapped[str | None] = mapped_column(sa.Text)
    u_sub_industry: Mapped[str | None] = mapped_column(sa.Text)
    u_energy_tce: Mapped[float | None] = mapped_column(sa.Float)
    u_electricity_10k_kwh: Mapped[float | None] = mapped_column(sa.Float)
    u_category: Mapped[str | None] = mapped_column(sa.Text)
    u_identified_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    u_identified_date_precision = mapped_column(DatePrecision)
    u_rectify_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    u_rectify_deadline_precision = mapped_column(DatePrecision)
    u_actual_exit_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    u_actual_exit_date_precision = mapped_column(DatePrecision)
    # Its evaluation under the policy, independent of the date looked from (migration 0002).
    e_category: Mapped[str | None] = mapped_column(sa.Text)
    e_rectify_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    e_exit_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    e_deadline_kind: Mapped[str | None] = mapped_column(sa.Text)
    e_fixed_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    e_base_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    e_cap_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    e_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    e_must_suspend: Mapped[bool | None] = mapped_column(sa.Boolean)
    e_is_exit: Mapped[bool | None] = mapped_column(sa.Boolean)
    e_is_rectified: Mapped[bool | None] = mapped_column(sa.Boolean)
    e_is_operating: Mapped[bool | None] = mapped_column(sa.Boolean)
    # Record time (migration 0004).
    recorded_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    superseded_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    derived: Mapped[bool] = mapped_column(server_default=sa.false())


class PolicyCategory(Base):
    """The deadline rule of each 退出类别: policy data mirrored for the evaluation in SQL."""

    __tablename__ = "policy_category"
    category: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    fixed_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    months: Mapped[int | None] = mapped_column(sa.Integer)
    extension_months: Mapped[int | None] = mapped_column(sa.Integer)
    must_suspend: Mapped[bool] = mapped_column(sa.Boolean)


class StatusClass(Base):
    """Which 当前状态 values are exits, extensions…: policy data mirrored for SQL triggers."""

    __tablename__ = "status_class"
    status: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    class_: Mapped[str] = mapped_column("class", sa.Text, primary_key=True)


class ExitTask(Base):
    """An exit task handed to a prefecture: what must go by when (counts and energy)."""

    __tablename__ = "exit_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"), index=True)
    category: Mapped[str] = mapped_column(sa.Text)
    sub_industry: Mapped[str | None] = mapped_column(sa.Text)
    deadline: Mapped[dt.date] = mapped_column(sa.Date)
    target_units: Mapped[int | None] = mapped_column(sa.Integer)
    target_energy_tce: Mapped[float | None] = mapped_column(sa.Float)
    document: Mapped[str | None] = mapped_column(sa.Text)


class QuotaEntry(Base):
    """Energy-quota ledger: allocations of released quota to local projects (debits)."""

    __tablename__ = "quota_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"), index=True)
    entry_date: Mapped[dt.date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.Text)  # allocation | adjustment
    amount_tce: Mapped[float] = mapped_column(sa.Float)
    project: Mapped[str | None] = mapped_column(sa.Text)
    document: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    __table_args__ = (sa.CheckConstraint("amount_tce > 0", name="ck_quota_entry_positive"),)


class FreezeDecision(Base):
    """A recorded 区域限批 decision (document, start, lift) — the rule's trigger is computed."""

    __tablename__ = "freeze_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"), index=True)
    document_no: Mapped[str] = mapped_column(sa.Text)
    start_date: Mapped[dt.date] = mapped_column(sa.Date)
    lift_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    lift_document_no: Mapped[str | None] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    lift_recorded_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class QuarantineRow(Base):
    """A rejected register row kept whole, with its reasons (``exitmap load --partial``)."""

    __tablename__ = "quarantine_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(sa.ForeignKey("load_record.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(sa.Text)
    sheet: Mapped[str] = mapped_column(sa.Text)
    row_number: Mapped[int] = mapped_column(sa.Integer)
    raw = mapped_column(JSONB, nullable=False)
    reasons: Mapped[str] = mapped_column(sa.Text)


# Who may do what (migration 0005; written and read by access/). -----------------------------


class AppUser(Base):
    """A user: the role and scope of every caller come from here, never from a provider."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.Text, unique=True)
    display_name: Mapped[str] = mapped_column(sa.Text, server_default="")
    role: Mapped[str] = mapped_column(sa.Text)
    prefecture_adcode: Mapped[int | None] = mapped_column(sa.ForeignKey("prefecture.adcode"))
    department: Mapped[str | None] = mapped_column(sa.Text)
    # None: signs in only through the identity provider (OpenID Connect).
    password_hash: Mapped[str | None] = mapped_column(sa.Text)
    disabled: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    created_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    updated_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('province', 'department', 'prefecture', 'leader')", name="app_user_role"
        ),
        sa.CheckConstraint(
            "(role = 'prefecture') = (prefecture_adcode IS NOT NULL)", name="app_user_prefecture"
        ),
        sa.CheckConstraint(
            "(role = 'department') = (department IS NOT NULL)", name="app_user_department"
        ),
    )


class ApiToken(Base):
    """A bearer token of the read API: only its SHA-256 is kept."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    last_used_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class LoginFailure(Base):
    """A failed sign-in, for the lockout per account and per address."""

    __tablename__ = "login_failure"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(sa.Text)
    address: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    __table_args__ = (
        sa.Index("ix_login_failure_username_at", "username", "at"),
        sa.Index("ix_login_failure_address_at", "address", "at"),
    )


class AuditLog(Base):
    """Who did what, when, in which scope, from where: appended, never changed."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    username: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text)
    scope: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    target: Mapped[str] = mapped_column(sa.Text, server_default="")
    params = mapped_column(JSONB, nullable=False, server_default="{}")
    row_count: Mapped[int | None] = mapped_column(sa.Integer)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    address: Mapped[str | None] = mapped_column(sa.Text)
    user_agent: Mapped[str | None] = mapped_column(sa.Text)
    __table_args__ = (
        sa.Index("ix_audit_log_at", "at"),
        sa.Index("ix_audit_log_username_at", "username", "at"),
    )


# Registers submitted in the app and the worker's jobs (migration 0006; submissions/). ---------


class Submission(Base):
    """An upload kept whole, valid or not: file, SHA-256, report, who, when, its state."""

    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"), index=True)
    file_name: Mapped[str] = mapped_column(sa.Text)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    as_of: Mapped[dt.date] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.Text, server_default="draft", index=True)
    summary = mapped_column(JSONB)
    report = mapped_column(JSONB)
    annotated: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    units = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    load_id: Mapped[int | None] = mapped_column(sa.ForeignKey("load_record.id"))
    accepted_by: Mapped[str | None] = mapped_column(sa.Text)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('draft', 'submitted', 'returned', 'accepted', 'reopened')",
            name="submission_state",
        ),
        sa.CheckConstraint("octet_length(content) > 0", name="submission_content"),
    )


class SubmissionTransition(Base):
    """One change of a submission's state: who, when, and the comment or reason."""

    __tablename__ = "submission_transition"
    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    to_state: Mapped[str] = mapped_column(sa.Text)
    username: Mapped[str] = mapped_column(sa.Text)
    role: Mapped[str] = mapped_column(sa.Text)
    comment: Mapped[str] = mapped_column(sa.Text, server_default="")
    at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class Job(Base):
    """Work for ``exitmap worker``: its progress, heartbeat and, when it failed, why."""

    __tablename__ = "job"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submission.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(sa.Text, server_default="queued", index=True)
    progress: Mapped[float] = mapped_column(sa.Float, server_default="0")
    step: Mapped[str] = mapped_column(sa.Text, server_default="")
    message: Mapped[str] = mapped_column(sa.Text, server_default="")
    attempts: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    worker: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    started_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    params = mapped_column(JSONB, nullable=False, server_default=sa.text("'{}'"))
    result = mapped_column(JSONB)
    __table_args__ = (
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="job_state"),
        sa.Index(
            "ux_job_one_acceptance",
            "submission_id",
            unique=True,
            postgresql_where=sa.text("kind = 'accept' AND state IN ('queued', 'running')"),
        ),
    )


class DecisionDraft(Base):
    """A decision drafted by one user, applied when another approves it (maker–checker)."""

    __tablename__ = "decision_draft"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.Text)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"))
    params = mapped_column(JSONB, nullable=False)
    document_name: Mapped[str | None] = mapped_column(sa.Text)
    document_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    document_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    state: Mapped[str] = mapped_column(sa.Text, server_default="draft", index=True)
    drafted_by: Mapped[str] = mapped_column(sa.Text)
    drafted_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    approved_by: Mapped[str | None] = mapped_column(sa.Text)
    approved_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decision_id: Mapped[int | None] = mapped_column(sa.Integer)
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('freeze_decide', 'freeze_lift', 'quota_allocate', 'annual_target')",
            name="decision_draft_kind",
        ),
        sa.CheckConstraint("state IN ('draft', 'approved')", name="decision_draft_state"),
        sa.CheckConstraint(
            "approved_by IS NULL OR approved_by <> drafted_by", name="decision_draft_two_people"
        ),
        sa.CheckConstraint(
            "(document_pdf IS NULL) = (document_sha256 IS NULL)",
            name="decision_draft_document_digest",
        ),
    )


class ReplacementProject(Base):
    """产能置换: a new project under total-volume control, built on exited capacity."""

    __tablename__ = "replacement_project"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    enterprise: Mapped[str] = mapped_column(sa.Text)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"))
    county_adcode: Mapped[int | None] = mapped_column(sa.ForeignKey("county.adcode"))
    sub_industry: Mapped[str] = mapped_column(sa.Text)
    new_capacity_wt: Mapped[float] = mapped_column(sa.Float)
    ratio: Mapped[float] = mapped_column(sa.Float)  # the rule's ratio when approved
    document_no: Mapped[str] = mapped_column(sa.Text)
    approved_on: Mapped[dt.date] = mapped_column(sa.Date)
    recorded_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    __table_args__ = (
        sa.CheckConstraint("new_capacity_wt > 0", name="ck_replacement_capacity_positive"),
        sa.Index("ix_replacement_project_prefecture", "prefecture_adcode"),
    )


class ReplacementUse(Base):
    """How much of an exited unit's capacity a replacement project uses."""

    __tablename__ = "replacement_use"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        sa.ForeignKey("replacement_project.id", ondelete="CASCADE")
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    capacity_wt: Mapped[float] = mapped_column(sa.Float)
    __table_args__ = (
        sa.UniqueConstraint("project_id", "unit_id", name="uq_replacement_use_unit"),
        sa.CheckConstraint("capacity_wt > 0", name="ck_replacement_use_positive"),
        sa.Index("ix_replacement_use_unit", "unit_id"),
    )


class Inspection(Base):
    """督导检查: a visit of the office's inspection team to a prefecture."""

    __tablename__ = "inspection"
    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"))
    visited_on: Mapped[dt.date] = mapped_column(sa.Date)
    team: Mapped[str] = mapped_column(sa.Text)
    summary: Mapped[str] = mapped_column(sa.Text, server_default="")
    recorded_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    __table_args__ = (sa.Index("ix_inspection_prefecture", "prefecture_adcode"),)


class InspectionFinding(Base):
    """What an inspection found, the rectification demanded by a deadline, and its closing."""

    __tablename__ = "inspection_finding"
    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(sa.ForeignKey("inspection.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    finding: Mapped[str] = mapped_column(sa.Text)
    demand: Mapped[str] = mapped_column(sa.Text)
    deadline: Mapped[dt.date] = mapped_column(sa.Date)
    closed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    closed_note: Mapped[str | None] = mapped_column(sa.Text)
    closed_by: Mapped[str | None] = mapped_column(sa.Text)
    __table_args__ = (sa.Index("ix_inspection_finding_inspection", "inspection_id"),)


class ResettlementPlan(Base):
    """职工安置: an exiting firm's workers and how they are resettled, by channel."""

    __tablename__ = "resettlement_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), unique=True)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"))
    workers: Mapped[int] = mapped_column(sa.Integer)
    transferred: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    reemployed: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    retired: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    insured: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    other: Mapped[int] = mapped_column(sa.Integer, server_default="0")
    funds_10k_yuan: Mapped[float | None] = mapped_column(sa.Float)
    plan_date: Mapped[dt.date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.Text)
    recorded_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    __table_args__ = (
        sa.CheckConstraint(
            "transferred + reemployed + retired + insured + other <= workers",
            name="ck_resettlement_within_workers",
        ),
    )


class ExitedSite(Base):
    """The land of an exited unit's site: area, land right, what became of it and when."""

    __tablename__ = "exited_site"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), unique=True)
    area_mu: Mapped[float] = mapped_column(sa.Float)
    land_right: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[str] = mapped_column(sa.Text)
    outcome_date: Mapped[dt.date] = mapped_column(sa.Date)
    recorded_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    __table_args__ = (
        sa.CheckConstraint("area_mu > 0", name="ck_exited_site_area_positive"),
        sa.CheckConstraint("land_right IN ('划拨', '出让')", name="ck_exited_site_right"),
        sa.CheckConstraint(
            "outcome IN ('收回', '转让', '转产', '闲置')", name="ck_exited_site_outcome"
        ),
    )


# Reports from the public (migration 0007; written and read by reports/). ---------------------


class Report(Base):
    """One report (举报), with the field names of Open311 GeoReport v2 where it has them."""

    __tablename__ = "report"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_request_id: Mapped[str] = mapped_column(sa.Text, unique=True)  # the reference
    service_code: Mapped[str] = mapped_column(sa.Text)  # the kind (data/policy/reports.toml)
    description: Mapped[str] = mapped_column(sa.Text)
    lat: Mapped[float | None] = mapped_column(sa.Float)
    long: Mapped[float | None] = mapped_column(sa.Float)
    address_string: Mapped[str | None] = mapped_column(sa.Text)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"), index=True)
    county_adcode: Mapped[int | None] = mapped_column(sa.ForeignKey("county.adcode"))
    firm_named: Mapped[str | None] = mapped_column(sa.Text)
    enterprise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id", ondelete="SET NULL")
    )
    # The unit a substantiated report concerns (unit.unit_key), named when it is closed.
    unit_key: Mapped[str | None] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.Text)
    platform: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text, index=True)
    screening: Mapped[str | None] = mapped_column(sa.Text)
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    agency_responsible: Mapped[str] = mapped_column(sa.Text)
    requested_datetime: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_datetime: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    acknowledge_datetime: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    expected_datetime: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    acknowledged_datetime: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    closed_datetime: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    __table_args__ = (
        sa.CheckConstraint("char_length(description) <= 4000", name="report_description_size"),
        sa.CheckConstraint(
            "channel IN ('web', 'open311', 'phone', 'letter')", name="report_channel"
        ),
        sa.CheckConstraint(
            "status IN ('received', 'screened', 'assigned', 'investigating', 'closed')",
            name="report_status",
        ),
        sa.CheckConstraint(
            "screening IS NULL OR screening IN ('valid', 'duplicate', 'out_of_scope')",
            name="report_screening",
        ),
        sa.CheckConstraint(
            "resolution IS NULL OR resolution IN ('substantiated', 'unsubstantiated', 'referred')",
            name="report_resolution",
        ),
    )


class ReportEvent(Base):
    """Every step taken on a report: who, when, from which state to which, with notes."""

    __tablename__ = "report_event"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(sa.Text)
    actor_role: Mapped[str] = mapped_column(sa.Text)
    step: Mapped[str] = mapped_column(sa.Text)
    from_status: Mapped[str | None] = mapped_column(sa.Text)
    to_status: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    department: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str] = mapped_column(sa.Text, server_default="")
    __table_args__ = (
        sa.CheckConstraint("char_length(notes) <= 4000", name="report_event_notes_size"),
    )


class ReportContact(Base):
    """The reporter, apart: only the office's sessions may read it (its own policy)."""

    __tablename__ = "report_contact"
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    name: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.Text)
    email: Mapped[str | None] = mapped_column(sa.Text)


class ReportPhoto(Base):
    """A photo, re-encoded without its metadata; bounded in size by the database too."""

    __tablename__ = "report_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), index=True
    )
    media_type: Mapped[str] = mapped_column(sa.Text)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    width: Mapped[int] = mapped_column(sa.Integer)
    height: Mapped[int] = mapped_column(sa.Integer)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    __table_args__ = (
        sa.CheckConstraint("octet_length(content) <= 2000000", name="report_photo_size"),
        sa.CheckConstraint("media_type IN ('image/jpeg', 'image/png')", name="report_photo_type"),
    )


class ReportAttempt(Base):
    """Every submission, kept whatever became of it (filed, honeypot, over the rate, invalid);
    the rate per address counts these. Only the office reads it."""

    __tablename__ = "report_attempt"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    address: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.Text)
    outcome: Mapped[str] = mapped_column(sa.Text)
    report_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report.id", ondelete="SET NULL"))
    payload = mapped_column(JSONB, nullable=False, server_default="{}")
    __table_args__ = (sa.Index("ix_report_attempt_address_at", "address", "at"),)


class Open311Key(Base):
    """An API key of a platform that files reports (the 12345 hotline…): only its SHA-256."""

    __tablename__ = "open311_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(sa.Text, unique=True)
    key_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime | None] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    revoked_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class UnitHold(Base):
    """A unit whose exit a substantiated report disputes (it is producing again): its released
    quota is held from ``held_from`` until the office decides (``released_on``). The exit
    stays in the history — disputed, not undone."""

    __tablename__ = "unit_hold"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"))
    prefecture_adcode: Mapped[int] = mapped_column(sa.Integer)
    held_from: Mapped[dt.date] = mapped_column(sa.Date)
    released_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    decision: Mapped[str | None] = mapped_column(sa.Text)
    # Record times (migration 0010): a view as known on a day holds what was recorded by then.
    recorded_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    released_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class AnnualTarget(Base):
    """One line of a prefecture's annual targets (目标任务): units to exit and/or tce to release,
    for all categories or one (and/or a sub-industry), by ``due``; set by two people. Set
    again, the line in force is replaced (``replaced_at``) and kept."""

    __tablename__ = "annual_target"
    id: Mapped[int] = mapped_column(primary_key=True)
    prefecture_adcode: Mapped[int] = mapped_column(sa.ForeignKey("prefecture.adcode"))
    year: Mapped[int] = mapped_column(sa.Integer)
    category: Mapped[str | None] = mapped_column(sa.Text)
    sub_industry: Mapped[str | None] = mapped_column(sa.Text)
    units: Mapped[int | None] = mapped_column(sa.Integer)
    tce: Mapped[float | None] = mapped_column(sa.Float)
    due: Mapped[dt.date] = mapped_column(sa.Date)
    document_no: Mapped[str | None] = mapped_column(sa.Text)
    drafted_by: Mapped[str] = mapped_column(sa.Text)
    approved_by: Mapped[str] = mapped_column(sa.Text)
    recorded_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    replaced_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    __table_args__ = (
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="ck_annual_target_year"),
        sa.CheckConstraint("units IS NULL OR units > 0", name="ck_annual_target_units"),
        sa.CheckConstraint("tce IS NULL OR tce > 0", name="ck_annual_target_tce"),
        sa.CheckConstraint("due >= make_date(year, 1, 1)", name="ck_annual_target_due"),
        sa.CheckConstraint("approved_by <> drafted_by", name="ck_annual_target_two_people"),
        sa.Index(
            "ux_annual_target_line",
            "prefecture_adcode",
            "year",
            sa.text("COALESCE(category, '')"),
            sa.text("COALESCE(sub_industry, '')"),
            unique=True,
            postgresql_where=sa.text("replaced_at IS NULL"),
        ),
    )


class AnnualTargetUnit(Base):
    """A unit a target line names: it must have exited by the line's due date."""

    __tablename__ = "annual_target_unit"
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("annual_target.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"), primary_key=True)


class DataVersion(Base):
    """One row: how many committed transactions have written data (migration 0013's triggers).
    The caches key what they keep by it."""

    __tablename__ = "data_version"
    one: Mapped[bool] = mapped_column(sa.Boolean, primary_key=True, server_default=sa.true())
    n: Mapped[int] = mapped_column(sa.BigInteger)
    __table_args__ = (sa.CheckConstraint("one", name="ck_data_version_one_row"),)


class DataChangePending(Base):
    """A transaction that wrote data and has not committed yet; its commit counts it."""

    __tablename__ = "data_change_pending"
    xid: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)

"""What a validation job does: read the stored upload, check it, keep the report, the marked
copy and what its rows say of their units beside it."""

from __future__ import annotations

import json
from collections.abc import Callable

import polars as pl
import sqlalchemy as sa

from etl.pipeline import Prepared
from submissions import jobs
from submissions.annotate import annotated
from submissions.report import frictionless, summary
from submissions.validate import validate

# What the review compares with the register (review.difference).
UNIT_FIELDS = (
    "unit_key",
    "enterprise_name",
    "equipment_name",
    "sub_industry",
    "status",
    "category",
    "identified_date",
    "rectify_deadline",
    "planned_exit_date",
    "actual_exit_date",
    "lon_wgs84",
    "lat_wgs84",
    "sheet",
    "row",
)
# Share of the bar each step reaches (the pipeline names its steps by what it does).
PROGRESS = (("读取", 0.1, "读取文件"), ("检查并定位", 0.35, "检查并定位各行"))


def run_validation(
    engine: sa.Engine, job: jobs.Job, beat: Callable[[float, str], None] | None = None
) -> None:
    beat = beat or (lambda progress, step: jobs.beat(engine, job.id, progress, step))
    with engine.connect() as conn:
        name, content, prefecture = conn.execute(
            sa.text("SELECT file_name, content, prefecture_adcode FROM submission WHERE id = :id"),
            {"id": job.submission_id},
        ).one()

    def on_step(text: str) -> None:
        for start, progress, label in PROGRESS:
            if text.startswith(start):
                beat(progress, label)

    prepared = validate(engine, name, content, prefecture, on_step=on_step)
    beat(0.7, "生成问题清单")
    report = frictionless(prepared)
    beat(0.8, "标注原文件")
    _, marked = annotated(name, content, prepared, report)
    beat(0.9, "保存结果")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE submission SET summary = CAST(:summary AS jsonb), "
                "report = CAST(:report AS jsonb), annotated = :annotated, "
                "units = CAST(:units AS jsonb) WHERE id = :id"
            ),
            {
                "id": job.submission_id,
                "summary": json.dumps(summary(prepared), ensure_ascii=False),
                "report": json.dumps(report, ensure_ascii=False, default=str),
                "annotated": marked,
                "units": units_json(prepared),
            },
        )
        jobs.finish(conn, job.id)


def units_json(prepared: Prepared) -> str:
    accepted = prepared.accepted
    if accepted.is_empty():
        return "[]"
    have = [c for c in UNIT_FIELDS if c in accepted.columns]
    return accepted.select(have).with_columns(pl.col(pl.Date).cast(pl.Utf8)).write_json()

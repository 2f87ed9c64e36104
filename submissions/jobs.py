"""The job table: work queued by the web app, done by ``exitmap worker``.

Why a table in PostgreSQL and not Dash background callbacks: the web workers never run a
20,000-row validation (a gunicorn thread only inserts a row and reads one back), a queued
job survives a restart of either side, the progress is a row any web worker can read (the
page polls it), and nothing else — Redis, Celery, a disk cache — has to run beside the
database we already have.

A worker claims the oldest queued job with ``FOR UPDATE SKIP LOCKED`` (two workers never take
the same one, and neither waits for the other), writes its heartbeat while it runs, and marks
it done or failed with the message. A running job whose heartbeat is older than
``EXITMAP_JOB_STALE_SECONDS`` was left by a worker that died: ``reap`` marks it failed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from exitmap import settings


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    submission_id: int
    state: str
    progress: float
    step: str
    message: str
    attempts: int
    # What the job was asked with (an acceptance: who, their role, the comment), and what it
    # did (an acceptance: the rows the load inserted and updated).
    params: dict = field(default_factory=dict)
    result: dict | None = None

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "progress": self.progress,
            "step": self.step,
            "message": self.message,
            "result": self.result,
        }


_COLUMNS = "id, kind, submission_id, state, progress, step, message, attempts, params, result"
# The first step a claimed job shows, by its kind.
FIRST_STEP = {"validate": "开始检查", "accept": "开始载入"}
CRASHED = "处理程序意外中断（{seconds} 秒无心跳），请重新上传；如反复出现，请联系管理员"


def enqueue(conn: sa.Connection, kind: str, submission_id: int, params: dict | None = None) -> int:
    return conn.execute(
        sa.text(
            "INSERT INTO job (kind, submission_id, params) "
            "VALUES (:kind, :sid, CAST(:params AS jsonb)) RETURNING id"
        ),
        {"kind": kind, "sid": submission_id, "params": json.dumps(params or {})},
    ).scalar_one()


def claim(engine: sa.Engine, worker: str) -> Job | None:
    """Take the oldest queued job (None: nothing to do)."""
    with engine.begin() as conn:
        row = conn.execute(
            sa.text(
                f"""
                UPDATE job SET state = 'running', started_at = now(), heartbeat_at = now(),
                       attempts = attempts + 1, worker = :worker,
                       step = COALESCE(CAST(:steps AS jsonb) ->> kind, '')
                WHERE id = (SELECT id FROM job WHERE state = 'queued' ORDER BY id
                            FOR UPDATE SKIP LOCKED LIMIT 1)
                RETURNING {_COLUMNS}
                """
            ),
            {"worker": worker, "steps": json.dumps(FIRST_STEP, ensure_ascii=False)},
        ).one_or_none()
    return None if row is None else Job(*row)


def beat(engine: sa.Engine, job_id: int, progress: float | None = None, step: str | None = None):
    """The heartbeat, with the progress (0–1) and the step when they changed."""
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE job SET heartbeat_at = now(), "
                "progress = COALESCE(CAST(:progress AS float8), progress), "
                "step = COALESCE(CAST(:step AS text), step) WHERE id = :id AND state = 'running'"
            ),
            {"id": job_id, "progress": progress, "step": step},
        )


def finish(conn: sa.Connection, job_id: int, result: dict | None = None) -> None:
    """Mark the job done, in the transaction of the work it did (done only if that commits)."""
    conn.execute(
        sa.text(
            "UPDATE job SET state = 'done', progress = 1, step = '完成', finished_at = now(), "
            "heartbeat_at = now(), result = CAST(:result AS jsonb) WHERE id = :id"
        ),
        {"id": job_id, "result": None if result is None else json.dumps(result)},
    )


def fail(engine: sa.Engine, job_id: int, message: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE job SET state = 'failed', message = :message, finished_at = now() "
                "WHERE id = :id"
            ),
            {"id": job_id, "message": message[:2000]},
        )


def reap(engine: sa.Engine, stale_seconds: int | None = None) -> int:
    """Mark failed the running jobs whose worker stopped beating; return how many."""
    seconds = stale_seconds or settings.get_int("job_stale_seconds")
    with engine.begin() as conn:
        return conn.execute(
            sa.text(
                "UPDATE job SET state = 'failed', message = :message, finished_at = now() "
                "WHERE state = 'running' AND heartbeat_at < now() - make_interval(secs => :s)"
            ),
            {"s": seconds, "message": CRASHED.format(seconds=seconds)},
        ).rowcount


def of_submission(engine: sa.Engine, submission_id: int, kind: str | None = None) -> Job | None:
    """The latest job of a submission, of ``kind`` if given (the pages' progress bars poll
    this)."""
    with engine.connect() as conn:
        return latest(conn, submission_id, kind)


def latest(conn: sa.Connection, submission_id: int, kind: str | None = None) -> Job | None:
    row = conn.execute(
        sa.text(
            f"SELECT {_COLUMNS} FROM job WHERE submission_id = :sid "
            "AND (CAST(:kind AS text) IS NULL OR kind = :kind) ORDER BY id DESC LIMIT 1"
        ),
        {"sid": submission_id, "kind": kind},
    ).one_or_none()
    return None if row is None else Job(*row)


def get(conn: sa.Connection, job_id: int) -> Job:
    row = conn.execute(sa.text(f"SELECT {_COLUMNS} FROM job WHERE id = :id"), {"id": job_id})
    return Job(*row.one())

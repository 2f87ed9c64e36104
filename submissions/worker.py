"""``exitmap worker``: run queued jobs until stopped, one at a time.

Started beside the web server (``exitmap serve`` runs one in a thread, ``exitmap serve
--prod`` one process beside gunicorn) or alone. Any number may run against one database.
"""

from __future__ import annotations

import logging
import os
import socket
import threading

import sqlalchemy as sa

from exitmap import settings
from exitmap.errors import UserError
from submissions import jobs
from submissions.review import run_accept
from submissions.work import run_validation

log = logging.getLogger(__name__)

RUNNERS = {"validate": run_validation, "accept": run_accept}


def name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def run_one(engine: sa.Engine, worker: str | None = None) -> bool:
    """Do the oldest queued job, if any; True when one was done (or failed)."""
    jobs.reap(engine)
    job = jobs.claim(engine, worker or name())
    if job is None:
        return False
    stop = threading.Event()
    period = settings.get_int("job_heartbeat_seconds")

    def heartbeat() -> None:
        # Beats while the job's own steps are long (a large sheet is one step).
        while not stop.wait(period):
            try:
                jobs.beat(engine, job.id)
            except Exception:  # a lost beat is retried at the next period
                log.exception("job %s: heartbeat failed", job.id)

    beater = threading.Thread(target=heartbeat, daemon=True, name=f"exitmap-beat-{job.id}")
    beater.start()
    try:
        RUNNERS[job.kind](engine, job)
    except UserError as exc:
        jobs.fail(engine, job.id, str(exc))
    except Exception as exc:
        log.exception("job %s failed", job.id)
        jobs.fail(engine, job.id, f"内部错误（{type(exc).__name__}），请联系管理员；文件已保存")
    finally:
        stop.set()
        beater.join()
    return True


def run(engine: sa.Engine, stop: threading.Event, idle_seconds: float = 1.0) -> None:
    """Run jobs until ``stop`` is set; between jobs, look for new ones every ``idle_seconds``."""
    worker = name()
    log.info("worker %s started", worker)
    while not stop.is_set():
        try:
            if run_one(engine, worker):
                continue
        except Exception:  # the database went away: try again after a pause
            log.exception("worker %s: could not take a job", worker)
        stop.wait(idle_seconds)
    log.info("worker %s stopped", worker)

"""The job table and ``exitmap worker``: claimed once, beating while it runs, a crash named."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from submissions import jobs, store, worker
from tests.helpers.registers import unit_row
from tests.helpers.submissions import KUNMING_USER, csv_bytes

AS_OF = dt.date(2026, 9, 30)


def _upload(engine, serial: int = 1) -> int:
    return store.create(
        engine, KUNMING_USER, f"r{serial}.csv", csv_bytes([unit_row(serial)]), AS_OF
    )


def test_two_workers_never_take_the_same_job(engine):
    ids = [_upload(engine, i) for i in range(1, 4)]
    # One claim holds its row locked in an open transaction; the other skips it.
    with engine.begin() as held:
        first = held.execute(
            sa.text(
                "SELECT id FROM job WHERE state = 'queued' ORDER BY id "
                "FOR UPDATE SKIP LOCKED LIMIT 1"
            )
        ).scalar_one()
        other = jobs.claim(engine, "w2")
        assert other is not None and other.id != first and other.state == "running"
    # Released (nothing was taken), the oldest job is the next worker's.
    third = jobs.claim(engine, "w3")
    assert third.id == first and third.attempts == 1
    states = {jobs.of_submission(engine, s).state for s in ids}
    assert states == {"running", "queued"}


def test_a_worker_thread_runs_queued_jobs_until_stopped(engine):
    ids = [_upload(engine, i) for i in range(1, 3)]
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(engine, stop, 0.05))
    thread.start()
    try:
        deadline = dt.datetime.now() + dt.timedelta(seconds=60)
        while dt.datetime.now() < deadline:
            if all(jobs.of_submission(engine, s).state == "done" for s in ids):
                break
            stop.wait(0.1)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert all(store.get(engine, KUNMING_USER, s).summary["valid"] for s in ids)


def test_a_job_left_by_a_crashed_worker_is_marked_failed_with_a_message(engine, monkeypatch):
    sid = _upload(engine)
    job = jobs.claim(engine, "crashed")
    # The worker died: its heartbeat stopped two minutes ago.
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE job SET heartbeat_at = now() - interval '2 minutes' WHERE id = :i"),
            {"i": job.id},
        )
    monkeypatch.setenv("EXITMAP_JOB_STALE_SECONDS", "60")
    assert not worker.run_one(engine, "next")  # reaps, then finds nothing queued
    failed = jobs.of_submission(engine, sid)
    assert failed.state == "failed" and "60 秒无心跳" in failed.message
    assert store.get(engine, KUNMING_USER, sid).state == "draft"  # the file is still kept


def test_a_job_that_raises_is_failed_with_a_message_and_the_worker_goes_on(engine, monkeypatch):
    def broken(engine, job):
        raise RuntimeError("boom")

    monkeypatch.setitem(worker.RUNNERS, "validate", broken)
    sid = _upload(engine)
    assert worker.run_one(engine, "w")
    failed = jobs.of_submission(engine, sid)
    assert failed.state == "failed" and "内部错误（RuntimeError）" in failed.message


def test_the_heartbeat_moves_while_a_job_runs(engine, monkeypatch):
    monkeypatch.setenv("EXITMAP_JOB_HEARTBEAT_SECONDS", "1")
    seen = []

    def slow(engine_, job):
        with engine_.connect() as conn:
            first = conn.execute(
                sa.text("SELECT heartbeat_at FROM job WHERE id = :i"), {"i": job.id}
            ).scalar_one()
        threading.Event().wait(2.5)
        with engine_.connect() as conn:
            later = conn.execute(
                sa.text("SELECT heartbeat_at FROM job WHERE id = :i"), {"i": job.id}
            ).scalar_one()
        seen.append(later > first)
        with engine_.begin() as conn:
            jobs.finish(conn, job.id)

    monkeypatch.setitem(worker.RUNNERS, "validate", slow)
    _upload(engine)
    assert worker.run_one(engine, "w") and seen == [True]


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status  # a zombie has ended; only its parent has not reaped it


def test_the_worker_process_does_the_jobs_and_ends_with_the_server_that_started_it(engine):
    """``exitmap serve --prod`` starts it before becoming gunicorn: here a stand-in parent."""
    sid = _upload(engine)
    script = (
        "import time; from exitmap.cli.submissions import start_worker_process; "
        "print(start_worker_process().pid, flush=True); time.sleep(120)"
    )
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    parent = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE)
    try:
        child = int(parent.stdout.readline())
        assert b"worker" in Path(f"/proc/{child}/cmdline").read_bytes()
        deadline = time.monotonic() + 60
        while jobs.of_submission(engine, sid).state != "done":
            assert time.monotonic() < deadline, "the worker process did not do the job"
            time.sleep(0.2)
        assert store.get(engine, KUNMING_USER, sid).summary["valid"]
    finally:
        parent.kill()
        parent.wait(10)
    deadline = time.monotonic() + 15
    while _alive(child):
        assert time.monotonic() < deadline, "the worker outlived its server"
        time.sleep(0.2)

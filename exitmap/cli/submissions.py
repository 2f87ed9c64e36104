"""Registers submitted in the app, from the command line: the worker that checks them, and the
office's list, show, accept and return (the same code and audit rows as the 审核 page)."""

from __future__ import annotations

import ctypes
import json
import signal
import subprocess
import sys
import threading

import click

from exitmap.cli.access import cli_user

PR_SET_PDEATHSIG = 1


def _engine():
    from exitmap.db import engine

    return engine()


def _scope():
    from exitmap.scope import Scope

    return Scope.everything(cli_user())


@click.command()
@click.option("--once", is_flag=True, help="只处理队列中的一项（或没有）后退出。")
def worker(once: bool) -> None:
    """运行后台任务（检查上传的登记表），直到收到停止信号。"""
    from submissions import worker as jobs_worker

    if once:
        jobs_worker.run_one(_engine())
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("后台任务处理程序已启动。", err=True)
    jobs_worker.run(_engine(), stop)


def start_worker_thread(engine) -> threading.Event:
    """``exitmap serve`` (dev): a worker thread beside the dev server; set the event to stop."""
    from submissions import worker as jobs_worker

    stop = threading.Event()
    threading.Thread(
        target=jobs_worker.run, args=(engine, stop), daemon=True, name="exitmap-worker"
    ).start()
    return stop


def _die_with_parent() -> None:
    # The worker stops when the server that started it stops, however it stops.
    ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_worker_process() -> subprocess.Popen:
    """``exitmap serve --prod``: one worker process beside gunicorn, ended with it."""
    return subprocess.Popen(
        [sys.executable, "-m", "exitmap.cli", "worker"], preexec_fn=_die_with_parent
    )


@click.group()
def submissions() -> None:
    """报送的登记表：列出、查看、采用、退回。"""


@submissions.command("list")
@click.option("--state", "states", multiple=True, help="只列出此状态（可多次给出）。")
def submissions_list(states) -> None:
    """列出报送的登记表（最新在前）。"""
    from submissions import store

    for s in store.listing(_engine(), _scope(), tuple(states) or None):
        click.echo(
            f"{s.id}\t{s.prefecture}\t{s.as_of}\t{s.state_label}\t{s.file_name}\t"
            f"{s.created_by}\t{s.created_at:%Y-%m-%d %H:%M}\t{store.summary_text(s.summary)}"
        )


@submissions.command("show")
@click.argument("submission_id", type=int)
@click.option("--report", "with_report", is_flag=True, help="同时输出问题清单（JSON）。")
def submissions_show(submission_id: int, with_report: bool) -> None:
    """查看一份报送：状态、概要、处理记录。"""
    from submissions import store

    engine, scope = _engine(), _scope()
    s = store.get(engine, scope, submission_id)
    out = {**s.as_json(), "history": store.history(engine, scope, submission_id)}
    if with_report:
        out["report"] = store.report(engine, scope, submission_id)
    click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))


@submissions.command("accept")
@click.argument("submission_id", type=int)
@click.option("--comment", default="", help="采用意见（可选）。")
def submissions_accept(submission_id: int, comment: str) -> None:
    """采用一份已报送的登记表：载入数据库（记录时间为采用时）。"""
    from submissions import review

    summary = review.accept(_engine(), _scope(), submission_id, comment)
    click.echo(
        f"已采用报送 {submission_id}：新增 {summary.inserted}，更新 {summary.updated}，"
        f"未变 {summary.unchanged}。"
    )


@submissions.command("return")
@click.argument("submission_id", type=int)
@click.option("--comment", required=True, help="退回意见（必填，报送单位可见）。")
def submissions_return(submission_id: int, comment: str) -> None:
    """退回一份已报送的登记表，附退回意见。"""
    from submissions import store

    store.act(_engine(), _scope(), submission_id, "return", comment)
    click.echo(f"已退回报送 {submission_id}。")


COMMANDS = (worker, submissions)

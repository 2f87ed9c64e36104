"""The ``exitmap`` command: one group, one module per kind of work.

``admin`` (database, boundaries, serving, settings), ``etl`` (bringing data in), ``policy``
(standing, explain, quota, freeze), ``export`` (deck, lists, report, images) and ``access``
(users, the audit log), ``submissions`` (the job worker, registers submitted in the app), and
one module per duty of the seed (targets, replacement, inspections, resettlement, land).
A user error
from anywhere below (exitmap.errors.UserError) becomes one Chinese line and exit code 1 here.
"""

from __future__ import annotations

import sys

import click

from exitmap.cli import (
    access,
    admin,
    etl,
    export,
    inspections,
    land,
    policy,
    replacement,
    reports,
    resettlement,
    submissions,
    targets,
)
from exitmap.errors import UserError


class ExitmapGroup(click.Group):
    """Turn user errors into a one-line message instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(1)


@click.group(cls=ExitmapGroup)
def main() -> None:
    """产能退出一张图 — 云南省淘汰落后和低端低效产能退出。"""


for module in (
    admin,
    etl,
    policy,
    replacement,
    inspections,
    resettlement,
    land,
    targets,
    export,
    access,
    submissions,
    reports,
):
    for command in module.COMMANDS:
        main.add_command(command)

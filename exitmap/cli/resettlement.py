"""CLI for 职工安置: record an exiting firm's resettlement plan; list plans and firms without."""

from __future__ import annotations

import click

from exitmap.cli.access import cli_user, record
from exitmap.cli.options import as_of_or_today, parse_date
from exitmap.cli.output import FORMATS, emit
from exitmap.vocabulary import RESETTLEMENT_CHANNELS, RESETTLEMENT_STATUSES


@click.group("resettlement")
def resettlement() -> None:
    """职工安置：退出企业的职工安置方案。"""


def _channel_options(command):
    for column, label in reversed(RESETTLEMENT_CHANNELS.items()):
        flag = "--" + column
        command = click.option(flag, column, type=int, default=0, help=f"{label}人数")(command)
    return command


@resettlement.command("add")
@click.argument("firm")
@click.option("--workers", type=int, required=True, help="涉及职工人数")
@_channel_options
@click.option("--funds", type=float, help="安置资金（万元）")
@click.option("--plan-date", callback=parse_date, required=True, help="方案日期 YYYY-MM-DD")
@click.option("--status", type=click.Choice(RESETTLEMENT_STATUSES), required=True)
def resettlement_add(firm, workers, funds, plan_date, status, **channels) -> None:
    """记录（或更新）一家退出企业的职工安置方案（企业：统一社会信用代码或全称）。"""
    from etl.resettlement import record_plan
    from exitmap.db import database_url, engine

    plan = record_plan(
        engine(database_url()), firm, workers, channels, plan_date, status, cli_user(), funds
    )
    params = {"kind": "resettlement", "workers": workers, **channels, "status": status}
    record("decision", firm, params | {"on": plan_date})
    click.echo(f"已记录职工安置方案 {plan}：{firm}")


@resettlement.command("list")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--missing", is_flag=True, help="列出已有装备退出、但尚无安置方案的企业")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def resettlement_list(as_of, missing: bool, fmt) -> None:
    """列出职工安置方案（或 --missing：尚无方案的退出企业）。"""
    from exitmap.db import database_url, engine
    from layers.resettlement import plans, without_plan

    read = without_plan if missing else plans
    emit(read(engine(database_url()), as_of_or_today(as_of)), fmt)


COMMANDS = (resettlement,)

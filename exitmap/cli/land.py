"""CLI for 盘活土地资源: record what became of an exited unit's site; list the sites."""

from __future__ import annotations

import click

from exitmap.cli.access import cli_user, record
from exitmap.cli.options import as_of_or_today, parse_date
from exitmap.cli.output import FORMATS, emit
from exitmap.vocabulary import LAND_OUTCOMES, LAND_RIGHTS


@click.group("land")
def land() -> None:
    """退出场地的土地处置（收回、转让、转产、闲置）。"""


@land.command("add")
@click.argument("unit_key")
@click.option("--area", type=float, required=True, help="面积（亩）")
@click.option("--right", "land_right", type=click.Choice(LAND_RIGHTS), required=True)
@click.option("--outcome", type=click.Choice(LAND_OUTCOMES), required=True, help="处置方式")
@click.option("--date", "on", callback=parse_date, required=True, help="处置日期 YYYY-MM-DD")
def land_add(unit_key: str, area: float, land_right: str, outcome: str, on) -> None:
    """记录（或更新）一台已退出装备场地的土地处置。"""
    from etl.land import record_site
    from exitmap.db import database_url, engine

    site = record_site(engine(database_url()), unit_key, area, land_right, outcome, on, cli_user())
    params = {"kind": "land", "area_mu": area, "right": land_right, "outcome": outcome, "on": on}
    record("decision", unit_key, params)
    click.echo(f"已记录场地 {site}：{unit_key}（{outcome}）")


@land.command("list")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--near", is_flag=True, help="只列原用途过渡期临近结束的转产场地")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def land_list(as_of, near: bool, fmt) -> None:
    """列出退出场地及其土地处置；转产场地列出 5 年过渡期的结束日期。"""
    from exitmap.db import database_url, engine
    from layers.land import sites

    frame = sites(engine(database_url()), as_of_or_today(as_of))
    emit(frame[frame["near"]] if near else frame, fmt)


COMMANDS = (land,)

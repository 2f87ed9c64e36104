"""CLI for 目标任务: set a prefecture's annual target line (two people), load a file of lines,
list the lines with what was done."""

from __future__ import annotations

from pathlib import Path

import click

from exitmap.cli.access import cli_user, record
from exitmap.cli.options import as_of_or_today, parse_date
from exitmap.cli.output import FORMATS, emit
from exitmap.cli.policy import _two_people, approved_by_option, approver_scope

LIST_COLUMNS = [
    "prefecture_adcode", "name", "year", "category", "sub_industry", "units", "units_done",
    "tce", "tce_done", "named", "named_done", "due", "pct", "missed",
]  # fmt: skip


@click.group("targets")
def targets() -> None:
    """年度目标任务：省级下达各州（市）的年度退出目标及完成情况。"""


@targets.command("set")
@click.argument("prefecture")
@click.argument("year", type=int)
@click.option("--category", help="退出类别（不填：全部类别）")
@click.option("--sub-industry", "sub_industry", help="细分行业（不填：全部行业）")
@click.option("--units", type=int, help="目标退出装备数（台/套）")
@click.option("--tce", type=float, help="目标释放能耗（吨标准煤）")
@click.option("--due", callback=parse_date, help="完成期限 YYYY-MM-DD（默认该年 12 月 31 日）")
@click.option("--unit", "unit_keys", multiple=True, help="指定须退出的装备编码，可重复")
@click.option("--document", help="下达文号")
@approved_by_option
def targets_set(prefecture, year, category, sub_industry, units, tce, due, unit_keys, document,
                approver) -> None:  # fmt: skip
    """为 PREFECTURE 下达 YEAR 年度的一项目标任务（起草人与审批人须为两人；同一年度、类别和
    行业的目标再次下达即替换原目标，原目标留档）。"""
    from etl.targets import TargetLine

    line = TargetLine(year, units, tce, category, sub_industry, due, tuple(unit_keys), document)
    _two_people("annual_target", prefecture, line.params(), approver)
    click.echo(f"已下达：{prefecture} {line.describe()}")


@targets.command("load")
@click.argument("file", type=click.Path(path_type=Path))
@approved_by_option
def targets_load(file, approver) -> None:
    """从 CSV 文件下达目标任务（列：州（市）、年度、退出类别、细分行业、目标装备数、
    目标能耗（吨标准煤）、完成期限、指定装备、文号）；任一行有误则全部不写入并逐行列出。"""
    from etl.targets import set_targets_file
    from exitmap.db import database_url, engine

    who = approver_scope(approver)
    ids = set_targets_file(engine(database_url()), file, cli_user(), who.user)
    record("decision", file.name, {"kind": "annual_target_file", "approved_by": who.user},
           row_count=len(ids))  # fmt: skip
    click.echo(f"已下达 {len(ids)} 项目标任务。")


@targets.command("list")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--year", type=int, help="年度（默认截至日期所在年度）")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def targets_list(as_of, year, fmt) -> None:
    """列出目标任务及截至日期的完成情况（完成率、是否逾期未完成）。"""
    from exitmap.db import database_url, engine
    from layers.targets import lines

    on = as_of_or_today(as_of)
    year = year or on.year
    frame = lines(engine(database_url()), on, years=(year, year))
    emit(frame[LIST_COLUMNS], fmt)


COMMANDS = (targets,)

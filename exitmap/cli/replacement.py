"""CLI for 产能置换: record a replacement project with the exited capacity it uses; list them."""

from __future__ import annotations

import click

from exitmap.cli.access import cli_user, record
from exitmap.cli.options import parse_date
from exitmap.cli.output import FORMATS, emit
from exitmap.errors import UserError


def _use(text: str) -> tuple[str, float | None]:
    """``KEY`` (all that is left of it) or ``KEY=万吨/年``."""
    key, sep, amount = text.rpartition("=")
    if not sep:
        return text.strip(), None
    try:
        return key.strip(), float(amount)
    except ValueError:
        raise UserError(f"--use「{text}」：等号后应为产能（万吨/年），如 装备编码=30") from None


@click.group("replacement")
def replacement() -> None:
    """产能置换：新建项目及其所用的已退出产能。"""


@replacement.command("add")
@click.argument("name")
@click.option("--enterprise", required=True, help="建设企业")
@click.option("--prefecture", required=True, help="州（市）：代码、全称或简称")
@click.option("--sub-industry", required=True, help="细分行业（须属产能总量控制）")
@click.option("--capacity", type=float, required=True, help="新建产能（万吨/年）")
@click.option("--document", required=True, help="批复文号")
@click.option("--approved-on", callback=parse_date, required=True, help="批复日期 YYYY-MM-DD")
@click.option(
    "--use", "uses", multiple=True, required=True, help="所用已退出装备：装备编码[=万吨/年]，可重复"
)
def replacement_add(
    name, enterprise, prefecture, sub_industry, capacity, document, approved_on, uses
):
    """记录一个产能置换项目（检查：总量控制行业、装备已退出、产能不重复使用、置换比例）。"""
    from etl.replacement import Project, record_project
    from exitmap.db import database_url, engine

    project = Project(name, enterprise, prefecture, sub_industry, capacity, document, approved_on)
    used = [_use(u) for u in uses]
    project_id = record_project(engine(database_url()), project, used, cli_user())
    params = {"kind": "replacement", "project": name, "capacity": capacity, "uses": list(uses)}
    record("decision", name, params | {"document": document, "on": approved_on})
    click.echo(f"已记录产能置换项目 {project_id}：{name}")


@replacement.command("list")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def replacement_list(fmt) -> None:
    """列出产能置换项目及其所用的已退出产能。"""
    from exitmap.db import database_url, engine
    from layers.replacement import projects

    emit(projects(engine(database_url())), fmt)


COMMANDS = (replacement,)

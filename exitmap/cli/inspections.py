"""CLI for 督导检查: record a visit and its findings, close a finding, list them."""

from __future__ import annotations

import click

from exitmap.cli.access import cli_user, record
from exitmap.cli.options import as_of_or_today, parse_date
from exitmap.cli.output import FORMATS, emit
from exitmap.errors import UserError


def _finding(text: str):
    """``问题|整改要求|期限[|装备编码]``."""
    import datetime as dt

    from etl.inspections import Finding

    parts = [p.strip() for p in text.split("|")]
    if len(parts) not in (3, 4):
        raise UserError(f"--finding「{text}」：应为 问题|整改要求|期限[|装备编码]")
    try:
        deadline = dt.date.fromisoformat(parts[2])
    except ValueError:
        raise UserError(f"--finding「{text}」：期限「{parts[2]}」应为 YYYY-MM-DD") from None
    return Finding(parts[0], parts[1], deadline, parts[3] if len(parts) == 4 else None)


@click.group("inspections")
def inspections() -> None:
    """督导检查：检查记录、发现的问题及整改销号。"""


@inspections.command("add")
@click.argument("prefecture")
@click.option("--date", "on", callback=parse_date, required=True, help="检查日期 YYYY-MM-DD")
@click.option("--team", required=True, help="检查组")
@click.option("--summary", default="", help="检查情况")
@click.option(
    "--finding", "found", multiple=True, help="发现的问题：问题|整改要求|期限[|装备编码]，可重复"
)
def inspections_add(prefecture, on, team, summary, found) -> None:
    """记录一次督导检查及发现的问题。"""
    from etl.inspections import record_inspection
    from exitmap.db import database_url, engine

    findings = [_finding(f) for f in found]
    eng = engine(database_url())
    new_id = record_inspection(eng, prefecture, on, team, findings, cli_user(), summary)
    params = {"kind": "inspection", "on": on, "team": team, "findings": len(findings)}
    record("decision", str(prefecture), params)
    click.echo(f"已记录督导检查 {new_id}（发现问题 {len(findings)} 条）")


@inspections.command("close")
@click.argument("finding_id", type=int)
@click.option("--date", "on", callback=parse_date, required=True, help="销号日期 YYYY-MM-DD")
@click.option("--note", default="", help="整改情况")
def inspections_close(finding_id: int, on, note: str) -> None:
    """整改完成，问题销号。"""
    from etl.inspections import close_finding
    from exitmap.db import database_url, engine

    close_finding(engine(database_url()), finding_id, on, cli_user(), note)
    record("decision", f"finding {finding_id}", {"kind": "inspection-close", "on": on})
    click.echo(f"问题 {finding_id} 已销号（{on}）")


@inspections.command("list")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--open", "open_only", is_flag=True, help="只列未销号的问题")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def inspections_list(as_of, open_only: bool, fmt) -> None:
    """列出督导检查发现的问题及其状态（open 未到期 / overdue 逾期 / closed 已销号）。"""
    from exitmap.db import database_url, engine
    from layers.inspections import findings

    frame = findings(engine(database_url()), as_of_or_today(as_of))
    if open_only:
        frame = frame[frame["state"] != "closed"]
    emit(frame, fmt)


COMMANDS = (inspections,)

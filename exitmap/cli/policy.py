"""CLI for the policy engine: standing, explain, quota and freeze decisions."""

from __future__ import annotations

from pathlib import Path

import click

from exitmap.cli.access import record
from exitmap.cli.options import as_of_or_today, known_on_option, parse_date
from exitmap.cli.output import FORMATS, emit
from exitmap.errors import UserError


def _engine():
    from exitmap.db import database_url, engine

    # engine() is cached by its argument: pass the URL so a changed DATABASE_URL is honoured.
    return engine(database_url())


# -- standing / explain ---------------------------------------------------------------------


@click.command("standing")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--sector", multiple=True, help="行业，可重复")
@click.option("--sub-industry", multiple=True, help="细分行业，可重复")
@click.option("--category", multiple=True, help="退出类别，可重复")
@click.option("--status", multiple=True, help="当前状态，可重复")
@click.option("--xianzhi-triggers", is_flag=True, help="限制类逾期也触发区域限批")
@known_on_option
def standing_cmd(
    as_of, fmt, sector, sub_industry, category, status, xianzhi_triggers, known_on
) -> None:
    """各州（市）截至某日的退出进展、区域限批、能耗指标和加价电费（含全省合计）。"""
    from layers.standing import standing

    on = as_of_or_today(as_of)
    frame = standing(
        _engine(),
        on,
        sector=sector or None,
        sub_industry=sub_industry or None,
        category=category or None,
        status=status or None,
        xianzhi_triggers=xianzhi_triggers,
        known_on=known_on,
    )
    if fmt == "table":
        click.echo(f"截至 {on} 的退出进展" + (f"（按 {known_on} 当时掌握）" if known_on else ""))
    emit(frame, fmt)


@click.command("explain")
@click.argument("unit_key")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@known_on_option
def explain_cmd(unit_key: str, as_of, known_on) -> None:
    """说明一台装备为何处于当前状态：类别、期限及计算方法、状态历史（现行认定与登记记录）、
    目录建议、加价电费。"""
    from layers.units import explain

    text = explain(_engine(), unit_key, as_of_or_today(as_of), known_on=known_on)
    if text is None:
        raise UserError(f"找不到装备「{unit_key}」")
    click.echo(text)


# -- quota ----------------------------------------------------------------------------------


@click.group("quota")
def quota() -> None:
    """能耗指标：产能退出释放、分配给项目、余额。"""


def approved_by_option(command):
    """``--approved-by USER``: the second person of maker–checker, named on the command line
    (an office account other than the drafter; the command line drafts as its login)."""
    return click.option(
        "--approved-by",
        "approver",
        required=True,
        help="审批人（省级用户名，不能是起草人本人）",
    )(command)


def approver_scope(approver: str):
    """The scope of ``--approved-by``'s user (an enabled account of ours), or a UserError."""
    from access import users
    from access.users import User

    who: User | None = users.get(_engine(), approver)
    if who is None or who.disabled:
        raise UserError(f"没有可用的用户「{approver}」（--approved-by）")
    return who.scope()


def _two_people(kind: str, prefecture: str, params: dict, approver: str) -> int:
    """Draft as the command line's login, approve as ``approver``: the pages' path."""
    from approvals import drafts
    from exitmap.cli.access import cli_user
    from exitmap.scope import Scope

    approving = approver_scope(approver)
    draft_id = drafts.draft(_engine(), Scope.everything(cli_user()), kind, prefecture, params)
    return drafts.approve(_engine(), approving, draft_id)


@quota.command("allocate")
@click.argument("prefecture")
@click.argument("tce", type=float)
@click.option("--project", required=True, help="项目名称")
@click.option("--date", "on", callback=parse_date, required=True, help="分配日期 YYYY-MM-DD")
@click.option("--document", help="批复文号")
@approved_by_option
def quota_allocate(prefecture: str, tce: float, project: str, on, document, approver) -> None:
    """把 PREFECTURE 释放的能耗指标分配 TCE 吨标准煤给一个项目（余额不足则拒绝）。"""
    from etl.decisions import resolve_prefecture
    from layers.quota import balance

    params = {"tce": tce, "project": project, "on": on, "document": document}
    _two_people("quota_allocate", prefecture, params, approver)
    eng = _engine()
    with eng.connect() as conn:
        adcode, name = resolve_prefecture(conn, prefecture)
    left = balance(eng, adcode, on)
    click.echo(f"已分配：{name} {tce:,.2f} 吨标准煤 → {project}（{on}）；当日余额 {left:,.2f}")


@quota.command("allocate-file")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def quota_allocate_file(file: Path) -> None:
    """从 CSV（列 prefecture,tce,project,date[,document]）批量分配；任一行被拒则全部不写入。"""
    from etl.decisions import allocate_file

    ids = allocate_file(_engine(), file)
    record("decision", file.name, {"kind": "allocate-file"}, row_count=len(ids))
    click.echo(f"已写入 {len(ids)} 条分配记录。")


@quota.command("ledger")
@click.argument("prefecture", required=False)
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@known_on_option
def quota_ledger(prefecture, as_of, fmt, known_on) -> None:
    """能耗指标台账：按日期列出释放与分配及滚动余额；列出余额低于零的日期。"""
    from etl.decisions import resolve_prefecture
    from exitmap.policy import default_policy
    from exitmap.scope import EVERYTHING
    from layers.quota import ledger, shortfalls

    eng = _engine()
    scope, adcode = EVERYTHING, None
    if prefecture:
        with eng.connect() as conn:
            adcode, _ = resolve_prefecture(conn, prefecture)
        scope = EVERYTHING.narrow(adcode)
    frame = ledger(eng, as_of_or_today(as_of), scope, known_on=known_on)
    cols = ["adcode", "name", "entry_date", "kind_label", "amount_tce", "item", "document"]
    emit(frame[[*cols, "balance_tce"]], fmt)
    with eng.connect() as conn:
        short = shortfalls(conn, default_policy(), None if adcode is None else [adcode])
    for s in short:
        click.echo(f"注意：{s.text()}", err=True)


# -- freeze ---------------------------------------------------------------------------------


@click.group("freeze")
def freeze() -> None:
    """区域限批：规则触发与限批决定。"""


@freeze.command("decide")
@click.argument("prefecture")
@click.option("--document", required=True, help="限批决定文号")
@click.option("--date", "on", callback=parse_date, required=True, help="开始日期 YYYY-MM-DD")
@click.option("--reason", help="理由")
@approved_by_option
def freeze_decide(prefecture: str, document: str, on, reason, approver) -> None:
    """记录对 PREFECTURE 实行区域限批的决定（起草人与审批人须为两人）。"""
    params = {"document": document, "on": on, "reason": reason}
    _two_people("freeze_decide", prefecture, params, approver)
    click.echo(f"已记录限批决定 {document}（自 {on} 起）。")


@freeze.command("lift")
@click.argument("prefecture")
@click.option("--document", required=True, help="解除文号")
@click.option("--date", "on", callback=parse_date, required=True, help="解除日期 YYYY-MM-DD")
@approved_by_option
def freeze_lift(prefecture: str, document: str, on, approver) -> None:
    """解除 PREFECTURE 的区域限批（起草人与审批人须为两人）。"""
    _two_people("freeze_lift", prefecture, {"document": document, "on": on}, approver)
    click.echo(f"已解除限批（{document}，{on}）。")


@freeze.command("list")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--xianzhi-triggers", is_flag=True, help="限制类逾期也触发区域限批")
@known_on_option
def freeze_list_cmd(as_of, fmt, xianzhi_triggers, known_on) -> None:
    """各州（市）的规则触发情况、生效的限批决定及两者不一致之处。"""
    from layers.freeze import freeze_list

    frame = freeze_list(
        _engine(), as_of_or_today(as_of), xianzhi_triggers=xianzhi_triggers, known_on=known_on
    )
    emit(frame, fmt)


COMMANDS = (standing_cmd, explain_cmd, quota, freeze)

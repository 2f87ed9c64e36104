"""CLI for the policy engine: standing, explain, quota and freeze decisions.

``register(main)`` adds the commands to the ``exitmap`` group (called from exitmap/cli.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
import unicodedata
from pathlib import Path

import click
import pandas as pd

from exitmap.cli_options import parse_date

FORMATS = click.Choice(["table", "csv", "json"])
TODAY = dt.date.today


def _friendly(fn):
    """Known failures (bad rules, refused decisions) as one Chinese line, exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from etl.decisions import DecisionError
        from layers.policy import PolicyError

        try:
            return fn(*args, **kwargs)
        except (DecisionError, PolicyError) as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)

    return wrapper


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(value) -> str:
    if value is None or (not isinstance(value, list | str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, list):
        return "；".join(value)
    return str(value)


def render_table(frame: pd.DataFrame) -> str:
    """Aligned columns that count a Chinese character as two cells; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    head = [str(c) for c in frame.columns]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(head)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool for c in frame]

    def line(values):
        out = []
        for v, w, right in zip(values, widths, numeric, strict=True):
            pad = " " * (w - _width(v))
            out.append(pad + v if right else v + pad)
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), rule, *(line(r) for r in cells)])


def emit(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        click.echo(frame.to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
    else:
        click.echo(render_table(frame))


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
@_friendly
def standing_cmd(as_of, fmt, sector, sub_industry, category, status, xianzhi_triggers) -> None:
    """各州（市）截至某日的退出进展、区域限批、能耗指标和加价电费（含全省合计）。"""
    from layers.standing import standing

    on = as_of or TODAY()
    frame = standing(
        _engine(),
        on,
        sector=sector or None,
        sub_industry=sub_industry or None,
        category=category or None,
        status=status or None,
        xianzhi_triggers=xianzhi_triggers,
    )
    if fmt == "table":
        click.echo(f"截至 {on} 的退出进展")
    emit(frame, fmt)


@click.command("explain")
@click.argument("unit_key")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@_friendly
def explain_cmd(unit_key: str, as_of) -> None:
    """说明一台装备为何处于当前状态：类别、期限及计算方法、状态历史、目录建议、加价电费。"""
    from layers.units import explain

    text = explain(_engine(), unit_key, as_of or TODAY())
    if text is None:
        click.echo(f"错误：找不到装备「{unit_key}」", err=True)
        sys.exit(2)
    click.echo(text)


# -- quota ----------------------------------------------------------------------------------


@click.group("quota")
def quota() -> None:
    """能耗指标：产能退出释放、分配给项目、余额。"""


@quota.command("allocate")
@click.argument("prefecture")
@click.argument("tce", type=float)
@click.option("--project", required=True, help="项目名称")
@click.option("--date", "on", callback=parse_date, required=True, help="分配日期 YYYY-MM-DD")
@click.option("--document", help="批复文号")
@_friendly
def quota_allocate(prefecture: str, tce: float, project: str, on, document) -> None:
    """把 PREFECTURE 释放的能耗指标分配 TCE 吨标准煤给一个项目（余额不足则拒绝）。"""
    from etl.decisions import allocate, resolve_prefecture
    from layers.quota import balance

    eng = _engine()
    allocate(eng, prefecture, tce, project, on, document)
    with eng.connect() as conn:
        adcode, name = resolve_prefecture(conn, prefecture)
    left = balance(eng, adcode, on)
    click.echo(f"已分配：{name} {tce:,.2f} 吨标准煤 → {project}（{on}）；当日余额 {left:,.2f}")


@quota.command("allocate-file")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_friendly
def quota_allocate_file(file: Path) -> None:
    """从 CSV（列 prefecture,tce,project,date[,document]）批量分配；任一行被拒则全部不写入。"""
    from etl.decisions import allocate_file

    ids = allocate_file(_engine(), file)
    click.echo(f"已写入 {len(ids)} 条分配记录。")


@quota.command("ledger")
@click.argument("prefecture", required=False)
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@_friendly
def quota_ledger(prefecture, as_of, fmt) -> None:
    """能耗指标台账：按日期列出释放与分配及滚动余额。"""
    from etl.decisions import resolve_prefecture
    from layers.quota import ledger

    eng = _engine()
    adcode = None
    if prefecture:
        with eng.connect() as conn:
            adcode, _ = resolve_prefecture(conn, prefecture)
    frame = ledger(eng, as_of or TODAY(), adcode)
    cols = ["adcode", "name", "entry_date", "kind_label", "amount_tce", "item", "document"]
    emit(frame[[*cols, "balance_tce"]], fmt)


# -- freeze ---------------------------------------------------------------------------------


@click.group("freeze")
def freeze() -> None:
    """区域限批：规则触发与限批决定。"""


@freeze.command("decide")
@click.argument("prefecture")
@click.option("--document", required=True, help="限批决定文号")
@click.option("--date", "on", callback=parse_date, required=True, help="开始日期 YYYY-MM-DD")
@click.option("--reason", help="理由")
@_friendly
def freeze_decide(prefecture: str, document: str, on, reason) -> None:
    """记录对 PREFECTURE 实行区域限批的决定。"""
    from etl.decisions import decide_freeze

    decide_freeze(_engine(), prefecture, document, on, reason)
    click.echo(f"已记录限批决定 {document}（自 {on} 起）。")


@freeze.command("lift")
@click.argument("prefecture")
@click.option("--document", required=True, help="解除文号")
@click.option("--date", "on", callback=parse_date, required=True, help="解除日期 YYYY-MM-DD")
@_friendly
def freeze_lift(prefecture: str, document: str, on) -> None:
    """解除 PREFECTURE 的区域限批。"""
    from etl.decisions import lift_freeze

    lift_freeze(_engine(), prefecture, document, on)
    click.echo(f"已解除限批（{document}，{on}）。")


@freeze.command("list")
@click.option("--as-of", "as_of", callback=parse_date, help="截至日期 YYYY-MM-DD（默认今天）")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option("--xianzhi-triggers", is_flag=True, help="限制类逾期也触发区域限批")
@_friendly
def freeze_list_cmd(as_of, fmt, xianzhi_triggers) -> None:
    """各州（市）的规则触发情况、生效的限批决定及两者不一致之处。"""
    from layers.freeze import freeze_list

    frame = freeze_list(_engine(), as_of or TODAY(), xianzhi_triggers=xianzhi_triggers)
    emit(frame, fmt)


def register(main: click.Group) -> None:
    for command in (standing_cmd, explain_cmd, quota, freeze):
        main.add_command(command)

"""Option parsing shared by the command modules."""

from __future__ import annotations

import datetime as dt

import click

from exitmap import clock


def parse_date(_ctx, _param, value: str | None) -> dt.date | None:
    """click callback: YYYY-MM-DD, or a clear message in Chinese."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"日期应为 YYYY-MM-DD 格式，收到「{value}」") from None


def as_of_or_today(value: dt.date | None) -> dt.date:
    """The date a command answers for: the one given, else today (EXITMAP_TODAY honoured)."""
    return value or clock.today()


def known_on_option(command):
    """``--known-on K``: answer as the product would have on K (record time), not with
    everything known now."""
    return click.option(
        "--known-on",
        "known_on",
        callback=parse_date,
        help="按当时掌握：只用 YYYY-MM-DD 当日结束前已记录的数据（默认：用现在掌握的全部数据）",
    )(command)

"""Reports from the public: ``exitmap reports key PLATFORM`` and ``exitmap reports revoke``.

A platform (the 12345 hotline, a department's hotline) files reports through Open311 with its
key; the key is printed once and only its hash is stored. Each change is audited.
"""

from __future__ import annotations

import click

from exitmap.cli.access import _engine, record


@click.group()
def reports() -> None:
    """举报：为对接平台（如 12345 热线）签发或作废 Open311 接口密钥。"""


@reports.command("key")
@click.argument("platform")
def reports_key(platform) -> None:
    """为平台签发新密钥（原密钥随即失效）；密钥只显示这一次。"""
    from reports import keys

    key = keys.issue(_engine(), platform)
    record("user_change", f"open311:{platform}", {"change": "open311_key"})
    click.echo(key)


@reports.command("revoke")
@click.argument("platform")
def reports_revoke(platform) -> None:
    """作废平台的密钥。"""
    from reports import keys

    keys.revoke(_engine(), platform)
    record("user_change", f"open311:{platform}", {"change": "open311_revoke"})
    click.echo(f"已作废平台「{platform}」的密钥")


COMMANDS = [reports]

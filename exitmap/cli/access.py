"""Users and the audit log: ``exitmap users …`` and ``exitmap audit``.

Passwords are read from standard input (never an argument, which would stay in the shell's
history and the process list). Every change is written to the audit log as the system user.
"""

from __future__ import annotations

import sys

import click

from exitmap.cli.options import parse_date
from exitmap.cli.output import emit
from exitmap.errors import UserError


def _engine():
    from exitmap.db import database_url, engine

    return engine(database_url())


def _password() -> str:
    text = sys.stdin.readline() if not sys.stdin.isatty() else click.prompt("密码", hide_input=True)
    password = text.rstrip("\r\n")
    if not password:
        raise UserError("请从标准输入给出密码（一行）")
    return password


def cli_user() -> str:
    """Who the command line runs as, in the audit log and in the files it writes."""
    import getpass

    return f"cli:{getpass.getuser()}"


def record(
    action: str,
    target: str,
    params: dict,
    row_count: int | None = None,
    sha256: str | None = None,
) -> None:
    """An audit row for what the command line did, as the system run by this login."""
    from access import audit
    from exitmap.scope import Scope

    who = Scope.everything(cli_user())
    audit.record(_engine(), who, action, target, params, row_count=row_count, sha256=sha256)


def _changed(username: str, what: str, **params) -> None:
    record("user_change", username, {"change": what, **params})


def _show(user) -> str:
    return f"{user.username}\t{user.role}\t{user.prefecture_adcode or ''}\t{user.department or ''}"


@click.group()
def users() -> None:
    """用户：角色（province、department、prefecture、leader）、州（市）或部门、密码、令牌。"""


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, help="province | department | prefecture | leader")
@click.option("--prefecture", type=int, help="州（市）代码，如 530100（prefecture 角色）")
@click.option("--department", help="牵头部门，如 省生态环境厅（department 角色）")
@click.option("--name", "display_name", default="", help="显示名称")
@click.option("--no-password", is_flag=True, help="仅通过统一身份认证（OIDC）登录，不设密码")
def users_add(username, role, prefecture, department, display_name, no_password) -> None:
    """新建用户；密码从标准输入读取（一行）。"""
    from access import users as accounts

    password = None if no_password else _password()
    user = accounts.add(
        _engine(),
        username,
        role,
        prefecture=prefecture,
        department=department,
        password=password,
        display_name=display_name,
    )
    _changed(user.username, "add", role=role, prefecture=prefecture, department=department)
    click.echo(f"已新建用户 {_show(user)}")


@users.command("list")
def users_list() -> None:
    """列出全部用户。"""
    import pandas as pd

    from access import users as accounts

    rows = [
        {
            "username": u.username,
            "name": u.display_name,
            "role": u.role,
            "prefecture": u.prefecture_adcode,
            "department": u.department or "",
            "password": u.has_password,
            "disabled": u.disabled,
        }
        for u in accounts.all_users(_engine())
    ]
    cols = ["username", "name", "role", "prefecture", "department", "password", "disabled"]
    emit(pd.DataFrame(rows, columns=cols).astype({"prefecture": "Int64"}), "table")


@users.command("role")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--prefecture", type=int)
@click.option("--department")
def users_role(username, role, prefecture, department) -> None:
    """更改用户的角色和范围。"""
    from access import users as accounts

    user = accounts.set_role(_engine(), username, role, prefecture, department)
    _changed(user.username, "role", role=role, prefecture=prefecture, department=department)
    click.echo(f"已更改 {_show(user)}")


@users.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="重新启用")
def users_disable(username, enable) -> None:
    """停用用户（其 API 令牌同时作废）；--enable 重新启用。"""
    from access import users as accounts

    user = accounts.set_disabled(_engine(), username, not enable)
    _changed(user.username, "enable" if enable else "disable")
    click.echo(f"已{'启用' if enable else '停用'}用户 {user.username}")


@users.command("passwd")
@click.argument("username")
def users_passwd(username) -> None:
    """设置用户密码（从标准输入读取一行）。"""
    from access import users as accounts

    user = accounts.set_password(_engine(), username, _password())
    _changed(user.username, "password")
    click.echo(f"已更新用户 {user.username} 的密码")


@users.command("token")
@click.argument("username")
def users_token(username) -> None:
    """发放新的 API 令牌并打印（仅此一次；库中只存其哈希）。"""
    from access import users as accounts

    token = accounts.new_token(_engine(), username)
    _changed(username, "token")
    click.echo(token)


DEMO_ACCOUNTS = (
    ("demo_province", "province", None, None, "省办（演示）"),
    ("demo_department", "department", None, "省生态环境厅", "省生态环境厅（演示）"),
    ("demo_kunming", "prefecture", 530100, None, "昆明市（演示）"),
    ("demo_leader", "leader", None, None, "领导（演示）"),
)


@users.command("demo", hidden=True)
def users_demo() -> None:
    """First run (scripts/run): one demo account per role, passwords printed once."""
    import secrets

    from access import users as accounts

    eng = _engine()
    if accounts.all_users(eng):
        return
    click.echo("演示账户（密码只显示这一次）/ demo accounts (passwords shown once):")
    for name, role, prefecture, department, label in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        accounts.add(
            eng,
            name,
            role,
            prefecture=prefecture,
            department=department,
            password=password,
            display_name=label,
        )
        _changed(name, "add", role=role, prefecture=prefecture, department=department)
        click.echo(f"  {role:<11} {name:<16} {password}")


@click.command("audit")
@click.option("--user", help="只看该用户")
@click.option("--since", callback=parse_date, help="起始日期 YYYY-MM-DD")
@click.option("--action", multiple=True, help="动作，可重复（login、download、export、…）")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table")
@click.option("--limit", type=int, default=1000, show_default=True)
def audit_cmd(user, since, action, fmt, limit) -> None:
    """审计日志：谁在何时以何种范围查看、下载、导出、决定了什么（最新在前）。"""
    from access import audit

    unknown = [a for a in action if a not in audit.ACTIONS]
    if unknown:
        raise UserError(f"未知动作：{'、'.join(unknown)}（可用：{'、'.join(audit.ACTIONS)}）")
    frame = audit.entries(_engine(), user=user, since=since, actions=action, limit=limit)
    if fmt == "csv":
        from exitmap.cells import neutralise_frame

        frame = neutralise_frame(frame)
    emit(frame, fmt)


COMMANDS = (users, audit_cmd)

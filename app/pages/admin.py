"""The province office's own pages: 用户管理 /admin/users and 审计 /admin/audit.

The router refuses both to every other role (app/permissions.py); the callbacks here carry the
same rules (``admin_users``), so a request made without the page is refused too.
"""

from __future__ import annotations

import pandas as pd
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from access import audit, users
from access.guard import guarded, record
from app.components.tables import Col, frame, table
from app.context import Context
from app.state import ViewState
from exitmap.errors import UserError
from exitmap.scope import ROLES
from exitmap.vocabulary import PREFECTURES

LABELS = {
    "zh": {
        "users": "用户管理",
        "audit": "审计日志（最近 500 条）",
        "username": "用户名",
        "name": "名称",
        "role": "角色",
        "prefecture": "州（市）",
        "department": "牵头部门",
        "password": "密码",
        "disabled": "已停用",
        "add": "新建用户",
        "toggle": "停用 / 启用",
        "at": "时间",
        "action": "动作",
        "target": "对象",
        "scope": "范围",
        "rows": "行数",
        "address": "地址",
        "yes": "是",
        "no": "否",
        "added": "已新建用户 {name}",
        "toggled": "已更改用户 {name} 的状态",
    },
    "en": {
        "users": "Users",
        "audit": "Audit log (latest 500)",
        "username": "User name",
        "name": "Name",
        "role": "Role",
        "prefecture": "Prefecture",
        "department": "Department",
        "password": "Password",
        "disabled": "Disabled",
        "add": "Add user",
        "toggle": "Disable / enable",
        "at": "When",
        "action": "Action",
        "target": "Target",
        "scope": "Scope",
        "rows": "Rows",
        "address": "Address",
        "yes": "yes",
        "no": "no",
        "added": "Added {name}",
        "toggled": "Changed {name}",
    },
}


def _users_table(ctx: Context, lab: dict) -> html.Table:
    cols = [
        Col(lab["username"], lambda u: u.username),
        Col(lab["name"], lambda u: u.display_name),
        Col(lab["role"], lambda u: u.role),
        Col(lab["prefecture"], lambda u: PREFECTURES.get(u.prefecture_adcode, "")),
        Col(lab["department"], lambda u: u.department or ""),
        Col(lab["password"], lambda u: lab["yes"] if u.has_password else lab["no"]),
        Col(lab["disabled"], lambda u: lab["yes"] if u.disabled else lab["no"]),
    ]
    rows = [{"u": u} for u in users.all_users(ctx.engine)]
    return table(
        [Col(c.header, lambda r, c=c: c.cell(r["u"])) for c in cols],
        rows,
        id="users-table",
        row_id=lambda r: r["u"].username,
    )


def _users_list(ctx: Context, lab: dict) -> html.Div:
    """The users' table in its own scrolling frame (a phone scrolls it, not the page)."""
    return frame(_users_table(ctx, lab), lab["users"])


def users_layout(ctx: Context, state: ViewState) -> html.Div:
    lab = LABELS[state.lang]
    return html.Div(
        [
            html.H1(lab["users"]),
            html.Div(_users_list(ctx, lab), id="users-list"),
            html.H2(lab["add"]),
            html.Div(
                [
                    dcc.Input(id="u-name", placeholder=lab["username"], maxLength=64),
                    dcc.Dropdown(
                        id="u-role", options=list(ROLES), placeholder=lab["role"], clearable=False
                    ),
                    dcc.Dropdown(
                        id="u-prefecture",
                        options=[{"label": n, "value": a} for a, n in PREFECTURES.items()],
                        placeholder=lab["prefecture"],
                    ),
                    dcc.Dropdown(
                        id="u-department",
                        options=list(users.departments()),
                        placeholder=lab["department"],
                    ),
                    dcc.Input(
                        id="u-password",
                        type="password",
                        placeholder=lab["password"],
                        maxLength=1024,
                    ),
                    html.Button(lab["add"], id="u-add"),
                    html.Button(lab["toggle"], id="u-toggle"),
                ],
                className="admin-form",
            ),
            html.P(id="u-message", role="status"),
        ],
        className="card",
        id="admin-users",
    )


def _count(value) -> str:
    # A column of counts with gaps comes back from pandas as floats with NaN.
    return "" if value is None or pd.isna(value) else str(int(value))


def audit_layout(ctx: Context, state: ViewState) -> html.Div:
    lab = LABELS[state.lang]
    rows = audit.entries(ctx.engine, limit=500).to_dict("records")
    cols = [
        Col(lab["at"], lambda r: r["at"].strftime("%Y-%m-%d %H:%M:%S"), nowrap=True),
        Col(lab["username"], lambda r: r["username"]),
        Col(lab["role"], lambda r: r["role"]),
        Col(lab["scope"], lambda r: r["scope"]),
        Col(lab["action"], lambda r: r["action"]),
        Col(lab["target"], lambda r: r["target"]),
        Col(lab["rows"], lambda r: _count(r["row_count"])),
        Col(lab["address"], lambda r: r["address"] or ""),
    ]
    return html.Div(
        [html.H1(lab["audit"]), frame(table(cols, rows, id="audit-table"), lab["audit"])],
        className="card",
        id="admin-audit",
    )


def register(app, ctx: Context) -> None:
    @guarded(
        app,
        "admin_users",
        Output("u-message", "children"),
        Output("users-list", "children"),
        Input("u-add", "n_clicks"),
        Input("u-toggle", "n_clicks"),
        State("u-name", "value"),
        State("u-role", "value"),
        State("u-prefecture", "value"),
        State("u-department", "value"),
        State("u-password", "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def change(_add, _toggle, name, role, prefecture, department, password, search):
        from dash import ctx as cb

        lab = LABELS["en" if "lang=en" in (search or "") else "zh"]
        if not name:
            raise PreventUpdate
        try:
            if cb.triggered_id == "u-add":
                user = users.add(
                    ctx.engine,
                    name,
                    role or "",
                    prefecture=prefecture if role == "prefecture" else None,
                    department=department if role == "department" else None,
                    password=password or None,
                )
                record("user_change", user.username, {"change": "add", "role": role})
                message = lab["added"].format(name=user.username)
            else:
                user = users.require(ctx.engine, name)
                users.set_disabled(ctx.engine, user.username, not user.disabled)
                change = "enable" if user.disabled else "disable"
                record("user_change", user.username, {"change": change})
                message = lab["toggled"].format(name=user.username)
        except UserError as exc:
            return str(exc), _users_list(ctx, lab)
        return message, _users_list(ctx, lab)

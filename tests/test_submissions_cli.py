"""``exitmap worker`` and ``exitmap submissions list|show|accept|return``: the same code path and
audit rows as the pages, run as the system by the login that typed them."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from click.testing import CliRunner

from access import audit
from exitmap.cli import main
from submissions import store
from tests.helpers.registers import unit_row
from tests.helpers.submissions import KUNMING_USER, csv_bytes

AS_OF = dt.date(2026, 9, 30)


def _cli(engine, *args):
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return CliRunner().invoke(main, list(args), env=env)


def test_the_command_line_checks_lists_shows_returns_and_accepts(engine):
    first = store.create(engine, KUNMING_USER, "一.csv", csv_bytes([unit_row(1)]), AS_OF)
    second = store.create(engine, KUNMING_USER, "二.csv", csv_bytes([unit_row(2)]), AS_OF)
    for _ in range(2):
        assert _cli(engine, "worker", "--once").exit_code == 0
    listed = _cli(engine, "submissions", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{second}\t昆明市\t2026-09-30\t草稿（已检查）")
    assert "共 1 行：通过 1" in lines[0]

    # A draft is the prefecture's to submit first: the office cannot accept it yet.
    early = _cli(engine, "submissions", "accept", str(first))
    assert early.exit_code == 1 and "错误：「草稿（已检查）」状态的登记表不能采用" in early.output
    store.act(engine, KUNMING_USER, first, "submit")
    store.act(engine, KUNMING_USER, second, "submit")

    no_comment = _cli(engine, "submissions", "return", str(second), "--comment", " ")
    assert no_comment.exit_code == 1 and "必须填写退回意见" in no_comment.output
    returned = _cli(engine, "submissions", "return", str(second), "--comment", "请补填装备编号")
    assert returned.exit_code == 0, returned.output
    accepted = _cli(engine, "submissions", "accept", str(first))
    assert accepted.exit_code == 0 and "新增 1" in accepted.output
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM unit")).scalar_one() == 1

    shown = _cli(engine, "submissions", "show", str(second), "--report")
    data = json.loads(shown.output)
    assert data["state"] == "returned" and data["report"]["valid"] is True
    assert data["history"][-1]["comment"] == "请补填装备编号"
    assert data["history"][-1]["username"].startswith("cli:")
    rows = audit.entries(engine, actions=["submission"])
    assert {json.loads(p)["action"] for p in rows["params"]} == {"submit", "return", "accept"}
    assert _cli(engine, "submissions", "show", "999").exit_code == 1

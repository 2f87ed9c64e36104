"""Decisions made by two people (approvals/): one office user drafts a 区域限批 decision or a
quota allocation, another approves it; the drafter's own approval is refused, and nothing is
decided until the approval — the command line takes the same path."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from access import audit, users
from approvals import drafts
from etl.decisions import DecisionError
from exitmap.cli import main
from exitmap.scope import Scope
from tests.helpers.accounts import PASSWORD, add_accounts

KUNMING = 530100
FIRST = Scope("province", "t_province")
SECOND = Scope("province", "t_province2")
PDF = b"%PDF-1.4\n% a decision document\n"


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_a_second_office_user_approves_a_freeze_the_first_drafted(engine):
    params = {"document": "云政发〔2026〕9号", "on": "2026-10-01", "reason": "淘汰类逾期"}
    draft_id = drafts.draft(engine, FIRST, "freeze_decide", "昆明", params, ("决定.pdf", PDF))
    assert _count(engine, "freeze_decision") == 0  # a draft decides nothing
    view = drafts.engine_view(engine, drafts.get(engine, FIRST, draft_id))
    assert view == "2026-10-01 规则未触发限批"  # no units: the rule has nothing to count
    assert [d.id for d in drafts.pending(engine, SECOND)] == [draft_id]

    with pytest.raises(drafts.DraftRefused, match="起草人（t_province）不能审批自己起草的决定"):
        drafts.approve(engine, FIRST, draft_id)
    for other in (
        Scope("prefecture", "t_kunming", frozenset({KUNMING})),
        Scope("department", "t_env", departments=frozenset({"省生态环境厅"})),
        Scope("leader", "t_leader"),
    ):
        with pytest.raises(drafts.DraftRefused, match="无权审批"):
            drafts.approve(engine, other, draft_id)
    assert _count(engine, "freeze_decision") == 0

    decision = drafts.approve(engine, SECOND, draft_id)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT prefecture_adcode, document_no, start_date FROM freeze_decision")
        ).one()
        kept = conn.execute(
            sa.text("SELECT document_pdf, approved_by, decision_id FROM decision_draft")
        ).one()
    assert row == (KUNMING, "云政发〔2026〕9号", dt.date(2026, 10, 1))
    assert kept == (PDF, "t_province2", decision)
    with pytest.raises(drafts.DraftRefused, match="已由 t_province2 审批"):
        drafts.approve(engine, Scope("province", "t_province3"), draft_id)

    stages = audit.entries(engine, actions=["decision"])
    assert list(zip(stages["username"], stages["target"], strict=True)) == [
        ("t_province2", f"decision_draft/{draft_id}"),
        ("t_province", f"decision_draft/{draft_id}"),
    ]
    refused = audit.entries(engine, actions=["forbidden"])
    assert "t_province" in set(refused["username"]) and len(refused) == 4
    # The table holds the rule too, whoever writes the row.
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE decision_draft SET approved_by = drafted_by"))


def test_who_may_draft_and_what_a_draft_needs(engine):
    with pytest.raises(drafts.DraftRefused, match="无权起草"):
        drafts.draft(engine, Scope("leader", "l"), "freeze_decide", "昆明", {})
    kunming_only = Scope("department", "d", frozenset({530300}), frozenset({"省生态环境厅"}))
    with pytest.raises(drafts.DraftRefused, match="无权起草昆明市"):
        drafts.draft(
            engine, kunming_only, "freeze_decide", "昆明", {"document": "x", "on": "2026-01-01"}
        )
    with pytest.raises(drafts.DraftRefused, match="缺少：document"):
        drafts.draft(engine, FIRST, "freeze_decide", "昆明", {"on": "2026-01-01"})
    with pytest.raises(drafts.DraftRefused, match="不是 PDF"):
        drafts.draft(
            engine, FIRST, "freeze_lift", "昆明", {"document": "x", "on": "2026-01-01"},
            ("x.pdf", b"MZ not a pdf"),
        )  # fmt: skip
    assert _count(engine, "decision_draft") == 0


def test_an_allocation_past_the_balance_is_refused_with_the_figures_at_approval(engine):
    draft_id = drafts.draft(
        engine,
        FIRST,
        "quota_allocate",
        "昆明",
        {"tce": 500, "project": "转型项目", "on": "2026-06-01"},
    )
    view = drafts.engine_view(engine, drafts.get(engine, FIRST, draft_id))
    assert "可分配余额 0.00 吨标准煤" in view and "本次分配 500.00" in view
    refusal = re.escape("可分配的能耗指标余额为 0.00 吨标准煤，不足以分配 500.00")
    with pytest.raises(DecisionError, match=refusal):
        drafts.approve(engine, SECOND, draft_id)
    assert _count(engine, "quota_entry") == 0
    assert drafts.get(engine, FIRST, draft_id).state == "draft"  # nothing half-done


def test_the_command_line_names_the_approver(engine):
    add_accounts(engine)
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    args = ["freeze", "decide", "昆明", "--document", "云政发〔2026〕9号", "--date", "2026-10-01"]
    missing = CliRunner().invoke(main, args, env=env)
    assert missing.exit_code == 2 and "--approved-by" in missing.output
    unknown = CliRunner().invoke(main, [*args, "--approved-by", "nobody"], env=env)
    assert unknown.exit_code == 1 and "没有可用的用户「nobody」" in unknown.output
    users.add(engine, "t_kunming2", "prefecture", prefecture=KUNMING, password=PASSWORD)
    wrong_role = CliRunner().invoke(main, [*args, "--approved-by", "t_kunming2"], env=env)
    assert wrong_role.exit_code == 1 and "无权审批" in wrong_role.output
    assert _count(engine, "freeze_decision") == 0
    done = CliRunner().invoke(main, [*args, "--approved-by", "t_province"], env=env)
    assert done.exit_code == 0, done.output
    assert _count(engine, "freeze_decision") == 1
    lift = ["freeze", "lift", "昆明", "--document", "云政发〔2027〕1号", "--date", "2027-01-01"]
    assert CliRunner().invoke(main, [*lift, "--approved-by", "t_province"], env=env).exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT lift_date FROM freeze_decision")).scalar_one() == (
            dt.date(2027, 1, 1)
        )

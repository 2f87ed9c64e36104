"""History with two times (issue #12): valid time from the register's own dates, record time
for what was known when. Hand-built registers, standings worked out by hand."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from etl.decisions import DecisionError, allocate, decide_freeze
from etl.load import LoadError, load
from etl.pipeline import prepare
from exitmap.cli import main
from exitmap.clock import start_of
from exitmap.scope import EVERYTHING
from layers.freeze import freeze_list
from layers.map import MapData, progress
from layers.quota import balance, ledger
from layers.standing import standing
from layers.units import evaluate, explain
from tests.helpers.accounts import add_accounts
from tests.helpers.registers import credit_code, unit_row, write_csv

D = dt.date
KUNMING = 530100
FIGURES = [
    "units_in_scope",
    "units_resolved",
    "units_remaining",
    "units_overdue",
    "freeze_triggered",
    "quota_released_tce",
]


def _url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def kunming(engine, on: dt.date, known_on: dt.date | None = None) -> list:
    row = standing(engine, on, known_on=known_on).set_index("adcode").loc[KUNMING]
    return [row[c].item() if hasattr(row[c], "item") else row[c] for c in FIGURES]


# ------------------------------------------------------------------ the issue, as reported


def test_a_first_register_of_2026_knows_the_years_before(engine, tmp_path):
    """The issue's own steps: a first register loaded --as-of 2026 with a unit 已拆除 in 2020
    and a 淘汰类 unit still 在产; then the standing on 2022-01-01, an allocation dated 2025
    and the province's completion chart."""
    register = write_csv(
        tmp_path / "first.csv",
        [
            unit_row(1, 当前状态="已拆除", 实际退出日期="2020-06-30", 退出方式="拆除"),
            unit_row(2),  # 淘汰类, 在产
        ],
    )
    runner = CliRunner()
    env = {"DATABASE_URL": _url(engine)}
    add_accounts(engine)  # the approver named by --approved-by
    res = runner.invoke(main, ["load", str(register), "--as-of", "2026-03-31"], env=env)
    assert res.exit_code == 0, res.output

    res = runner.invoke(main, ["standing", "--as-of", "2022-01-01", "--format", "json"], env=env)
    assert res.exit_code == 0, res.output
    row = next(r for r in json.loads(res.output) if r["adcode"] == KUNMING)
    # Resolved = exited with 实际退出日期 ≤ D; released quota = energy of units exited by D;
    # the 在产 淘汰类 unit is overdue since the 2021-12-31 deadline, which triggers 区域限批.
    assert [row[c] for c in FIGURES] == [2, 1, 1, 1, True, 50000.0]
    assert row["freeze_reasons"] == "淘汰类逾期1个"

    res = runner.invoke(
        main,
        [
            "quota",
            "allocate",
            "昆明",
            "30000",
            "--project",
            "转型项目",
            "--date",
            "2025-06-01",
            "--approved-by",
            "t_province",
        ],
        env=env,
    )
    assert res.exit_code == 0, res.output
    assert "当日余额 20,000.00" in res.output

    # 全省完成率变化: half done from the first year end on, not flat at zero until 2026.
    chart = progress(MapData(engine), D(2026, 3, 31), EVERYTHING)
    assert chart["date"].to_list()[:2] == [D(2020, 12, 31), D(2021, 12, 31)]
    assert chart["units_in_scope"].to_list() == [2] * 7
    assert chart["units_resolved"].to_list() == [1] * 7
    assert chart["completion_units_pct"].to_list() == [50.0] * 7

    # Before the policy's start (the 2019 catalog, in force from 2020-01-01) nothing was in
    # scope; the unit 在产 was never stated before 2026: derived, and explain says so.
    assert kunming(engine, D(2019, 12, 31))[:4] == [0, 0, 0, 0]
    unit = evaluate(engine, D(2022, 1, 1), unit_key=f"{credit_code(2)}/1#").iloc[0]
    assert (unit["status"], unit["derived"], unit["overdue"]) == (None, True, True)
    text = explain(engine, f"{credit_code(2)}/1#", D(2022, 1, 1))
    assert "状态：登记前（状态未载明，按政策起始日推定在退出范围内）（自 2020-01-01 起）" in text
    assert "结论：未完成，已逾期 1 天，计入区域限批触发。" in text


# ------------------------------------------------------------------ both views, corrected


def _two_loads(engine, tmp_path):
    """Load 1 (data 2024-12-31, recorded 2025-01-10): C 已拆除 on 2023-06-30, D and E 在产.
    Load 2 (data 2025-12-31, recorded 2026-01-10): C's exit corrected to 2021-10-31, D closed
    on 2025-05-31, E unchanged."""
    c = {"energy": "50000"}
    first = [
        unit_row(1, 当前状态="已拆除", 实际退出日期="2023-06-30", 退出方式="拆除", **c),
        unit_row(2, energy="20000"),
        unit_row(3, 退出类别="限制类", energy="10000"),
    ]
    second = [
        unit_row(1, 当前状态="已拆除", 实际退出日期="2021-10-31", 退出方式="拆除", **c),
        unit_row(2, 当前状态="已关停", 实际退出日期="2025-05-31", 退出方式="关停", energy="20000"),
        unit_row(3, 退出类别="限制类", energy="10000"),
    ]
    one = load(
        engine,
        prepare([write_csv(tmp_path / "2024.csv", first)]),
        D(2024, 12, 31),
        recorded_at=start_of(D(2025, 1, 10)),
    )
    two = load(
        engine,
        prepare([write_csv(tmp_path / "2025.csv", second)]),
        D(2025, 12, 31),
        recorded_at=start_of(D(2026, 1, 10)),
    )
    return one, two


DATES = [D(2021, 6, 30), D(2022, 1, 1), D(2024, 6, 30), D(2025, 6, 30), D(2026, 1, 1)]


def test_standings_before_between_and_after_loads_in_both_views(engine, tmp_path):
    one, two = _two_loads(engine, tmp_path)
    assert (one.inserted, one.events, one.corrected) == (3, 3, 0)
    # C's exit moved before the previous register's date: a corrected history; D's closing
    # (after it) is news, not a correction; E did not change.
    assert (two.updated, two.unchanged, two.events, two.corrected) == (2, 1, 2, 1)

    # Everything known now (valid time): in scope from 2020-01-01, C exited 2021-10-31.
    now = {
        D(2021, 6, 30): [3, 0, 3, 0, False, 0.0],
        D(2022, 1, 1): [3, 1, 2, 1, True, 50000.0],  # D overdue (淘汰类, 2021-12-31)
        D(2024, 6, 30): [3, 1, 2, 1, True, 50000.0],
        D(2025, 6, 30): [3, 2, 1, 0, False, 70000.0],  # D exited 2025-05-31
        D(2026, 1, 1): [3, 2, 1, 1, False, 70000.0],  # E (限制类) late: no freeze by default
    }
    # As known between the loads: C exited only in 2023, D still 在产.
    between = {
        D(2021, 6, 30): [3, 0, 3, 0, False, 0.0],
        D(2022, 1, 1): [3, 0, 3, 2, True, 0.0],
        D(2024, 6, 30): [3, 1, 2, 1, True, 50000.0],
        D(2025, 6, 30): [3, 1, 2, 1, True, 50000.0],
        D(2026, 1, 1): [3, 1, 2, 2, True, 50000.0],
    }
    nothing = [0, 0, 0, 0, False, 0.0]
    for on in DATES:
        assert kunming(engine, on) == now[on], on
        assert kunming(engine, on, known_on=D(2026, 1, 10)) == now[on], on
        assert kunming(engine, on, known_on=D(2026, 1, 9)) == between[on], on
        assert kunming(engine, on, known_on=D(2025, 6, 30)) == between[on], on
        assert kunming(engine, on, known_on=D(2025, 1, 10)) == between[on], on
        assert kunming(engine, on, known_on=D(2025, 1, 9)) == nothing, on

    # The unit lists, the freeze list and the ledger read the same two views.
    late = freeze_list(engine, D(2022, 1, 1), known_on=D(2025, 6, 30)).set_index("adcode")
    assert late.loc[KUNMING, "trigger_units"] == 2
    assert freeze_list(engine, D(2022, 1, 1)).set_index("adcode").loc[KUNMING, "trigger_units"] == 1
    released = ledger(engine, D(2025, 12, 31), EVERYTHING.narrow(KUNMING))
    assert list(zip(released["entry_date"], released["amount_tce"], strict=True)) == [
        (D(2021, 10, 31), 50000.0),
        (D(2025, 5, 31), 20000.0),
    ]
    then = ledger(engine, D(2025, 12, 31), EVERYTHING.narrow(KUNMING), known_on=D(2025, 6, 30))
    assert list(then["entry_date"]) == [D(2023, 6, 30)]
    units = MapData(engine).units(D(2022, 1, 1), EVERYTHING, known_on=D(2025, 6, 30))
    assert sorted(units.filter(units["overdue"])["unit_key"].to_list()) == [
        f"{credit_code(1)}/1#",
        f"{credit_code(2)}/1#",
    ]


def test_explain_shows_what_is_believed_now_and_what_was_recorded_when(engine, tmp_path):
    _two_loads(engine, tmp_path)
    key = f"{credit_code(1)}/1#"
    text = explain(engine, key, D(2022, 1, 1))
    assert "结论：已退出（退出日期 2021-10-31），已完成。" in text
    believed = text.split("状态历史（现行认定，按实际发生日期）：\n")[1].split("\n登记记录")[0]
    assert believed.splitlines() == [
        "  2020-01-01 登记前（状态未载明，按政策起始日推定在退出范围内）（类别 淘汰类）",
        "  2021-10-31 已拆除（类别 淘汰类，实际退出日期 2021-10-31）",
    ]
    recorded = text.split("登记记录（按记录时间）：\n")[1].split("\n规则版本")[0]
    assert recorded.splitlines() == [
        "  2025-01-10 记录《2024.csv》（数据日期 2024-12-31）：已拆除（类别 淘汰类，实际退出日期"
        " 2023-06-30），自 2023-06-30 起",
        "  2026-01-10 记录《2025.csv》（数据日期 2025-12-31）：已拆除（类别 淘汰类，实际退出日期"
        " 2021-10-31），自 2021-10-31 起，更正此前历史",
    ]
    then = explain(engine, key, D(2022, 1, 1), known_on=D(2025, 6, 30))
    assert "（截至 2022-01-01，按 2025-06-30 当时掌握的情况）" in then
    assert "结论：未完成，已逾期 1 天，计入区域限批触发。" in then

    res = CliRunner().invoke(
        main,
        ["explain", key, "--as-of", "2022-01-01", "--known-on", "2025-06-30"],
        env={"DATABASE_URL": _url(engine)},
    )
    assert res.exit_code == 0, res.output
    assert "已逾期 1 天" in res.output and "更正此前历史" in res.output


def test_record_time_only_moves_forward(engine, tmp_path):
    _two_loads(engine, tmp_path)
    late = write_csv(tmp_path / "late.csv", [unit_row(4)])
    with pytest.raises(LoadError, match=r"记录时间 .* 早于已有载入的记录时间"):
        load(engine, prepare([late]), D(2025, 12, 31), recorded_at=start_of(D(2025, 3, 1)))
    # A register older than one already recorded for the same units is refused too: it
    # would override newer news from its date on.
    old = write_csv(tmp_path / "old.csv", [unit_row(2)])
    with pytest.raises(LoadError, match="早于这些装备已载入的最新数据日期 2025-12-31"):
        load(engine, prepare([old]), D(2024, 12, 31))


def test_a_reversal_is_news_from_its_register_date(engine, tmp_path):
    """已关停 then 在产 again: the exit holds from its date until the register that says 在产;
    已关停 then 已拆除 with the same exit date keeps the exit where it was."""
    loads = {
        D(2022, 12, 31): unit_row(1, 当前状态="已关停", 实际退出日期="2022-03-31", 退出方式="关停"),
        D(2023, 12, 31): unit_row(1, 当前状态="已拆除", 实际退出日期="2022-03-31", 退出方式="拆除"),
        D(2024, 12, 31): unit_row(1, 当前状态="在产"),
    }
    corrected = []
    for i, (as_of, row) in enumerate(loads.items()):
        path = write_csv(tmp_path / f"{i}.csv", [row])
        corrected.append(load(engine, prepare([path]), as_of).corrected)
    assert corrected == [0, 0, 0]
    with engine.connect() as conn:
        timeline = conn.execute(
            sa.text(
                "SELECT event_date, status, e_exit_date FROM unit_event "
                "WHERE superseded_at IS NULL ORDER BY event_date"
            )
        ).all()
    assert [tuple(r) for r in timeline] == [
        (D(2020, 1, 1), None, None),
        (D(2022, 3, 31), "已关停", D(2022, 3, 31)),
        (D(2023, 12, 31), "已拆除", D(2022, 3, 31)),
        (D(2024, 12, 31), "在产", None),
    ]
    assert kunming(engine, D(2024, 6, 30))[:4] == [1, 1, 0, 0]
    assert kunming(engine, D(2025, 1, 1))[:4] == [1, 0, 1, 1]


# ------------------------------------------------------------------ quota and decisions


def test_a_correction_that_overdraws_an_allocation_is_reported(engine, tmp_path):
    first = [unit_row(1, 当前状态="已拆除", 实际退出日期="2023-06-30", 退出方式="拆除")]
    load(engine, prepare([write_csv(tmp_path / "a.csv", first)]), D(2024, 12, 31))
    allocate(engine, "昆明", 40000, "甲项目", D(2024, 1, 1))
    # The exit really happened in mid-2024: the January allocation relied on nothing.
    later = [unit_row(1, 当前状态="已拆除", 实际退出日期="2024-06-30", 退出方式="拆除")]
    summary = load(engine, prepare([write_csv(tmp_path / "b.csv", later)]), D(2025, 12, 31))
    assert summary.corrected == 1
    assert [(s.adcode, s.on, s.balance_tce) for s in summary.quota_shortfalls] == [
        (KUNMING, D(2024, 1, 1), -40000.0)
    ]
    assert balance(engine, KUNMING, D(2024, 1, 1)) == -40000.0
    assert balance(engine, KUNMING, D(2024, 6, 30)) == 10000.0
    # An allocation dated D is checked against D and every later date: after the exit,
    # what is left can go; before it, nothing can (January is already short).
    with pytest.raises(DecisionError, match=r"余额为 10000\.00"):
        allocate(engine, "昆明", 15000, "乙项目", D(2024, 7, 1))
    with pytest.raises(DecisionError, match=r"余额为 0\.00"):
        allocate(engine, "昆明", 1, "丙项目", D(2023, 12, 1))
    allocate(engine, "昆明", 10000, "乙项目", D(2024, 7, 1))

    res = CliRunner().invoke(
        main, ["quota", "ledger", "昆明", "--format", "csv"], env={"DATABASE_URL": _url(engine)}
    )
    assert res.exit_code == 0, res.output
    assert "注意：昆明市在 2024-01-01 的能耗指标余额为 -40000.00 吨标准煤" in res.output

    # …and on the 能耗指标 page.
    from app.main import create_app
    from app.pages import quota
    from app.state import ViewState
    from exitmap.db import scoped

    with scoped(EVERYTHING):  # as the office sees it: the app's role sees nothing unscoped
        page = str(quota.layout(create_app(engine=engine).ctx, ViewState()))
    assert "注意：昆明市在 2024年1月1日 的能耗指标余额为 -4万吨标准煤" in page


def test_decisions_and_allocations_recorded_after_k_are_unknown_on_k(engine, tmp_path):
    register = [unit_row(1, 当前状态="已拆除", 实际退出日期="2020-06-30", 退出方式="拆除")]
    yesterday = dt.date.today() - dt.timedelta(days=1)
    load(
        engine,
        prepare([write_csv(tmp_path / "a.csv", register)]),
        D(2024, 12, 31),
        recorded_at=start_of(yesterday - dt.timedelta(days=1)),
    )
    allocate(engine, "昆明", 1000, "甲项目", D(2024, 1, 1))  # recorded now
    decide_freeze(engine, "昆明", "云政发〔2024〕1号", D(2024, 1, 1))
    assert kunming(engine, D(2024, 6, 30))[5] == 50000.0
    now = standing(engine, D(2024, 6, 30)).set_index("adcode").loc[KUNMING]
    then = standing(engine, D(2024, 6, 30), known_on=yesterday).set_index("adcode").loc[KUNMING]
    assert (now["quota_allocated_tce"], then["quota_allocated_tce"]) == (1000.0, 0.0)
    mine = EVERYTHING.narrow(KUNMING)
    assert list(ledger(engine, D(2024, 6, 30), mine, known_on=yesterday)["kind"]) == ["release"]
    decided = freeze_list(engine, D(2024, 6, 30)).set_index("adcode").loc[KUNMING, "decided"]
    before = freeze_list(engine, D(2024, 6, 30), known_on=yesterday).set_index("adcode")
    assert (decided, before.loc[KUNMING, "decided"]) == (True, False)


# ------------------------------------------------------------------ the demo, replayed


def test_known_on_reproduces_what_the_demo_said_after_each_snapshot(engine):
    """The demo loaded snapshot by snapshot, recorded on its dates: after each load, the
    standing (on the snapshot date, a year before and a year later) is noted; once every
    snapshot is in, "as known on" each snapshot date must give back exactly those tables."""
    import tempfile
    from pathlib import Path

    from etl.demo import write_demo
    from tests.helpers.demo import DEMO_TODAY

    said = {}
    with tempfile.TemporaryDirectory() as tmp:
        for path, as_of in write_demo(Path(tmp), today=DEMO_TODAY):
            load(
                engine,
                prepare([path]),
                as_of,
                source="demo",
                synthetic=True,
                recorded_at=start_of(as_of),
            )
            for on in (as_of - dt.timedelta(days=365), as_of, as_of + dt.timedelta(days=365)):
                said[as_of, on] = standing(engine, on)
    assert len({k for k, _ in said}) == 7  # 2020–2025 and today
    for (known_on, on), table in said.items():
        then = standing(engine, on, known_on=known_on)
        assert then.equals(table), (known_on, on)
    # Later snapshots moved no year-end figure of the standing: the history they add starts
    # where each unit's register says (问题认定日期, exit dates), not at the load.
    for (known_on, on), table in said.items():
        if on == known_on:
            assert standing(engine, on).equals(table), on


def test_lists_and_deck_say_what_was_known_then(engine, tmp_path):
    """The public lists as known between the two loads: C and D both late (no exit of C
    known yet), nothing closed; with everything known now C is closed and only D is late."""
    from openpyxl import load_workbook

    from exports.deck import read_context
    from exports.lists import write_lists

    _two_loads(engine, tmp_path)
    on, then = D(2022, 1, 1), D(2025, 6, 30)

    def sheet(files, name):
        ws = load_workbook(next(p for p in files if p.name.startswith(name))).active
        return ws["A2"].value, ws.max_row - 4  # title, issuer line, note, header, then rows

    now = write_lists(engine, on, tmp_path / "now")
    known = write_lists(engine, on, tmp_path / "then", known_on=then)
    line, closed = sheet(now, "06_")
    assert "数据截至：2022年1月1日" in line and "当时掌握" not in line and closed == 1
    line, closed = sheet(known, "06_")
    assert "数据截至：2022年1月1日（按2025年6月30日当时掌握）" in line and closed == 0
    assert sheet(now, "08_")[1] == 1 and sheet(known, "08_")[1] == 2
    ctx = read_context(engine, on, [KUNMING], known_on=then)
    assert ctx.row(KUNMING)["units_overdue"] == 2 and ctx.known_on == then


def test_the_paged_unit_tables_read_both_views(engine, tmp_path):
    """The 数据 page and a prefecture's unit list page through layers.unit_table in SQL: as
    known on K they list what was said then, as the map's unit layer does."""
    from layers.unit_table import UnitQuery, unit_count, unit_rows

    _two_loads(engine, tmp_path)
    on = D(2022, 1, 1)

    def late(known_on):
        query = UnitQuery(on, {"prefecture": KUNMING}, known_on=known_on)
        found = unit_rows(engine, query, 0, 100, scope=EVERYTHING)
        assert found.total == 3
        return sorted(r["unit_key"] for r in found.rows if r["overdue"])

    def on_the_map(known_on):
        units = MapData(engine).units(on, EVERYTHING, known_on=known_on)
        return sorted(units.filter(units["overdue"])["unit_key"].to_list())

    then = late(D(2025, 6, 30))
    assert then == [f"{credit_code(1)}/1#", f"{credit_code(2)}/1#"] == on_the_map(D(2025, 6, 30))
    now = late(None)
    assert len(now) == 1 and now == on_the_map(None)
    assert (
        unit_count(engine, UnitQuery(on, known_on=D(2025, 1, 9)), scope=EVERYTHING) == 0
    )  # nothing recorded yet
    assert unit_count(engine, UnitQuery(on), scope=EVERYTHING) == 3


def test_the_published_ranking_reads_both_views(engine, tmp_path):
    """A prefecture user, held to its own rows by row-level security, reads the others'
    published sums as they were known then in a view as known then, the same as the owner's."""
    from exitmap.db import app_database_url, scoped, scoped_engine
    from exitmap.policy import default_policy
    from exitmap.scope import Scope
    from layers.standing import read_published_summary, read_summary

    _two_loads(engine, tmp_path)
    policy, on = default_policy(), D(2022, 1, 1)
    qujing = Scope("prefecture", "qj", frozenset({530300}))
    app = scoped_engine(app_database_url(_url(engine)))

    def sums(frame) -> list:
        row = frame.filter(frame["prefecture_adcode"] == KUNMING).sum()
        return [row[c].item() for c in ("units_in_scope", "units_resolved", "units_overdue")]

    try:
        for known_on, expected in [
            (None, [3, 1, 1]),
            (D(2025, 6, 30), [3, 0, 2]),
            (D(2025, 1, 9), [0, 0, 0]),
        ]:
            with scoped(qujing), app.connect() as conn:
                published = read_published_summary(conn, on, policy, known_on)
                own = read_summary(conn, on, policy, qujing, known_on)
            with engine.connect() as conn:
                owner = read_summary(conn, on, policy, EVERYTHING, known_on)
            assert own.is_empty()  # its own prefecture has no units
            assert sums(published) == expected, known_on
            assert published.sort(published.columns).equals(owner.sort(owner.columns))
    finally:
        app.dispose()

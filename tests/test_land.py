"""盘活土地资源 (issue #16): what became of exited sites; the 5-year original-use window of a
site converted to services, its end and when it is near, on fixed dates; refusals; the command
line with its audit line; the scope."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from etl.decisions import DecisionError
from etl.land import record_site
from etl.load import load
from etl.pipeline import prepare
from exitmap.cli import main
from exitmap.policy.land import load_land
from exitmap.policy.rules import POLICY_DIR, PolicyError
from exitmap.scope import EVERYTHING
from layers.land import sites
from tests.helpers.registers import credit_code, unit_row, write_csv

D = dt.date
QUJING = 530300
GONE = {"当前状态": "已拆除", "退出方式": "拆除"}


def key(serial: int) -> str:
    return f"{credit_code(serial)}/1#"


@pytest.fixture
def gone(engine, tmp_path):
    """Units 1 (exited 2021-06-30) and 2 (exited 2022-03-31) in Kunming; 3 still works."""
    rows = [
        unit_row(1, 实际退出日期="2021-06-30", **GONE),
        unit_row(2, 实际退出日期="2022-03-31", **GONE),
        unit_row(3),
    ]
    load(engine, prepare([write_csv(tmp_path / "r.csv", rows)]), D(2022, 6, 30))
    return engine


def test_a_converted_site_keeps_its_use_five_years_and_is_listed_near_the_end(gone):
    record_site(gone, key(1), 85.5, "划拨", "转产", D(2021, 9, 1), "t")
    record_site(gone, key(2), 40, "出让", "收回", D(2022, 5, 1), "t")
    assert sites(gone, D(2021, 8, 31)).empty  # nothing decided yet
    on = sites(gone, D(2026, 3, 5)).set_index("unit_key")
    assert on.at[key(1), "window_end"] == D(2026, 9, 1)
    assert on.at[key(1), "days_left"] == 180 and bool(on.at[key(1), "near"])
    assert on.at[key(2), "window_end"] is None and not on.at[key(2), "near"]
    assert not sites(gone, D(2026, 3, 4)).set_index("unit_key").at[key(1), "near"]  # 181 days
    assert not sites(gone, D(2026, 9, 2)).set_index("unit_key").at[key(1), "near"]  # ended
    # Recorded again: the site as it now stands.
    record_site(gone, key(1), 85.5, "划拨", "转让", D(2023, 2, 1), "t")
    assert sites(gone, D(2026, 3, 5)).set_index("unit_key").at[key(1), "outcome"] == "转让"
    assert sites(gone, D(2026, 3, 5), EVERYTHING.narrow(QUJING)).empty


def test_only_exited_sites_and_known_words_are_taken(gone):
    with pytest.raises(DecisionError, match="尚未退出"):
        record_site(gone, key(2), 10, "划拨", "收回", D(2022, 1, 1), "t")  # exits in March
    with pytest.raises(DecisionError, match="尚未退出"):
        record_site(gone, key(3), 10, "划拨", "收回", D(2022, 6, 1), "t")
    with pytest.raises(DecisionError, match="处置方式应为"):
        record_site(gone, key(1), 10, "划拨", "出租", D(2022, 6, 1), "t")
    with pytest.raises(DecisionError, match="面积应大于 0"):
        record_site(gone, key(1), 0, "划拨", "收回", D(2022, 6, 1), "t")
    assert sites(gone, D(2030, 1, 1)).empty


def test_the_command_line_records_and_lists_near_windows_with_an_audit_line(gone):
    from access import audit

    env = {"DATABASE_URL": gone.url.render_as_string(hide_password=False)}
    add = ["land", "add", key(1), "--area", "85.5", "--right", "划拨", "--outcome", "转产"]
    res = CliRunner().invoke(main, [*add, "--date", "2021-09-01"], env=env)
    assert res.exit_code == 0, res.output
    near = ["land", "list", "--near", "--format", "json", "--as-of"]
    assert [
        r["unit_key"]
        for r in json.loads(CliRunner().invoke(main, [*near, "2026-06-01"], env=env).output)
    ] == [key(1)]
    assert json.loads(CliRunner().invoke(main, [*near, "2025-06-01"], env=env).output) == []
    params = json.loads(audit.entries(gone, actions=["decision"]).iloc[0]["params"])
    assert (params["kind"], params["outcome"]) == ("land", "转产")


def test_the_window_is_policy_data_checked_on_load(tmp_path):
    rules = load_land()
    assert (rules.window_years, rules.near_days) == (5, 180) and "三(三)" in rules.source
    text = (POLICY_DIR / "land.toml").read_text(encoding="utf-8")
    (tmp_path / "land.toml").write_text(text.replace("window_years = 5", "window_years = 0"))
    with pytest.raises(PolicyError, match=r"land\.toml.*conversion.*超出合理范围"):
        load_land(tmp_path)

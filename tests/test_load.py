"""Loading registers into PostGIS: strict and partial, idempotent, history, atomic."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from etl.load import LoadError, load
from etl.pipeline import prepare
from etl.policy_sync import refresh_all_history
from etl.report import write_report
from tests.helpers.gem import GEM_DIR
from tests.helpers.registers import credit_code, unit_row, write_csv

D2021 = dt.date(2021, 12, 31)
D2022 = dt.date(2022, 12, 31)
EXITMAP = Path(sys.executable).parent / "exitmap"


def scalar(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def rows(engine, sql, **params):
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).all()


def test_load_locates_and_records_history(engine, tmp_path):
    path = write_csv(
        tmp_path / "kunming.csv",
        [
            unit_row(1),
            unit_row(1, "2#", 细分行业="炼钢", 装备名称="转炉", 规格型号="30t"),
            unit_row(2, prefecture="曲靖市", county="麒麟区", 经度="103.80", 纬度="25.50"),
        ],
    )
    summary = load(engine, prepare([path]), D2021)
    assert (summary.inserted, summary.updated, summary.events) == (3, 0, 3)
    located = rows(
        engine,
        "SELECT unit_key, prefecture_adcode, county_adcode, location_precision, "
        "ST_X(geom), ST_Y(geom) FROM unit ORDER BY unit_key",
    )
    assert [(r[1], r[2], r[3]) for r in located] == [
        (530100, 530102, "exact"),
        (530100, 530102, "exact"),
        (530300, 530302, "exact"),
    ]
    assert located[0][0] == f"{credit_code(1)}/1#"
    assert located[0][4] == pytest.approx(102.7047)
    assert scalar(engine, "SELECT count(*) FROM enterprise") == 2
    record = rows(engine, "SELECT file_name, rows_total, rows_ok, units_inserted FROM load_record")
    assert record == [("kunming.csv", 3, 3, 3)]


def test_same_file_twice_changes_nothing(engine, tmp_path):
    path = write_csv(tmp_path / "a.csv", [unit_row(1), unit_row(2)])
    load(engine, prepare([path]), D2021)
    before = rows(engine, "SELECT * FROM unit ORDER BY id")
    history = rows(engine, "SELECT * FROM unit_event ORDER BY id")
    again = load(engine, prepare([path]), D2021)
    assert again.already_loaded
    assert rows(engine, "SELECT * FROM unit ORDER BY id") == before
    assert rows(engine, "SELECT * FROM unit_event ORDER BY id") == history
    assert scalar(engine, "SELECT count(*) FROM unit_observation") == 2
    assert scalar(engine, "SELECT count(*) FROM load_record") == 1

    # The same units in another file (rows reordered): unchanged, no new history.
    copy = write_csv(tmp_path / "b.csv", [unit_row(2), unit_row(1)])
    summary = load(engine, prepare([copy]), D2021)
    assert (summary.inserted, summary.updated, summary.unchanged, summary.events) == (0, 0, 2, 0)
    assert rows(engine, "SELECT * FROM unit_event ORDER BY id") == history


def test_newer_register_records_status_changes_and_reports_missing(engine, tmp_path):
    load(
        engine,
        prepare([write_csv(tmp_path / "2021.csv", [unit_row(1), unit_row(2), unit_row(3)])]),
        D2021,
    )
    newer = write_csv(
        tmp_path / "2022.csv",
        [
            unit_row(1, 当前状态="已拆除", 实际退出日期="2022-06-30", 退出方式="拆除"),
            unit_row(2),
        ],
    )
    summary = load(engine, prepare([newer]), D2022)
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 1)
    assert summary.events == 1
    assert summary.corrected == 0  # news after the previous register's date corrects nothing

    def timeline(current: bool):
        return [
            tuple(r)
            for r in rows(
                engine,
                "SELECT e.event_date, e.status, e.previous_status, e.actual_exit_date, e.derived "
                "FROM unit_event e JOIN unit u ON u.id = e.unit_id WHERE u.unit_key = :key "
                "AND (e.superseded_at IS NULL) = :current ORDER BY e.event_date",
                key=f"{credit_code(1)}/1#",
                current=current,
            )
        ]

    # Valid time: in scope from the policy's start (derived), 在产 as the 2021 register said,
    # 已拆除 from its own 实际退出日期 — not from the 2022 register's date.
    start = dt.date(2020, 1, 1)
    assert timeline(current=True) == [
        (start, None, None, None, True),
        (D2021, "在产", None, None, False),
        (dt.date(2022, 6, 30), "已拆除", "在产", dt.date(2022, 6, 30), False),
    ]
    # Record time: what the first load said is kept, closed by the second.
    assert timeline(current=False) == [
        (start, None, None, None, True),
        (D2021, "在产", None, None, False),
    ]
    # Unit 3 is not in the newer register of 昆明市: reported, never deleted.
    assert [m.unit_key for m in summary.missing] == [f"{credit_code(3)}/1#"]
    assert scalar(engine, "SELECT count(*) FROM unit") == 3


def test_strict_load_writes_nothing_when_a_row_is_rejected(engine, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [unit_row(1), unit_row(2, 经度="150.1", 纬度="25")])
    prepared = prepare([path])
    assert prepared.counts() == {"ok": 1, "warning": 0, "rejected": 1}
    with pytest.raises(LoadError, match="1 行被拒绝"):
        load(engine, prepared, D2021)
    assert scalar(engine, "SELECT count(*) FROM unit") == 0
    assert scalar(engine, "SELECT count(*) FROM load_record") == 0


def test_partial_load_quarantines_rejected_rows_whole(engine, tmp_path):
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            unit_row(1),
            # Columns the register does not define are not read, but they are part of the row.
            unit_row(2, 统一社会信用代码="91530102MA00000020", 联系人="张三", 联系电话="0871-1234"),
            unit_row(3),
        ],
    )
    summary = load(engine, prepare([path]), D2021, partial=True)
    assert (summary.inserted, summary.quarantined) == (2, 1)
    (q,) = rows(engine, "SELECT file_name, sheet, row_number, raw, reasons FROM quarantine_row")
    assert (q[0], q[2]) == ("mixed.csv", 3)
    assert q[3]["统一社会信用代码"] == "91530102MA00000020"
    assert q[3]["企业名称"] == "云南测试2号钢铁有限公司"
    assert (q[3]["联系人"], q[3]["联系电话"]) == ("张三", "0871-1234")
    assert "统一社会信用代码" in q[4]
    assert rows(engine, "SELECT rows_ok, rows_rejected, mode FROM load_record") == [
        (2, 1, "partial")
    ]


def test_quarantined_cells_keep_quotes_commas_line_breaks_and_empty_text(engine, tmp_path):
    awkward = '甲,"乙"\n丙；丁'
    path = write_csv(
        tmp_path / "awkward.csv",
        [unit_row(1), unit_row(2, 统一社会信用代码="91530102MA00000020", 备注=awkward, 联系人="")],
    )
    summary = load(engine, prepare([path]), D2021, partial=True)
    assert (summary.inserted, summary.quarantined) == (1, 1)
    ((raw, reasons, row),) = rows(engine, "SELECT raw, reasons, row_number FROM quarantine_row")
    assert (raw["备注"], row) == (awkward, 3)
    assert raw["联系人"] is None  # an empty cell, as the reader holds it
    assert "统一社会信用代码" in reasons


def test_same_unit_twice_in_one_load_is_rejected(engine, tmp_path):
    a = write_csv(tmp_path / "a.csv", [unit_row(1)])
    b = write_csv(tmp_path / "b.csv", [unit_row(2), unit_row(1)])
    prepared = prepare([a, b])
    rejected = prepared.rejected.sort("file")
    assert rejected.select("file", "row").rows() == [("a.csv", 2), ("b.csv", 3)]
    message = "；".join(rejected["messages"][0])
    assert "出现多次" in message and "b.csv" in message and "第 3 行" in message
    with pytest.raises(LoadError):
        load(engine, prepared, D2021)


def test_missing_equipment_number_gets_a_stable_key_and_a_warning(engine, tmp_path):
    row = unit_row(1, equipment="")
    first = prepare([write_csv(tmp_path / "a.csv", [row])])
    second = prepare([write_csv(tmp_path / "b.csv", [row])])
    key = first.rows["unit_key"][0]
    assert key == second.rows["unit_key"][0]
    assert key.startswith(credit_code(1) + "/#")
    assert first.rows["outcome"][0] == "warning"
    assert "「装备编号」未填写" in first.rows["messages"][0][0]


def test_older_as_of_than_loaded_history_is_refused(engine, tmp_path):
    path = write_csv(tmp_path / "a.csv", [unit_row(1)])
    load(engine, prepare([path]), D2022)
    changed = write_csv(tmp_path / "b.csv", [unit_row(1, 当前状态="停产")])
    with pytest.raises(LoadError, match="早于"):
        load(engine, prepare([changed]), D2021)
    assert scalar(engine, "SELECT status FROM unit") == "在产"


def test_report_has_one_line_per_data_row(tmp_path):
    path = write_csv(
        tmp_path / "r.csv",
        [
            unit_row(1),
            unit_row(
                2,
                prefecture="",
                county="",
                经度="",
                纬度="",
                详细地址="云南省红河哈尼族彝族自治州蒙自市",
            ),
            unit_row(3, capacity="-5"),
        ],
    )
    out = tmp_path / "report.csv"
    write_report(prepare([path]), out)
    with out.open(encoding="utf-8-sig") as fh:
        lines = list(csv.DictReader(fh))
    assert list(lines[0]) == [
        "file", "sheet", "row", "status", "unit_key", "prefecture_adcode", "county_adcode",
        "lon", "lat", "precision", "messages",
    ]  # fmt: skip
    assert [(r["row"], r["status"], r["precision"]) for r in lines] == [
        ("2", "ok", "exact"),
        ("3", "warning", "county"),
        ("4", "rejected", "exact"),
    ]
    assert lines[1]["county_adcode"] == "532503"  # 蒙自市, placed at the county's point
    assert "产能（万吨/年）" in lines[2]["messages"]


def _env(engine) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
    }


def test_cli_strict_load_exits_non_zero_and_dry_run_needs_no_database(engine, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [unit_row(1), unit_row(2, 当前状态="开着")])
    result = subprocess.run(
        [EXITMAP, "load", path, "--as-of", "2021-12-31"], env=_env(engine),
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert "bad.csv 工作表" in result.stderr and "第 3 行" in result.stderr
    assert "当前状态" in result.stderr
    assert scalar(engine, "SELECT count(*) FROM unit") == 0

    nowhere = {**os.environ, "DATABASE_URL": "postgresql://nobody@/none?host=/nonexistent"}
    report = tmp_path / "report.csv"
    dry = subprocess.run(
        [EXITMAP, "load", path, "--dry-run", "--report", report], env=nowhere,
        capture_output=True, text=True,
    )  # fmt: skip
    assert dry.returncode == 1  # one row rejected, but no database was needed to say so
    assert "未写入数据库" in dry.stdout
    assert report.read_text(encoding="utf-8-sig").count("\n") == 3


def test_a_load_killed_half_way_leaves_the_database_unchanged(engine, tmp_path):
    many = [unit_row(i, prefecture="", county="") for i in range(1, 20001)]
    path = write_csv(tmp_path / "big.csv", many)
    proc = subprocess.Popen(
        [EXITMAP, "load", path, "--as-of", "2021-12-31"], env=_env(engine),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # The load's transaction holds an advisory lock from its first statement to its commit.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if scalar(engine, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"):
            break
        assert proc.poll() is None, "load finished before it could be interrupted"
        time.sleep(0.005)
    else:
        pytest.fail("load never started writing")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(0.2)
    assert scalar(engine, "SELECT count(*) FROM unit") == 0
    assert scalar(engine, "SELECT count(*) FROM load_record") == 0
    assert scalar(engine, "SELECT count(*) FROM enterprise") == 0


def test_gem_trackers_land_in_their_prefectures(engine, monkeypatch):
    from etl.gem import MUNICIPALITY_ADCODE, prepare_gem

    gem = GEM_DIR
    assert gem.is_dir(), f"GEM files not found at {gem}: set EXITMAP_GEM_DIR to their folder"
    cement, _ = prepare_gem(gem / "Global-Cement-and-Concrete-Tracker_July-2025.xlsx")
    steel, _ = prepare_gem(gem / "Iron-and-Steel-map-file-2025-03-25.csv")
    assert (cement.rows.height, steel.rows.height) == (46, 12)
    for prepared in (cement, steel):
        assert prepared.rows["prefecture_adcode"].null_count() == 0
        assert prepared.counts()["rejected"] == 0
    declared = cement.rows.select(
        "prefecture_adcode",
        __import__("polars").col("municipality").str.replace(r"\s+AP$", "")
        .replace_strict(MUNICIPALITY_ADCODE).alias("declared"),
    )  # fmt: skip
    assert declared["prefecture_adcode"].to_list() == declared["declared"].to_list()

    load(engine, cement, dt.date(2025, 7, 31), source="gem", partial=True)
    load(engine, steel, dt.date(2025, 3, 25), source="gem", partial=True)
    by_source = rows(engine, "SELECT source, count(*) FROM unit GROUP BY source")
    assert by_source == [("gem", 58)]
    retired = scalar(engine, "SELECT count(*) FROM unit WHERE status = '已关停'")
    assert retired >= 3  # 3 retired cement plants + retired steel plants


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_shipped_messy_registers_end_to_end(engine, tmp_path):
    """The shipped Excel (merged titles, two sheets) and GBK CSV, through report and load."""
    files = [FIXTURES / "register_messy.xlsx", FIXTURES / "register_gbk.csv"]
    prepared = prepare(files)
    assert prepared.counts() == {"ok": 4, "warning": 3, "rejected": 5}
    by_place = {(r["sheet"], r["row"]): r for r in prepared.rows.iter_rows(named=True)}

    swapped = by_place[("钢铁建材", 6)]
    assert swapped["outcome"] == "warning" and "填反" in swapped["messages"][0]
    assert swapped["county_adcode"] == 530302 and 103 < swapped["lon_wgs84"] < 104
    assert by_place[("钢铁建材", 9)]["location_precision"] == "county"
    rejected = {
        place: "；".join(r["messages"])
        for place, r in by_place.items()
        if r["outcome"] == "rejected"
    }
    assert set(rejected) == {
        ("钢铁建材", 10),
        ("钢铁建材", 11),
        ("钢铁建材", 12),
        ("有色化工", 4),
        ("register_gbk", 5),
    }
    assert "校验位" in rejected[("钢铁建材", 10)]
    assert "不能为负数" in rejected[("钢铁建材", 11)]
    assert "「企业名称」不能为空" in rejected[("钢铁建材", 12)]
    assert "与「细分行业」" in rejected[("有色化工", 4)]
    assert "「当前状态」" in rejected[("register_gbk", 5)]
    # No message repeats its column name twice.
    doubled = re.compile(r"^「([^」]+)」「\1」")
    assert not any(doubled.match(m) for ms in prepared.rows["messages"] for m in ms)

    with pytest.raises(LoadError):
        load(engine, prepared, D2021)
    summary = load(engine, prepared, D2021, partial=True)
    assert (summary.inserted, summary.quarantined) == (7, 5)
    assert scalar(engine, "SELECT count(*) FROM quarantine_row") == 5


def test_references_are_checked_once_per_load(engine, tmp_path):
    """Without per-row foreign keys, the loader itself refuses unknown areas."""
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM county WHERE adcode = 530102"))
    with pytest.raises(LoadError, match="530102"):
        load(engine, prepare([write_csv(tmp_path / "a.csv", [unit_row(1)])]), D2021)
    assert scalar(engine, "SELECT count(*) FROM unit") == 0


# One of each record about a unit or its firm, for the unit :u of firm :f.
RECORDS_ABOUT_A_UNIT = (
    "INSERT INTO replacement_use (project_id, unit_id, capacity_wt) VALUES (:p, :u, 1)",
    "INSERT INTO exited_site (unit_id, area_mu, land_right, outcome, outcome_date, recorded_by)"
    " VALUES (:u, 10, '出让', '收回', '2022-01-01', 'x')",
    "INSERT INTO annual_target_unit (target_id, unit_id) VALUES (:t, :u)",
    "INSERT INTO inspection_finding (inspection_id, unit_id, finding, demand, deadline)"
    " VALUES (:i, :u, 'f', 'd', '2022-06-30')",
    "INSERT INTO resettlement_plan (enterprise_id, prefecture_adcode, workers, plan_date,"
    " status, recorded_by) VALUES (:f, 530100, 5, '2022-01-01', '已完成', 'x')",
)
OWNERS = {
    "p": "INSERT INTO replacement_project (name, enterprise, prefecture_adcode, sub_industry,"
    " new_capacity_wt, ratio, document_no, approved_on, recorded_by)"
    " VALUES ('p', 'f', 530100, '水泥熟料', 1, 1.5, 'd', '2022-01-01', 'x') RETURNING id",
    "i": "INSERT INTO inspection (prefecture_adcode, visited_on, team, recorded_by)"
    " VALUES (530100, '2022-01-01', 't', 'x') RETURNING id",
    "t": "INSERT INTO annual_target (prefecture_adcode, year, units, due, drafted_by,"
    " approved_by) VALUES (530100, 2022, 1, '2022-12-31', 'a', 'b') RETURNING id",
}


def test_removing_a_source_takes_the_records_about_its_units(engine, tmp_path):
    """The demo is regenerated by removing its units: what was recorded about them (a site,
    a replacement use, a target line naming one, a firm's resettlement plan) goes with them,
    an inspection finding stays unlinked, and another source's records stay."""
    from etl.load import remove_source

    load(engine, prepare([write_csv(tmp_path / "a.csv", [unit_row(1)])]), D2021)
    load(engine, prepare([write_csv(tmp_path / "b.csv", [unit_row(3)])]), D2021, source="demo")
    with engine.begin() as conn:
        owners = {key: conn.execute(sa.text(sql)).scalar_one() for key, sql in OWNERS.items()}
        units = conn.execute(sa.text("SELECT source, id, enterprise_id FROM unit")).all()
        for _, unit, firm in units:
            for sql in RECORDS_ABOUT_A_UNIT:
                conn.execute(sa.text(sql), owners | {"u": unit, "f": firm})

    assert remove_source(engine, "demo") == 1
    kept, firm = next((unit, firm) for source, unit, firm in units if source == "register")
    for table in ("replacement_use", "exited_site", "annual_target_unit"):
        assert scalar(engine, f"SELECT array_agg(unit_id) FROM {table}") == [kept]
    assert scalar(engine, "SELECT array_agg(enterprise_id) FROM resettlement_plan") == [firm]
    linked = "SELECT array_agg(unit_id ORDER BY unit_id NULLS LAST) FROM inspection_finding"
    assert scalar(engine, linked) == [kept, None]


def test_removing_a_source_removes_its_history(engine, tmp_path):
    from etl.load import remove_source

    load(engine, prepare([write_csv(tmp_path / "a.csv", [unit_row(1), unit_row(2)])]), D2021)
    load(engine, prepare([write_csv(tmp_path / "b.csv", [unit_row(3)])]), D2021, source="demo")
    assert remove_source(engine, "demo") == 1
    assert scalar(engine, "SELECT count(*) FROM unit") == 2
    # Each remaining unit: the derived state before 2021-12-31, then what the register said.
    assert scalar(engine, "SELECT count(*) FROM unit_event") == 4
    assert scalar(engine, "SELECT count(*) FROM unit_observation") == 2
    assert scalar(engine, "SELECT count(*) FROM enterprise") == 2
    for table in ("unit_event", "unit_observation"):
        orphans = (
            f"SELECT count(*) FROM {table} e "
            "WHERE NOT EXISTS (SELECT 1 FROM unit u WHERE u.id = e.unit_id)"
        )
        assert scalar(engine, orphans) == 0


def test_events_carry_the_units_current_register_fields(engine, tmp_path):
    """A newer register that only corrects a figure gives every event of the unit's new
    version the new copies; the version it replaces keeps what was said then."""
    load(engine, prepare([write_csv(tmp_path / "a.csv", [unit_row(1)])]), D2021)
    load(
        engine,
        prepare([write_csv(tmp_path / "b.csv", [unit_row(1, 当前状态="停产")])]),
        D2022,
    )
    corrected = write_csv(tmp_path / "c.csv", [unit_row(1, 当前状态="停产", energy="64000")])
    summary = load(engine, prepare([corrected]), dt.date(2023, 6, 30))
    assert (summary.updated, summary.events) == (1, 0)
    copies = rows(
        engine,
        "SELECT event_date, u_energy_tce, u_prefecture_adcode, valid_to FROM unit_event "
        "WHERE superseded_at IS NULL ORDER BY event_date",
    )
    start = dt.date(2020, 1, 1)
    assert copies == [
        (start, 64000.0, 530100, D2021),
        (D2021, 64000.0, 530100, D2022),
        (D2022, 64000.0, 530100, None),
    ]
    before = rows(
        engine,
        "SELECT event_date, u_energy_tce FROM unit_event WHERE superseded_at = "
        "(SELECT max(superseded_at) FROM unit_event) ORDER BY event_date",
    )
    assert before == [(start, 50000.0), (D2021, 50000.0), (D2022, 50000.0)]


def test_events_evaluated_as_written_equal_a_full_refresh(engine, tmp_path):
    """Timelines are inserted evaluated (migrations 0003, 0004): recomputing every current
    event from scratch afterwards must change nothing, and superseded versions keep the
    evaluation they were shown with."""
    registers = {
        D2021: [
            unit_row(1),
            unit_row(2, 退出类别="能耗不达标", 当前状态="整改中", 问题认定日期="2021.06"),
            unit_row(
                3,
                退出类别="环保不达标",
                当前状态="延期整改",
                问题认定日期="2021-05-01",
                整改期限="2022.03",
            ),
            unit_row(4, 当前状态="已关停", 实际退出日期="2021.10", 退出方式="关停"),
            unit_row(5, 退出类别=""),
        ],
        D2022: [
            unit_row(1, 当前状态="已关停", 实际退出日期="2022-03-01", 退出方式="关停"),
            unit_row(2, 退出类别="能耗不达标", 当前状态="延期整改", 问题认定日期="2021.06"),
            unit_row(3, 退出类别="环保不达标", 当前状态="已改造达标", 问题认定日期="2021-05-01"),
            unit_row(4, 当前状态="已拆除", 实际退出日期="2021.10", 退出方式="拆除"),
            unit_row(5, 退出类别="限制类", energy="64000"),
            unit_row(
                6,
                退出类别="安全不达标",
                当前状态="停产",
                问题认定日期="2022-07-01",
                整改期限="2023-01-31",
            ),
        ],
        dt.date(2023, 6, 30): [
            unit_row(1, 当前状态="在产"),
            unit_row(
                2,
                退出类别="能耗不达标",
                当前状态="已关停",
                问题认定日期="2021.06",
                实际退出日期="2023-05-01",
                退出方式="关停",
            ),
            unit_row(
                6,
                退出类别="安全不达标",
                当前状态="已转产",
                问题认定日期="2022-07-01",
                实际退出日期="2023-02-01",
                退出方式="转产",
            ),
            unit_row(7, 当前状态="延期整改"),
        ],
    }
    for as_of, register in registers.items():
        prepared = prepare([write_csv(tmp_path / f"{as_of}.csv", register)])
        assert prepared.counts()["rejected"] == 0
        load(engine, prepared, as_of)
    every_event = "SELECT * FROM unit_event ORDER BY id"
    written = rows(engine, every_event)
    assert scalar(engine, "SELECT count(*) FROM unit_observation") == 5 + 6 + 4
    # Unit 4 closed in October 2021 (month precision: from its end), demolished by 2022.
    assert {r.exit_since for r in written if r.e_is_exit} >= {dt.date(2021, 10, 31)}
    with engine.begin() as conn:
        refresh_all_history(conn)
    assert rows(engine, every_event) == written


def test_a_renamed_firm_is_a_firm_update_not_a_unit_update(engine, tmp_path):
    first = load(
        engine, prepare([write_csv(tmp_path / "a.csv", [unit_row(1), unit_row(2)])]), D2021
    )
    assert (first.firms_inserted, first.firms_updated) == (2, 0)
    renamed = write_csv(
        tmp_path / "b.csv", [unit_row(1, 企业名称="云南测试1号钢铁集团有限公司"), unit_row(2)]
    )
    summary = load(engine, prepare([renamed]), D2022)
    assert (summary.firms_inserted, summary.firms_updated) == (0, 1)
    assert (summary.updated, summary.unchanged, summary.events) == (0, 2, 0)
    assert (
        scalar(engine, "SELECT name FROM enterprise WHERE credit_code = :c", c=credit_code(1))
        == "云南测试1号钢铁集团有限公司"
    )

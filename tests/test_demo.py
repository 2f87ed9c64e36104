"""The synthetic demo register: shape, coverage, validity and determinism of the snapshots."""

from __future__ import annotations

import collections
import datetime as dt
import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest
import shapely

from etl.demo import write_demo
from exitmap.boundaries import load_counties, load_prefectures, short_name
from exitmap.crs import gcj02_to_wgs84

TODAY = dt.date(2026, 6, 30)

# domain.md §6, in order.
HEADERS = [
    "序号", "州（市）", "县（市、区）", "企业名称", "统一社会信用代码", "行业", "细分行业",
    "装备名称", "装备编号", "规格型号", "产能（万吨/年）", "年综合能耗（吨标准煤）",
    "年用电量（万千瓦时）", "退出类别", "当前状态", "问题认定日期", "整改期限", "计划退出日期",
    "实际退出日期", "退出方式", "职工人数", "详细地址", "经度", "纬度", "坐标系", "备注",
]  # fmt: skip
SUB_INDUSTRIES = {
    "钢铁": ("炼钢", "炼铁", "铁合金"),
    "建材": ("水泥熟料", "平板玻璃", "粉磨站", "石灰窑"),
    "石化化工": ("焦炭", "电石", "黄磷", "烧碱"),
    "有色金属": ("电解铝", "铜冶炼", "铅冶炼", "锌冶炼", "锡冶炼"),
}
SECTOR_OF = {sub: sector for sector, subs in SUB_INDUSTRIES.items() for sub in subs}
CATEGORIES = {"淘汰类", "限制类", "能耗不达标", "环保不达标", "质量不达标", "安全不达标"}
STATUSES = {"在产", "整改中", "延期整改", "停产", "已关停", "已拆除", "已改造达标", "已转产"}
METHODS = {"拆除", "关停", "改造提升", "转产", "产能置换"}
CRS = {None, "WGS84", "CGCS2000", "GCJ02"}
EXITED = {"已关停", "已拆除", "已转产"}
ACTIVE = {"在产", "整改中", "延期整改"}
NOT_EXITED_UNLESS = EXITED | {"已改造达标"}
DATE_COLUMNS = ("问题认定日期", "整改期限", "计划退出日期", "实际退出日期")
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
REMARK = "演示数据（合成，非真实企业）"


def _add_months(d: dt.date, months: int) -> dt.date:
    y, m = divmod(d.month - 1 + months, 12)
    for day in (d.day, 30, 29, 28):
        try:
            return dt.date(d.year + y, m + 1, day)
        except ValueError:
            continue
    raise AssertionError


def _date(value) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    assert isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), value
    return dt.date.fromisoformat(value)


def _read(path: Path) -> dict[str, list[tuple]]:
    """Every sheet's cell values (read-only mode: fast)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    finally:
        wb.close()


def _records(sheets: dict[str, list[tuple]]) -> list[dict]:
    out = []
    for name, rows in sheets.items():
        if name == "填表说明":
            continue
        for row in rows[2:]:
            rec = dict(zip(HEADERS, row, strict=True))
            rec["sheet"] = name
            for col in DATE_COLUMNS:
                rec[col] = _date(rec[col])
            out.append(rec)
    return out


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> list[tuple[Path, dt.date]]:
    return write_demo(tmp_path_factory.mktemp("demo"), TODAY)


@pytest.fixture(scope="module")
def snapshots(demo) -> dict[dt.date, list[dict]]:
    return {when: _records(_read(path)) for path, when in demo}


@pytest.fixture(scope="module")
def final(snapshots) -> list[dict]:
    return snapshots[TODAY]


@pytest.fixture(scope="module")
def counties():
    c = load_counties()
    return {
        (int(p), str(n)): (int(a), g)
        for a, n, p, g in zip(c.adcode, c.name, c.parent_adcode, c.geometry, strict=True)
    }


@pytest.fixture(scope="module")
def prefectures() -> dict[str, int]:
    p = load_prefectures()
    return {str(n): int(a) for a, n in zip(p.adcode, p.name, strict=True)}


def test_files_and_dates(demo):
    assert [w for _, w in demo] == [dt.date(y, 12, 31) for y in range(2020, 2026)] + [TODAY]
    for path, when in demo:
        assert path.name == f"demo-register-{when.isoformat()}.xlsx"
        assert path.is_file()


def test_layout(demo, prefectures):
    path, when = demo[-1]
    wb = openpyxl.load_workbook(path)
    order = sorted(prefectures, key=prefectures.get)
    assert wb.sheetnames == ["填表说明", *(short_name(n) for n in order)]
    assert wb["填表说明"].max_row >= 3
    for ws in wb.worksheets[1:]:
        assert ws["A1"].value == (
            f"云南省淘汰落后和低端低效产能退出台账（演示数据）— 数据截至 {when.isoformat()}"
        )
        assert [str(r) for r in ws.merged_cells.ranges] == ["A1:Z1"]
        assert [c.value for c in ws[2]] == HEADERS
        assert [r[0] for r in ws.iter_rows(min_row=3, max_col=1, values_only=True)] == list(
            range(1, ws.max_row - 1)
        )


def test_final_snapshot_coverage(final, prefectures):
    assert 550 <= len(final) <= 650
    enterprises = {r["统一社会信用代码"] for r in final}
    assert 200 <= len(enterprises) <= 320
    assert len({r["企业名称"] for r in final}) == len(enterprises)
    subs = collections.Counter(r["细分行业"] for r in final)
    assert set(subs) == set(SECTOR_OF)
    sheets = collections.Counter(r["sheet"] for r in final)
    assert set(sheets) == {short_name(n) for n in prefectures}
    # Industrial prefectures carry more units than the forest and border ones.
    for big in ("曲靖", "红河", "昆明"):
        for small in ("迪庆", "怒江", "西双版纳"):
            assert sheets[big] > 3 * sheets[small]
    cats = collections.Counter(r["退出类别"] for r in final)
    assert set(cats) == CATEGORIES | {None}
    assert 0.10 <= cats[None] / len(final) <= 0.20
    assert {r["当前状态"] for r in final} == STATUSES
    assert {r["退出方式"] for r in final} == METHODS | {None}
    # 烧碱 has no 限制 list (domain §2).
    assert not [r for r in final if r["细分行业"] == "烧碱" and r["退出类别"] == "限制类"]


def test_values_are_canonical(snapshots, prefectures, counties):
    for when, records in snapshots.items():
        for r in records:
            assert r["行业"] == SECTOR_OF[r["细分行业"]]
            assert r["退出类别"] in CATEGORIES | {None}
            assert r["当前状态"] in STATUSES
            assert r["退出方式"] in METHODS | {None}
            assert r["坐标系"] in CRS
            assert r["备注"] == REMARK
            pref = prefectures[r["州（市）"]]
            assert short_name(r["州（市）"]) == r["sheet"]
            assert (pref, r["县（市、区）"]) in counties
            assert r["详细地址"].startswith(f"云南省{r['州（市）']}{r['县（市、区）']}")
            for col in ("产能（万吨/年）", "年综合能耗（吨标准煤）", "年用电量（万千瓦时）"):
                assert isinstance(r[col], (int, float)) and r[col] > 0, (col, r)
            assert isinstance(r["职工人数"], int) and r["职工人数"] > 0
            assert r["企业名称"] and r["装备名称"] and r["规格型号"]
            for col in DATE_COLUMNS:
                assert r[col] is None or dt.date(2019, 1, 1) <= r[col] <= dt.date(2027, 12, 31)
            assert r["实际退出日期"] is None or r["实际退出日期"] <= when


def test_equipment_numbers(final):
    blank = [r for r in final if r["装备编号"] is None]
    assert 0 < len(blank) <= 0.06 * len(final)
    keys = [(r["统一社会信用代码"], r["装备编号"]) for r in final if r["装备编号"] is not None]
    assert len(keys) == len(set(keys))
    assert all(r["装备编号"].endswith(r["装备名称"]) for r in final if r["装备编号"])


def test_specs_look_real(final):
    patterns = {
        "高炉": r"^\d+m³$",
        "转炉": r"^\d+t$",
        "电弧炉": r"^\d+t（\d+kVA）$",
        "矿热炉": r"^\d+kVA",
        "电石炉": r"^\d+kVA",
        "黄磷电炉": r"^\d+kVA$",
        "水泥熟料生产线": r"^\d+t/d",
        "平板玻璃生产线": r"^\d+t/d",
        "焦炉": r"^炭化室高度\d(\.\d)?m",
        "烧碱装置": r"^(离子膜法|隔膜法) \d+万吨/年$",
        "电解槽系列": r"^\d+kA (预焙槽|自焙槽)",
        "水泥粉磨站": r"^\d+万吨/年",
    }
    for r in final:
        pattern = patterns.get(r["装备名称"])
        if pattern:
            assert re.search(pattern, r["规格型号"]), (r["装备名称"], r["规格型号"])
    clinker = [r for r in final if r["规格型号"] == "2500t/d"]
    assert clinker
    for r in clinker:
        assert 65 <= r["产能（万吨/年）"] <= 95
        assert 70_000 <= r["年综合能耗（吨标准煤）"] <= 110_000


def test_credit_codes(final, counties):
    code_of = {(p, n): a for (p, n), (a, _) in counties.items()}
    for r in final:
        code = r["统一社会信用代码"]
        assert len(code) == 18 and set(code) <= set(CHARSET), code
        total = sum(CHARSET.index(c) * w for c, w in zip(code[:17], WEIGHTS, strict=True))
        assert code[17] == CHARSET[(31 - total % 31) % 31], code
        county = code_of[(int(code[2:6] + "00"), r["县（市、区）"])]
        assert code[2:8] == str(county)


def test_coordinates_inside_stated_county(final, counties, prefectures):
    by_name = {(p, n): g for (p, n), (_, g) in counties.items()}
    with_coords = [r for r in final if r["经度"] is not None]
    address_only = [r for r in final if r["经度"] is None]
    gcj = [r for r in with_coords if r["坐标系"] == "GCJ02"]
    assert 0.02 <= len(address_only) / len(final) <= 0.10
    assert 0.05 <= len(gcj) / len(final) <= 0.16
    for r in address_only:
        assert r["纬度"] is None and r["坐标系"] is None
    lon = np.array([r["经度"] for r in with_coords], dtype=float)
    lat = np.array([r["纬度"] for r in with_coords], dtype=float)
    is_gcj = np.array([r["坐标系"] == "GCJ02" for r in with_coords])
    wlon, wlat = gcj02_to_wgs84(lon[is_gcj], lat[is_gcj])
    lon[is_gcj], lat[is_gcj] = wlon, wlat
    geoms = np.array(
        [by_name[(prefectures[r["州（市）"]], r["县（市、区）"])] for r in with_coords],
        dtype=object,
    )
    inside = shapely.contains_xy(geoms, lon, lat)
    bad = [(r["县（市、区）"], r["经度"], r["纬度"], r["坐标系"]) for r, ok in
           zip(with_coords, inside, strict=True) if not ok]  # fmt: skip
    assert not bad


def test_statuses_and_dates_consistent(snapshots):
    for when, records in snapshots.items():
        for r in records:
            status, exited = r["当前状态"], r["实际退出日期"]
            if status in EXITED:
                assert exited is not None and r["退出方式"] in METHODS - {"改造提升"}, r
            if status in ACTIVE:
                assert exited is None and r["退出方式"] is None, r
            if status == "已改造达标":
                assert r["退出方式"] == "改造提升"
            if r["退出类别"] == "能耗不达标":
                found, deadline = r["问题认定日期"], r["整改期限"]
                assert found is not None and found <= when
                months = 9 if deadline == _add_months(found, 9) else 6
                assert deadline == _add_months(found, months), r
                if status == "延期整改":
                    assert months == 9
            if r["退出类别"] in ("环保不达标", "质量不达标", "安全不达标"):
                assert r["问题认定日期"] is not None and r["整改期限"] is not None
            if r["退出类别"] == "限制类":
                plan = r["计划退出日期"]
                assert dt.date(2021, 1, 1) <= plan <= dt.date(2025, 12, 31)
            if r["退出类别"] == "淘汰类":
                assert r["计划退出日期"] <= dt.date(2021, 12, 31)


def test_units_persist_and_evolve(snapshots):
    def key(r):
        return (r["统一社会信用代码"], r["装备名称"], r["装备编号"], r["规格型号"],
                r["产能（万吨/年）"])  # fmt: skip

    dates = sorted(snapshots)
    previous: dict | None = None
    changed = 0
    for when in dates:
        current = {key(r): r for r in snapshots[when]}
        assert len(current) == len(snapshots[when])
        if previous is not None:
            assert set(previous) <= set(current), when
            changed += sum(previous[k]["当前状态"] != current[k]["当前状态"] for k in previous)
        previous = current
    first, last = snapshots[dates[0]], snapshots[dates[-1]]
    assert len(first) >= 0.6 * len(last)  # most units were registered in 2020
    assert changed > 200
    # Some problems are found later (能耗不达标 identified 2022–2024).
    later = [r for r in last if r["退出类别"] == "能耗不达标" and r["问题认定日期"].year >= 2022]
    assert len(later) >= 30


def test_overdue_elimination_in_several_prefectures(snapshots):
    overdue = {
        r["sheet"]
        for r in snapshots[dt.date(2022, 12, 31)]
        if r["退出类别"] == "淘汰类" and r["当前状态"] not in NOT_EXITED_UNLESS
    }
    assert len(overdue) >= 3
    by_2021 = [r for r in snapshots[dt.date(2021, 12, 31)] if r["退出类别"] == "淘汰类"]
    exited = [r for r in by_2021 if r["当前状态"] in EXITED]
    assert len(exited) >= 0.8 * len(by_2021)  # most met the deadline


def test_deterministic(demo, tmp_path):
    again = write_demo(tmp_path, TODAY)
    assert [w for _, w in again] == [w for _, w in demo]
    for (a, _), (b, _) in zip(demo, again, strict=True):
        assert _read(a) == _read(b)


def test_seed_and_today(tmp_path):
    day = dt.date(2020, 12, 31)  # one snapshot only: cheap
    a = write_demo(tmp_path / "a", day)
    b = write_demo(tmp_path / "b", day, seed=7)
    assert [w for _, w in a] == [w for _, w in b] == [day]
    assert _read(a[0][0]) != _read(b[0][0])


def test_loader_accepts_rows(demo):
    """Every row of the latest snapshots passes read → clean → locate with no rejection."""
    from etl.pipeline import prepare

    for path, _ in demo[-2:]:
        prepared = prepare([path])
        assert prepared.file_errors == []
        assert prepared.counts()["rejected"] == 0, prepared.rejected["messages"].head(5).to_list()

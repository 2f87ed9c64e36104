"""Import Global Energy Monitor's cement and iron & steel trackers (Yunnan plants) as units.

GEM publishes plant-level data (CC BY 4.0) with WGS-84 coordinates. A plant becomes one unit:
its main process, capacity in 万吨/年, status, location; no exit category (GEM says nothing about
the policy), so the units show on the map as context and never count towards standing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import numpy as np
import polars as pl

from etl.locate import locate
from etl.pipeline import FileInfo, Prepared, decide, file_sha256

# GEM's Municipality names (pinyin, "AP" = autonomous prefecture) → prefecture adcode.
MUNICIPALITY_ADCODE = {
    "Kunming": 530100,
    "Qujing": 530300,
    "Yuxi": 530400,
    "Baoshan": 530500,
    "Zhaotong": 530600,
    "Lijiang": 530700,
    "Puer": 530800,
    "Pu'er": 530800,
    "Lincang": 530900,
    "Chuxiong": 532300,
    "Honghe": 532500,
    "Wenshan": 532600,
    "Xishuangbanna": 532800,
    "Dali": 532900,
    "Dehong": 533100,
    "Nujiang": 533300,
    "Diqing": 533400,
}
STATUS = {
    "operating": "在产",
    "mothballed": "停产",
    "retired": "已关停",
    "construction": "在建",
    "announced": "拟建",
    "cancelled": "已取消",
}
EQUIPMENT = {"BF": "高炉", "BOF": "转炉", "EAF": "电弧炉", "DRI": "直接还原", "OHF": "平炉"}


@dataclass(frozen=True)
class Release:
    """One tracker file as GEM publishes it, and how to cite it."""

    kind: str
    citation: str
    as_of: dt.date


CEMENT = Release(
    "cement",
    "Global Energy Monitor, Global Cement and Concrete Tracker, July 2025 (V1) release, CC BY 4.0",
    dt.date(2025, 7, 31),
)
STEEL = Release(
    "steel",
    "Global Energy Monitor, Global Iron and Steel Tracker, March 2025, CC BY 4.0",
    dt.date(2025, 3, 25),
)


def release_of(path: Path) -> Release:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return CEMENT
    if path.suffix.lower() == ".csv":
        return STEEL
    raise ValueError(f"文件 {path.name}：不是 GEM 水泥（xlsx）或钢铁（csv）跟踪数据")


def _chinese(name: str | None) -> str | None:
    """'保山海螺水泥有限责任公司 (Chinese) [100%]' → '保山海螺水泥有限责任公司'."""
    if not name:
        return None
    return re.sub(r"\s*(\(Chinese\)|\[[^\]]*\])", "", name).strip() or None


def _names(chinese: pl.Series, english: pl.Series) -> list[str | None]:
    """The Chinese name where GEM gives one, else the English."""
    return [_chinese(c) or e for c, e in zip(chinese, english, strict=True)]


def _municipality(text: str | None) -> int | None:
    if not text:
        return None
    return MUNICIPALITY_ADCODE.get(re.sub(r"\s+AP$", "", text.strip()))


def read_cement(path: Path) -> pl.DataFrame:
    sheet = fastexcel.read_excel(path).load_sheet_by_name("Plant Data", dtypes="string")
    plants = sheet.to_polars().filter(pl.col("Subnational unit") == "Yunnan")
    latlon = plants["Coordinates"].str.split_exact(",", 1)
    grinding = plants["Plant type"].str.contains("grinding")
    clinker = plants["Clinker Capacity (millions metric tonnes per annum)"].cast(
        pl.Float64, strict=False
    )
    cement = plants["Cement Capacity (millions metric tonnes per annum)"].cast(
        pl.Float64, strict=False
    )
    return pl.DataFrame(
        {
            "plant_id": plants["GEM Plant ID"],
            "name": _names(
                plants["Asset name (other language)"], plants["GEM Asset name (English)"]
            ),
            "owner": _names(plants["Owner name (other language)"], plants["Owner name (English)"]),
            "owner_id": plants["Owner Entity ID"].str.extract(r"(E\d+)"),
            "lat": latlon.struct.field("field_0").str.strip_chars().cast(pl.Float64),
            "lon": latlon.struct.field("field_1").str.strip_chars().cast(pl.Float64),
            "municipality": plants["Municipality"],
            "gem_status": plants["Operating status"],
            "sub_industry": pl.Series(np.where(grinding.to_numpy(), "粉磨站", "水泥熟料")),
            "equipment_name": pl.Series(
                np.where(grinding.to_numpy(), "水泥粉磨站", "水泥熟料生产线")
            ),
            # Mt/a → 万吨/年: ×100. Clinker lines count clinker; grinding plants count cement.
            "capacity_wt": pl.Series(np.where(grinding.to_numpy(), cement, clinker)) * 100,
            "sector": "建材",
        }
    )


def read_steel(path: Path) -> pl.DataFrame:
    plants = pl.read_csv(path, infer_schema=False).filter(
        pl.col("subnational-unit-(province/state)") == "Yunnan"
    )

    def capacity(kind: str) -> pl.Series:
        cols = [
            c
            for c in plants.columns
            if re.fullmatch(rf"[a-z-]*nominal-{kind}-capacity-\(ttpa\)", c)
            and not c.startswith(("cancelled", "announced"))
        ]
        total = plants.select(
            pl.sum_horizontal(pl.col(c).cast(pl.Float64, strict=False) for c in cols)
        )
        return total.to_series()

    steel, iron = capacity("crude-steel"), capacity("iron")
    makes_steel = plants["main-production-equipment"].str.contains("BOF|EAF|OHF").fill_null(False)
    equipment = [
        "、".join(EQUIPMENT.get(e.strip(), e.strip()) for e in (text or "").split(";") if e.strip())
        for text in plants["main-production-equipment"]
    ]
    return pl.DataFrame(
        {
            "plant_id": plants["plant-id"],
            "name": _names(plants["plant-name-(other-language)"], plants["plant-name-(english)"]),
            "owner": _names(plants["owner-(other-language)"], plants["owner"]),
            "owner_id": plants["owner-gem-id"].str.extract(r"(E\d+)"),
            "lat": plants["lat"].str.strip_chars().cast(pl.Float64),
            "lon": plants["lng"].str.strip_chars().cast(pl.Float64),
            "municipality": pl.Series([None] * plants.height, dtype=pl.Utf8),
            "gem_status": plants["plant-status"],
            "sub_industry": pl.Series(np.where(makes_steel.to_numpy(), "炼钢", "炼铁")),
            "equipment_name": pl.Series(equipment),
            # thousand t/a → 万吨/年: ÷10.
            "capacity_wt": pl.Series(np.where(makes_steel.to_numpy(), steel, iron)) / 10,
            "sector": "钢铁",
        }
    )


def prepare_gem(path: Path) -> tuple[Prepared, Release]:
    release = release_of(path)
    plants = read_cement(path) if release is CEMENT else read_steel(path)
    where = locate(
        plants["lon"].to_numpy(), plants["lat"].to_numpy(), crs=np.full(plants.height, "WGS84")
    )
    declared = [_municipality(m) for m in plants["municipality"]]
    messages: list[list[str]] = []
    severity: list[list[str]] = []
    for i, found in enumerate(where.prefecture_adcode):
        texts = [m.text for m in where.messages[i]]
        levels = [m.severity for m in where.messages[i]]
        if declared[i] and found and declared[i] != found:
            texts.append(
                f"GEM 标注的州（市）为 {plants['municipality'][i]}，"
                f"坐标位于 {where.prefecture_name[i]}"
            )
            levels.append("warning")
        messages.append(texts)
        severity.append(levels)
    rows = plants.with_columns(
        pl.lit(path.name).alias("file"),
        pl.lit("Plant Data" if release is CEMENT else "CSV").alias("sheet"),
        pl.int_range(2, plants.height + 2).alias("row"),
        pl.format("GEM:{}", "plant_id").alias("unit_key"),
        pl.lit(False).alias("key_derived"),
        pl.format("GEM:{}", pl.coalesce("owner_id", "plant_id")).alias("enterprise_key"),
        pl.lit(None, pl.Utf8).alias("credit_code"),
        pl.col("owner").alias("enterprise_name"),
        pl.col("plant_id").alias("equipment_no"),
        pl.lit(None, pl.Utf8).alias("spec"),
        pl.lit(None, pl.Float64).alias("spec_value"),
        pl.lit(None, pl.Utf8).alias("spec_unit"),
        pl.lit(None, pl.Float64).alias("energy_tce"),
        pl.lit(None, pl.Float64).alias("electricity_10k_kwh"),
        pl.lit(None, pl.Utf8).alias("category"),
        pl.col("gem_status").replace_strict(STATUS, default="在产").alias("status"),
        *(
            pl.lit(None, pl.Date).alias(c)
            for c in (
                "identified_date",
                "rectify_deadline",
                "planned_exit_date",
                "actual_exit_date",
            )
        ),
        *(
            pl.lit(None, pl.Utf8).alias(f"{c}_precision")
            for c in (
                "identified_date",
                "rectify_deadline",
                "planned_exit_date",
                "actual_exit_date",
            )
        ),
        pl.lit(None, pl.Utf8).alias("exit_method"),
        pl.lit(None, pl.Int64).alias("workers"),
        pl.lit(None, pl.Utf8).alias("address"),
        pl.format("{}（{}）", pl.lit(release.citation), "name").alias("remarks"),
        pl.col("municipality").alias("prefecture"),
        pl.lit(None, pl.Utf8).alias("county"),
        pl.Series("lon_wgs84", where.lon_wgs84),
        pl.Series("lat_wgs84", where.lat_wgs84),
        pl.Series("prefecture_adcode", where.prefecture_adcode).replace(0, None).cast(pl.Int64),
        pl.Series("county_adcode", where.county_adcode).replace(0, None).cast(pl.Int64),
        pl.Series("location_precision", where.precision.astype(object), dtype=pl.Utf8),
        pl.Series("messages", messages, dtype=pl.List(pl.Utf8)),
        pl.Series("severity", severity, dtype=pl.List(pl.Utf8)),
        pl.struct(pl.col("plant_id").alias("GEM Plant ID"), pl.col("name").alias("名称")).alias(
            "raw"
        ),
    )
    rows = decide(rows)
    info = FileInfo(path=path, name=path.name, sha256=file_sha256(path), rows=rows.height)
    return Prepared(rows=rows, files=[info], file_errors=[]), release


def import_gem(path: Path, as_of: dt.date | None = None) -> int:
    """CLI body: import one tracker file, or every tracker file in a folder; exit code."""
    import click

    from etl.load import LoadError, load
    from exitmap.db import engine

    paths = (
        sorted(p for p in path.iterdir() if p.suffix in (".xlsx", ".csv"))
        if path.is_dir()
        else [path]
    )
    code = 0
    for p in paths:
        prepared, release = prepare_gem(p)
        counts = prepared.counts()
        for r in prepared.rejected.iter_rows(named=True):
            click.echo(
                f"  ✗ {p.name} 第 {r['row']} 行 {r['name']}：" + "；".join(r["messages"]), err=True
            )
        try:
            summary = load(engine(), prepared, as_of or release.as_of, partial=True, source="gem")
        except LoadError as exc:
            click.echo(f"未载入 {p.name}：{exc}", err=True)
            code = 1
            continue
        click.echo(
            f"{release.citation}：云南 {prepared.rows.height} 个厂，新增 {summary.inserted}，"
            f"更新 {summary.updated}，未变 {summary.unchanged}，拒绝 {counts['rejected']}。"
        )
        code = code or (1 if counts["rejected"] else 0)
    return code

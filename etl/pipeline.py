"""Read → clean → locate every row of one or more register files, deciding each row's fate.

The result is one frame with a line per data row (``ok``, ``warning`` or ``rejected``) and
its messages, ready for the report and, when nothing stops it, for the loader. Nothing here
touches the database.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from etl.bounds import Limits, RegisterError, regular_file
from etl.clean import ERROR, WARNING, clean
from etl.locate import locate
from etl.read import EXPECTED, read_register
from etl.register import BY_KEY, CONTROL_CHARS
from etl.sheet_rows import SheetRow, check_rows

OK, REJECTED = "ok", "rejected"


@dataclass
class FileInfo:
    path: Path
    name: str
    sha256: str
    rows: int = 0
    sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Per sheet: the Excel row of its header, and where each column stands (etl.read.Sheet).
    header_rows: dict[str, int] = field(default_factory=dict)
    positions: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass
class Prepared:
    """Every data row of the files, typed and located, with its outcome and messages."""

    rows: pl.DataFrame
    files: list[FileInfo]
    file_errors: list[str]
    # The rows of the optional sheets (职工安置, 场地处置) the workbooks carry, checked.
    sheet_rows: list[SheetRow] = field(default_factory=list)

    @property
    def rejected(self) -> pl.DataFrame:
        return self.rows.filter(pl.col("outcome") == REJECTED)

    @property
    def accepted(self) -> pl.DataFrame:
        return self.rows.filter(pl.col("outcome") != REJECTED)

    def counts(self) -> dict[str, int]:
        by = dict(self.rows.group_by("outcome").len().iter_rows())
        return {s: int(by.get(s, 0)) for s in (OK, WARNING, REJECTED)}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def release_freed_memory() -> None:
    """Hand the memory calamine freed back to the system (glibc keeps it otherwise).

    calamine allocates every cell's text apart; once the grid is read into polars, those
    small blocks are free but stay in the process, up to a gigabyte for the largest file the
    limits admit, under everything that follows. Elsewhere than glibc this does nothing.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def prepare(paths: list[Path], on_step: Callable[[str], None] = lambda _: None) -> Prepared:
    frames: list[pl.DataFrame] = []
    files: list[FileInfo] = []
    file_errors: list[str] = []
    sheet_rows: list[SheetRow] = []
    limits = Limits.from_settings()
    for path in paths:
        on_step(f"读取 {path.name}")
        info = FileInfo(path=path, name=path.name, sha256="")
        files.append(info)
        try:
            # Hashing reads the file: a FIFO or a device must be refused before that.
            regular_file(path, limits)
            info.sha256 = file_sha256(path)
            sheets = read_register(path, limits)
        except RegisterError as exc:
            file_errors.append(str(exc))
            continue
        finally:
            release_freed_memory()
        # Instructions and the template's lists are expected; other skipped sheets may hold
        # rows someone meant.
        info.notes += [
            f"未读取工作表「{s.sheet}」：{s.reason}"
            for s in sheets.skipped
            if s.reason not in EXPECTED
        ]
        for sheet in sheets:
            info.sheets.append(sheet.sheet)
            info.header_rows[sheet.sheet] = sheet.header_row
            info.positions[sheet.sheet] = sheet.positions
            if sheet.unknown_headers:
                info.notes.append(
                    f"工作表「{sheet.sheet}」中未识别的列已忽略："
                    + "、".join(f"「{h}」" for h in sheet.unknown_headers)
                )
            on_step(f"检查并定位 {path.name} 工作表「{sheet.sheet}」（{sheet.data.height} 行）")
            frame = _prepare_sheet(sheet)
            info.rows += frame.height
            frames.append(frame)
        for optional in sheets.optional:
            info.positions[optional.sheet] = optional.positions
            if optional.unknown_headers:
                info.notes.append(
                    f"工作表「{optional.sheet}」中未识别的列已忽略："
                    + "、".join(f"「{h}」" for h in optional.unknown_headers)
                )
            sheet_rows += check_rows(optional)
    rows = pl.concat(frames, how="diagonal_relaxed") if frames else _empty()
    rows = _flag_duplicate_keys(rows)
    return Prepared(rows=decide(rows), files=files, file_errors=file_errors, sheet_rows=sheet_rows)


def _prepare_sheet(sheet) -> pl.DataFrame:
    cleaned = clean(sheet)
    data = cleaned.data
    where = locate(
        data["lon"].to_numpy(),
        data["lat"].to_numpy(),
        crs=data["crs"].to_numpy(),
        address=data["address"].to_numpy(),
        county_text=data["county"].to_numpy(),
        prefecture_text=data["prefecture"].to_numpy(),
    )
    located = pl.DataFrame(
        {
            "lon_wgs84": where.lon_wgs84,
            "lat_wgs84": where.lat_wgs84,
            "prefecture_adcode": np.where(where.prefecture_adcode > 0, where.prefecture_adcode, 0),
            "county_adcode": np.where(where.county_adcode > 0, where.county_adcode, 0),
            "location_precision": where.precision.astype(object),
        },
        schema_overrides={"location_precision": pl.Utf8},
    ).with_columns(
        pl.col("prefecture_adcode").replace(0, None).cast(pl.Int64),
        pl.col("county_adcode").replace(0, None).cast(pl.Int64),
        pl.col("lon_wgs84").fill_nan(None),
        pl.col("lat_wgs84").fill_nan(None),
    )
    # The row as the user wrote it, kept whole for the quarantine of rejected rows; only NUL,
    # which no PostgreSQL text holds, is replaced (the row's messages name the cell).
    written = sheet.data.select(
        pl.col(k).alias(BY_KEY[k].header) for k in sheet.data.columns if k != "row"
    )
    if sheet.extra is not None:
        written = pl.concat([written, sheet.extra], how="horizontal")
    has_nul = written.select(pl.all().str.contains("\x00", literal=True).any()).row(0, named=True)
    with_nul = [c for c, hit in has_nul.items() if hit]
    # The struct shares the columns' memory; only a column holding NUL is copied.
    raw = written.with_columns(
        pl.col(with_nul).str.replace_all("\x00", "\ufffd", literal=True)
    ).select(pl.struct(pl.all()).alias("raw"))
    frame = pl.concat([data, located, raw], how="horizontal").with_columns(
        pl.lit(sheet.file).alias("file"),
        pl.lit(sheet.sheet).alias("sheet"),
    )
    frame = _with_unit_key(frame)

    # Cleaning messages name their column already; locating ones get it put in front.
    row_at = data["row"].to_list()
    # Only rows with messages are visited (a few %), in ascending row order as before.
    loc_msgs = [
        (row_at[i], m.column, m.severity, f"「{m.column}」{m.text}")
        for i in where.messages.rows()
        for m in where.messages[i]
    ]
    schema = {"row": pl.Int64, "fields": pl.Utf8, "severity": pl.Utf8, "messages": pl.Utf8}
    # A row without a credit code has no key at all; its missing code is the message.
    key_warn = frame.filter(pl.col("key_derived") & pl.col("unit_key").is_not_null()).select(
        "row",
        pl.lit(BY_KEY["equipment_no"].header).alias("fields"),
        pl.lit(WARNING).alias("severity"),
        pl.format(
            "「{}」未填写，已生成稳定编号「{}」，建议补填",
            pl.lit(BY_KEY["equipment_no"].header),
            pl.col("unit_key"),
        ).alias("messages"),
    )
    issues = pl.concat(
        [
            cleaned.issues.select(
                "row",
                pl.col("column").alias("fields"),
                "severity",
                pl.col("message").alias("messages"),
            ),
            pl.DataFrame(loc_msgs, schema=schema, orient="row"),
            key_warn,
        ],
        how="vertical_relaxed",
    )
    # Locating messages quote what was typed: controls are made visible here for all of them.
    issues = issues.with_columns(pl.col("messages").str.replace_all(CONTROL_CHARS, "\ufffd"))
    # ``fields``: the column each message is about, one for one with ``messages``.
    per_row = issues.group_by("row", maintain_order=True).agg("severity", "messages", "fields")
    return frame.join(per_row, on="row", how="left", maintain_order="left").with_columns(
        pl.col("severity").fill_null([]),
        pl.col("messages").fill_null([]),
        pl.col("fields").fill_null([]),
    )


def _with_unit_key(frame: pl.DataFrame) -> pl.DataFrame:
    """Units are keyed by credit code + equipment number; without a number, by what it is.

    The derived part is an md5 of the unit's description, so the same row gets the same key
    in every load (a library's hash function may change between versions; md5 will not).
    """
    no = pl.col("equipment_no").str.strip_chars()
    fingerprint = pl.concat_str(
        [
            pl.col(c).cast(pl.Utf8).fill_null("")
            for c in ("sub_industry", "equipment_name", "spec", "county", "address")
        ],
        separator="|",
    )
    # md5 runs in Python, so only for the rows without a number (usually a few %).
    missing = frame.select(no.is_null()).to_series()
    derived = pl.Series("derived", [None] * frame.height, dtype=pl.Utf8)
    if missing.any():
        at = missing.arg_true()
        texts = frame[at].select(fingerprint).to_series().to_list()
        hashes = ["#" + hashlib.md5(t.encode()).hexdigest()[:10] for t in texts]
        derived = derived.scatter(at, pl.Series(hashes, dtype=pl.Utf8))
    return frame.with_columns(
        pl.format("{}/{}", pl.col("credit_code"), pl.coalesce(no, pl.lit(derived))).alias(
            "unit_key"
        ),
        no.is_null().alias("key_derived"),
    )


def _flag_duplicate_keys(rows: pl.DataFrame) -> pl.DataFrame:
    if rows.is_empty():
        return rows
    keyed = rows.filter(pl.col("credit_code").is_not_null())
    dupes = keyed.filter(pl.col("unit_key").is_duplicated()).select(
        "file", "sheet", "row", "unit_key"
    )
    if dupes.is_empty():
        return rows
    places = dupes.group_by("unit_key").agg(
        pl.format("{} 工作表「{}」第 {} 行", "file", "sheet", "row").alias("places")
    )
    dupes = dupes.join(places, on="unit_key").with_columns(
        pl.format(
            "「{}」同一装备（统一社会信用代码+装备编号「{}」）在本次载入中出现多次：{}",
            pl.lit(BY_KEY["equipment_no"].header),
            pl.col("unit_key"),
            pl.col("places").list.join("、"),
        ).alias("dup_message")
    )
    rows = rows.join(
        dupes.select("file", "sheet", "row", "dup_message"),
        on=["file", "sheet", "row"],
        how="left",
        maintain_order="left",
    )
    return rows.with_columns(
        pl.when(pl.col("dup_message").is_not_null())
        .then(pl.col("severity").list.concat(pl.lit([ERROR])))
        .otherwise(pl.col("severity"))
        .alias("severity"),
        pl.when(pl.col("dup_message").is_not_null())
        .then(pl.col("messages").list.concat(pl.concat_list(pl.col("dup_message"))))
        .otherwise(pl.col("messages"))
        .alias("messages"),
        pl.when(pl.col("dup_message").is_not_null())
        .then(pl.col("fields").list.concat(pl.lit([BY_KEY["equipment_no"].header])))
        .otherwise(pl.col("fields"))
        .alias("fields"),
    ).drop("dup_message")


def decide(rows: pl.DataFrame) -> pl.DataFrame:
    if rows.is_empty():
        return rows
    return rows.with_columns(
        pl.when(pl.col("severity").list.contains(ERROR))
        .then(pl.lit(REJECTED))
        .when(pl.col("severity").list.len() > 0)
        .then(pl.lit(WARNING))
        .otherwise(pl.lit(OK))
        .alias("outcome")
    )


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "file": pl.Utf8,
            "sheet": pl.Utf8,
            "row": pl.Int64,
            "unit_key": pl.Utf8,
            "credit_code": pl.Utf8,
            "severity": pl.List(pl.Utf8),
            "messages": pl.List(pl.Utf8),
            "fields": pl.List(pl.Utf8),
            "outcome": pl.Utf8,
        }
    )

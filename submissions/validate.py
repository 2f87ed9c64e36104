"""Check an uploaded register with the same pipeline as ``exitmap load --dry-run``.

The bytes are written to a private temporary folder under the file's own name (the pipeline
reads files, and its messages name them), read by ``etl.pipeline.prepare``, and then held to
the uploader's 州（市）: a prefecture submits its own units only.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path, PurePath

import polars as pl
import sqlalchemy as sa

from etl.bounds import Limits
from etl.clean import ERROR
from etl.pipeline import Prepared, decide, prepare
from etl.register import BY_KEY
from etl.sheet_rows import check_references
from exitmap.errors import UserError
from exitmap.vocabulary import PREFECTURES

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
PREFECTURE_HEADER = BY_KEY["prefecture"].header


class UploadRefused(UserError):
    """The upload cannot be taken at all (empty, not a register file)."""


class UploadTooLarge(UploadRefused):
    """The upload is past the ingest size limit."""


def safe_name(name: str) -> str:
    """The file's own name without any folder a browser or client put in front of it."""
    base = PurePath(name.replace("\\", "/")).name.strip().lstrip(".")
    return base[:200] or "register.xlsx"


def check_upload(name: str, content: bytes) -> str:
    """Refuse before anything is stored or read: wrong type, empty, over the ingest limit."""
    name = safe_name(name)
    if not name.lower().endswith(SUFFIXES):
        raise UploadRefused(f"文件 {name}：不支持的文件类型，请提交 xlsx、xls 或 csv 文件")
    if not content:
        raise UploadRefused(f"文件 {name}：文件为空")
    limit = Limits.from_settings().file_bytes
    if len(content) > limit:
        raise UploadTooLarge(
            f"文件 {name}：{len(content) / 2**20:.1f} MB，超过上限 {limit / 2**20:.0f} MB，"
            "请分成几个文件提交"
        )
    return name


def validate(
    engine: sa.Engine,
    name: str,
    content: bytes,
    prefecture: int | None,
    on_step: Callable[[str], None] = lambda _: None,
) -> Prepared:
    """The register's rows, checked and located; rows of another 州（市） than ``prefecture``
    rejected (None: the province's own upload, every prefecture). The optional sheets' plans
    and sites are held to the same prefecture and to the firms and units of the register or
    of the database (``engine``)."""
    with tempfile.TemporaryDirectory(prefix="exitmap-submission-") as folder:
        path = Path(folder) / safe_name(name)
        path.write_bytes(content)
        prepared = prepare([path], on_step=on_step)
    if prefecture is not None:
        prepared.rows = own_prefecture_only(prepared.rows, prefecture)
    check_references(engine, prepared.sheet_rows, prepared.rows, prefecture)
    return prepared


def own_prefecture_only(rows: pl.DataFrame, prefecture: int) -> pl.DataFrame:
    """Reject the rows placed in another prefecture, saying which and whose they are."""
    if rows.is_empty():
        return rows
    own = PREFECTURES[prefecture]
    names = pl.col("prefecture_adcode").replace_strict(
        dict(PREFECTURES), default=None, return_dtype=pl.Utf8
    )
    foreign = pl.col("prefecture_adcode").is_not_null() & (
        pl.col("prefecture_adcode") != prefecture
    )
    message = pl.format(
        "「{}」本行的装备位于{}，{}只能报送本州（市）的装备，请删除此行或交由{}报送",
        pl.lit(PREFECTURE_HEADER),
        names,
        pl.lit(own),
        names,
    )
    rows = rows.with_columns(
        pl.when(foreign)
        .then(pl.col("severity").list.concat(pl.lit([ERROR])))
        .otherwise(pl.col("severity"))
        .alias("severity"),
        pl.when(foreign)
        .then(pl.col("messages").list.concat(pl.concat_list(message)))
        .otherwise(pl.col("messages"))
        .alias("messages"),
        pl.when(foreign)
        .then(pl.col("fields").list.concat(pl.lit([PREFECTURE_HEADER])))
        .otherwise(pl.col("fields"))
        .alias("fields"),
    )
    return decide(rows.drop("outcome"))

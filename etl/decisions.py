"""User decisions written to the database: quota allocations and 区域限批 decisions.

An allocation is checked and written in one transaction holding a row lock on its prefecture,
so two allocations racing for the same quota cannot both pass the check.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

from etl.text import decode
from exitmap.errors import UserError
from exitmap.policy import Policy, default_policy
from layers.quota import EPSILON_TCE, available


class DecisionError(UserError, ValueError):
    """A decision that cannot be recorded; the message (Chinese) says why."""


def resolve_prefecture(conn: sa.Connection, text: str | int) -> tuple[int, str]:
    """Adcode, full name or short name (红河, 红河州) → (adcode, full name)."""
    key = str(text).strip()
    rows = conn.execute(sa.text("SELECT adcode, name, short_name FROM prefecture")).all()
    for adcode, name, short in rows:
        if key in (str(adcode), name, short) or key in (short + "州", short + "市"):
            return adcode, name
    raise DecisionError(f"找不到州（市）「{key}」：请用行政区划代码、全称或简称（如 红河）")


@contextlib.contextmanager
def _transaction(engine: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    """The engine's own transaction, or the caller's when given a connection (an approval
    records its decision and its draft's new state together)."""
    if isinstance(engine, sa.Connection):
        yield engine
        return
    with engine.begin() as conn:
        yield conn


def lock_prefecture(conn: sa.Connection, adcode: int) -> None:
    conn.execute(
        sa.text("SELECT adcode FROM prefecture WHERE adcode = :a FOR UPDATE"), {"a": adcode}
    )


def _allocate(
    conn: sa.Connection,
    prefecture: str | int,
    tce: float,
    project: str,
    on: dt.date,
    document: str | None,
    policy: Policy,
) -> int:
    adcode, name = resolve_prefecture(conn, prefecture)
    if not tce > 0:
        raise DecisionError(f"分配量应大于 0，现为 {tce}")
    if not project or not project.strip():
        raise DecisionError("请注明项目名称（--project）")
    lock_prefecture(conn, adcode)
    free = available(conn, adcode, on, policy)
    if tce > free + EPSILON_TCE:
        raise DecisionError(
            f"{name}在 {on} 可分配的能耗指标余额为 {max(free, 0):.2f} 吨标准煤，"
            f"不足以分配 {tce:.2f} 吨标准煤给「{project}」；余额不能低于零"
        )
    return conn.execute(
        sa.text(
            "INSERT INTO quota_entry (prefecture_adcode, entry_date, kind, amount_tce, project,"
            " document) VALUES (:a, :d, 'allocation', :t, :p, :doc) RETURNING id"
        ),
        {"a": adcode, "d": on, "t": tce, "p": project.strip(), "doc": document},
    ).scalar_one()


def allocate(
    engine: sa.Engine | sa.Connection,
    prefecture: str | int,
    tce: float,
    project: str,
    on: dt.date,
    document: str | None = None,
    policy: Policy | None = None,
) -> int:
    """Record an allocation of released quota; refuse it if the balance would go below zero."""
    with _transaction(engine) as conn:
        return _allocate(conn, prefecture, tce, project, on, document, policy or default_policy())


REQUIRED = ("prefecture", "tce", "project", "date")


def read_allocations(path: Path) -> list[dict]:
    """Rows of an allocation CSV (UTF-8 with or without BOM, or GBK), validated."""
    text = decode(Path(path).read_bytes())
    if text is None:
        raise DecisionError(f"{path}：无法识别文件编码（请用 UTF-8 或 GBK）")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DecisionError(
            f"{path}：缺少列 {', '.join(missing)}（需要 prefecture,tce,project,date[,document]）"
        )
    rows = []
    for line, raw_row in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw_row.items() if k}
        try:
            tce = float(row["tce"].replace(",", ""))
            on = dt.date.fromisoformat(row["date"])
        except ValueError:
            raise DecisionError(
                f"{path} 第{line}行：tce 应为数字、date 应为 YYYY-MM-DD，"
                f"现为 {row['tce']!r}、{row['date']!r}"
            ) from None
        rows.append(
            {
                "line": line,
                "prefecture": row["prefecture"],
                "tce": tce,
                "project": row["project"],
                "on": on,
                "document": row.get("document") or None,
            }
        )
    return rows


def allocate_file(engine: sa.Engine, path: Path, policy: Policy | None = None) -> list[int]:
    """All rows of the file in one transaction: either every allocation is recorded or none."""
    policy = policy or default_policy()
    rows = read_allocations(path)
    ids = []
    with engine.begin() as conn:
        for r in rows:
            try:
                ids.append(
                    _allocate(
                        conn,
                        r["prefecture"],
                        r["tce"],
                        r["project"],
                        r["on"],
                        r["document"],
                        policy,
                    )
                )
            except DecisionError as exc:
                raise DecisionError(f"{path} 第{r['line']}行：{exc}（整个文件未写入）") from None
    return ids


def decide_freeze(
    engine: sa.Engine | sa.Connection,
    prefecture: str | int,
    document: str,
    on: dt.date,
    reason: str | None = None,
) -> int:
    """Record a 区域限批 decision starting on ``on``."""
    with _transaction(engine) as conn:
        adcode, name = resolve_prefecture(conn, prefecture)
        if not document or not document.strip():
            raise DecisionError("请注明限批决定的文号（--document）")
        lock_prefecture(conn, adcode)
        clash = conn.execute(
            sa.text(
                "SELECT document_no FROM freeze_decision WHERE prefecture_adcode = :a"
                " AND start_date <= :d AND (lift_date IS NULL OR lift_date > :d)"
            ),
            {"a": adcode, "d": on},
        ).scalar()
        if clash is not None:
            raise DecisionError(f"{name}在 {on} 已有生效的限批决定（{clash}），不能重复作出")
        return conn.execute(
            sa.text(
                "INSERT INTO freeze_decision (prefecture_adcode, document_no, start_date, reason)"
                " VALUES (:a, :doc, :d, :r) RETURNING id"
            ),
            {"a": adcode, "doc": document.strip(), "d": on, "r": reason},
        ).scalar_one()


def lift_freeze(
    engine: sa.Engine | sa.Connection, prefecture: str | int, document: str, on: dt.date
) -> int:
    """Lift the decision in force on ``on``; ``document`` is the lifting document's number."""
    with _transaction(engine) as conn:
        adcode, name = resolve_prefecture(conn, prefecture)
        lock_prefecture(conn, adcode)
        row = conn.execute(
            sa.text(
                "SELECT id, start_date FROM freeze_decision WHERE prefecture_adcode = :a"
                " AND lift_date IS NULL ORDER BY start_date DESC LIMIT 1"
            ),
            {"a": adcode},
        ).first()
        if row is None:
            raise DecisionError(f"{name}没有未解除的限批决定")
        if on <= row.start_date:
            raise DecisionError(f"解除日期 {on} 应晚于限批开始日期 {row.start_date}")
        conn.execute(
            sa.text(
                "UPDATE freeze_decision SET lift_date = :d, lift_document_no = :doc,"
                " lift_recorded_at = now() WHERE id = :i"
            ),
            {"d": on, "doc": document, "i": row.id},
        )
        return row.id

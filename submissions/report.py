"""A validation's outcome as data other tools read: the Frictionless report shape, a summary,
and the CSV an official fixes the file from.

Each problem is one error object with Frictionless' names (``rowNumber``, ``fieldName``,
``fieldNumber``, ``cell``, ``type``, ``message``) plus where it sits in the user's workbook
(``sheet`` and the Excel reference ``cellRef``, e.g. ``D7``) and its ``severity`` (``error``
rejects the row, ``warning`` keeps it). A problem of the whole file has no row.
"""

from __future__ import annotations

import csv
import io

from openpyxl.utils import get_column_letter

from etl.bounds import column_number
from etl.clean import ERROR
from etl.pipeline import OK, REJECTED, WARNING, Prepared
from etl.sheet_rows import count_by_kind
from exitmap.cells import neutralise

# The CSV's columns, in Chinese for the officials who open it.
CSV_COLUMNS = (
    ("sheet", "工作表"),
    ("cellRef", "单元格"),
    ("rowNumber", "行号"),
    ("fieldName", "列"),
    ("severity", "级别"),
    ("cell", "填写内容"),
    ("message", "问题"),
)
SEVERITY_LABELS = {"error": "错误（拒绝本行）", "warning": "警告"}


def summary(prepared: Prepared) -> dict:
    """The counts of rows by outcome — the optional sheets' rows with the register's — and
    how many plans and sites the submission carries (those not rejected)."""
    counts = prepared.counts()
    for r in prepared.sheet_rows:
        counts[r.outcome] += 1
    carried = count_by_kind(prepared.sheet_rows)
    return {
        "rows": prepared.rows.height + len(prepared.sheet_rows),
        OK: counts[OK],
        WARNING: counts[WARNING],
        REJECTED: counts[REJECTED],
        "plans": carried["plan"],
        "sites": carried["site"],
        "file_errors": list(prepared.file_errors),
        "notes": [n for f in prepared.files for n in f.notes],
        "valid": not prepared.file_errors and counts[REJECTED] == 0 and prepared.rows.height > 0,
    }


def frictionless(prepared: Prepared) -> dict:
    """The report: ``valid``, ``stats`` and one task per file with its ``errors``."""
    tasks = []
    for info in prepared.files:
        errors = [
            {"type": "file-error", "severity": "error", "message": m}
            for m in prepared.file_errors
            if info.name in m
        ]
        rows = prepared.rows.filter(prepared.rows["file"] == info.name) if info.sheets else None
        if rows is not None:
            errors += list(_row_errors(rows, info))
        extra = [r for r in prepared.sheet_rows if r.file == info.name]
        errors += list(_sheet_row_errors(extra))
        tasks.append(
            {
                "name": info.name,
                "place": info.name,
                "sha256": info.sha256,
                "valid": not any(e["severity"] == "error" for e in errors),
                "stats": {
                    "rows": info.rows + len(extra),
                    "errors": sum(e["severity"] == "error" for e in errors),
                    "warnings": sum(e["severity"] == "warning" for e in errors),
                },
                "errors": errors,
            }
        )
    total = sum(t["stats"]["errors"] for t in tasks)
    return {
        "valid": total == 0 and bool(tasks) and all(t["valid"] for t in tasks),
        "stats": {"tasks": len(tasks), "errors": total, **summary(prepared)},
        "tasks": tasks,
    }


def _row_errors(rows, info):
    for r in rows.select("sheet", "row", "raw", "severity", "messages", "fields").iter_rows(
        named=True
    ):
        positions = info.positions.get(r["sheet"], {})
        raw = r["raw"] or {}
        for severity, message, field in zip(r["severity"], r["messages"], r["fields"], strict=True):
            number = positions.get(field)
            level = "error" if severity == ERROR else "warning"
            yield {
                "type": ("cell-" if number else "row-") + level,
                "severity": level,
                "rowNumber": r["row"],
                "fieldName": field,
                "fieldNumber": number,
                "cell": raw.get(field),
                "message": message,
                "sheet": r["sheet"],
                "cellRef": f"{get_column_letter(number)}{r['row']}" if number else None,
            }


def _sheet_row_errors(rows):
    """The optional sheets' problems, in the same shape as the register's."""
    for r in rows:
        for severity, message, field in zip(r.severity, r.messages, r.fields, strict=True):
            ref = r.cells.get(field)
            level = "error" if severity == ERROR else "warning"
            yield {
                "type": ("cell-" if ref else "row-") + level,
                "severity": level,
                "rowNumber": r.row,
                "fieldName": field,
                "fieldNumber": column_number(ref.rstrip("0123456789")) if ref else None,
                "cell": r.raw.get(field),
                "message": message,
                "sheet": r.sheet,
                "cellRef": ref,
            }


def errors_of(report: dict) -> list[dict]:
    """Every problem of a report, the files' in order."""
    return [e for task in report.get("tasks", []) for e in task["errors"]]


def csv_bytes(report: dict) -> bytes:
    """The problems as CSV (UTF-8 with BOM, so Excel shows the Chinese); every cell inert."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _, label in CSV_COLUMNS])
    for e in errors_of(report):
        values = {**e, "severity": SEVERITY_LABELS[e["severity"]]}
        writer.writerow(
            [neutralise("" if values.get(k) is None else values[k]) for k, _ in CSV_COLUMNS]
        )
    return ("\ufeff" + out.getvalue()).encode()

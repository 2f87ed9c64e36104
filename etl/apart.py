"""Read an old-format workbook (.xls) in a process of its own, its memory capped.

An .xls cannot be checked cheaply before calamine reads it (the cells sit in binary records
of an OLE file), and calamine copies a shared string into every cell that names it: a 166 KB
file asked for 1.1 GB. Read apart, such a file ends the child, not the load; the grids come
back as Arrow files.

    python -m etl.apart BOOK OUT_DIR    # writes OUT_DIR/sheets.json and OUT_DIR/<i>.arrow
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

from etl.bounds import RegisterError

# The ceiling every load stays under (benchmarks/bench_ingest.py); address space, not RSS,
# is what the kernel can cap, so it is set with room for the interpreter and its libraries.
MEMORY_CAP = 2 << 30
TIMEOUT_S = 300
DAMAGED = 3  # the child's exit code for a file calamine cannot read


def read_apart(path: Path) -> list[tuple[str, bool, pl.DataFrame]]:
    """Per sheet: its name, whether it is visible, and its grid."""
    with tempfile.TemporaryDirectory(prefix="exitmap-xls-") as tmp:
        out = Path(tmp)
        try:
            run = subprocess.run(
                [sys.executable, "-m", "etl.apart", str(path), str(out)],
                preexec_fn=_cap_memory,
                capture_output=True,
                timeout=TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            raise RegisterError(
                f"文件 {path.name}：读取超过 {TIMEOUT_S} 秒，文件异常或过大，未读取"
            ) from None
        if run.returncode == DAMAGED:
            raise RegisterError(f"文件 {path.name}：无法读取，文件可能已损坏或不是 Excel 文件")
        if run.returncode < 0 or b"MemoryError" in run.stderr:
            # Rust aborts when an allocation fails; Python raises MemoryError.
            raise RegisterError(
                f"文件 {path.name}：读取所需内存超过上限 {MEMORY_CAP >> 30} GB，"
                "文件异常或过大，未读取"
            )
        if run.returncode != 0:
            last = run.stderr.decode(errors="replace").strip().splitlines()[-1:]
            raise RuntimeError(f"reading {path.name} apart failed: {last}")
        sheets = json.loads((out / "sheets.json").read_text(encoding="utf-8"))
        return [
            (s["name"], s["visible"], pl.read_ipc(out / f"{i}.arrow")) for i, s in enumerate(sheets)
        ]


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def main(book: str, out: str) -> int:
    import fastexcel

    sheets = []
    try:
        reader = fastexcel.read_excel(book)
        for i, name in enumerate(reader.sheet_names):
            sheet = reader.load_sheet(name, header_row=None, skip_rows=0, dtypes="string")
            sheet.to_polars().write_ipc(Path(out) / f"{i}.arrow")
            sheets.append({"name": name, "visible": sheet.visible == "visible"})
    except fastexcel.FastExcelError:
        return DAMAGED
    (Path(out) / "sheets.json").write_text(json.dumps(sheets, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

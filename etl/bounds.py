"""Inputs bounded before they are read: what a file is, how big it is and how big it unpacks to.

A register is read whole by calamine (xlsx) or polars (csv), and both size what they allocate
from the file itself: calamine makes a dense grid spanning the outermost filled cells and copies
a shared string into every cell that names it. So a few kilobytes can ask for gigabytes. Every
file is checked here first, cheaply (the zip is streamed once, never parsed as XML in Python),
against limits that are settings (exitmap.settings), and refused with a Chinese message naming
the file, the sheet and the limit.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import numpy as np
import polars as pl

from exitmap import settings
from exitmap.errors import UserError

MB = 1 << 20
# Parts of a workbook read besides the sheets are small; a real one has a few dozen.
MAX_ZIP_MEMBERS = 10_000
_BLOCK = 4 * MB


class RegisterError(UserError):
    """The file cannot be read as a register; the message is for the official, in Chinese."""


@dataclass(frozen=True)
class Limits:
    file_bytes: int
    rows: int
    columns: int
    unpacked_bytes: int
    cell_chars: int
    line_bytes: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            file_bytes=settings.get_int("max_file_mb") * MB,
            rows=settings.get_int("max_rows"),
            columns=settings.get_int("max_columns"),
            unpacked_bytes=settings.get_int("max_unpacked_mb") * MB,
            cell_chars=settings.get_int("max_cell_chars"),
            line_bytes=settings.get_int("max_line_kb") * 1024,
        )

    def grid(self) -> str:
        settings_named = "EXITMAP_MAX_ROWS、EXITMAP_MAX_COLUMNS"
        return f"{self.rows:,} 行、{self.columns:,} 列，见设置 {settings_named}"


# ---------------------------------------------------------------- the file itself


def regular_file(path: Path, limits: Limits) -> None:
    """Only a regular file within the size limit is read; a symlink is judged by its target.

    A directory named like a register, a FIFO (reading waits for a writer forever) or a
    device such as /dev/urandom (never ends) must be refused before anything opens it.
    """
    name = Path(path).name
    try:
        info = os.stat(path)  # follows symlinks, never opens the file
    except FileNotFoundError:
        raise RegisterError(f"文件 {name}：文件不存在") from None
    except OSError as exc:
        raise RegisterError(f"文件 {name}：无法访问（{exc.strerror}）") from None
    if stat.S_ISDIR(info.st_mode):
        raise RegisterError(f"文件 {name}：这是一个文件夹，不是登记表文件")
    if not stat.S_ISREG(info.st_mode):
        raise RegisterError(
            f"文件 {name}：不是普通文件（可能是设备、管道或指向它们的链接），只读取普通文件"
        )
    if info.st_size > limits.file_bytes:
        raise RegisterError(
            f"文件 {name}：文件大小 {info.st_size / MB:,.1f} MB，超过上限 "
            f"{limits.file_bytes / MB:,.0f} MB（EXITMAP_MAX_FILE_MB），未读取"
        )


# ---------------------------------------------------------------- csv


def check_csv(text: bytes, name: str, limits: Limits) -> None:
    """Lines (an upper bound on records) and the longest line of a CSV's UTF-8 text."""
    newlines = np.flatnonzero(np.frombuffer(text, dtype=np.uint8) == ord("\n"))
    lines = len(newlines) + (not text.endswith(b"\n"))
    if lines > limits.rows + 1:
        raise RegisterError(
            f"文件 {name}：共 {lines:,} 行，超过上限 {limits.rows:,} 行（EXITMAP_MAX_ROWS），"
            "请分成几个文件提交"
        )
    ends = np.concatenate(([-1], newlines, [len(text)]))
    widths = np.diff(ends) - 1
    longest = int(widths.max(initial=0))
    if longest > limits.line_bytes:
        at = int(widths.argmax()) + 1
        raise RegisterError(
            f"文件 {name}：第 {at:,} 行长 {longest / 1024:,.0f} KB，超过单行上限 "
            f"{limits.line_bytes / 1024:,.0f} KB（EXITMAP_MAX_LINE_KB），未读取"
        )


# ---------------------------------------------------------------- xlsx


@dataclass(frozen=True)
class Formula:
    """A cell holding a formula: its Excel row and column, and whether a result was saved."""

    row: int
    column: int  # 0-based, as Excel counts from column A
    cached: bool


@dataclass
class SheetScan:
    part: str
    formulas: list[Formula] = field(default_factory=list)


def column_number(letters: str) -> int:
    """A column's 1-based number: A → 1, Z → 26, AA → 27."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _above(limit: str, alphabet: str) -> str:
    """A regex matching the strings of `alphabet` that stand for a number above `limit`.

    Numbers (or column letters) grow with their length, and at equal length by their first
    differing character; leading zeros are not expected and only ever make a number look bigger.
    """
    first, last = alphabet[0], alphabet[-1]
    parts = [f"[{first}-{last}]{{{len(limit) + 1},}}"]
    for i, ch in enumerate(limit):
        nxt = chr(ord(ch) + 1)
        if ch == last:
            continue
        rest = len(limit) - i - 1
        parts.append(re.escape(limit[:i]) + f"[{nxt}-{last}]" + f"[{first}-{last}]{{{rest}}}")
    return "(?:" + "|".join(parts) + ")"


def _beyond(limits: Limits) -> str:
    """An `r="…"` reference (of a cell, or of a row) past the last row or column allowed.

    Matching a prefix is enough: a reference that starts like a number above the limit is one.
    """
    col = _above(column_letters(limits.columns), "AZ")
    row = _above(str(limits.rows), "09")
    return rf'r="(?:{col}|[A-Z]*{row})'


# A cell whose place is not written first (`<c r="…"`), or a cell under a namespace prefix:
# its place must be counted from its neighbours, as calamine does. The first pass looks for
# the prefix only as ":c" (a pattern starting with "<" and a class is several times slower).
_UNPLACED = r'<c(?:>|/>|\s+(?:[^r\s]|r[^=]|r=[^"]))|<[\w.-]+:c[\s>/]'
_UNPLACED_HINT = r'<c(?:>|/>|\s+(?:[^r\s]|r[^=]|r=[^"]))|:c[\s>/]'
# A cell with nothing in it: self-closing, or closed at once. calamine leaves such cells out,
# so formatting carried far to the right or down (old templates do) is no reason to refuse.
_EMPTY_CELL = re.compile(rb"[^>]*?(?:/>|>\s*</(?:[\w.-]+:)?c>)")
_FORMULA = re.compile(
    rb'<c r="([A-Z]+)([0-9]+)"[^>]*>\s*<f\b[^>]*?(?:/>|>[^<]*</f>)\s*(<v>[^<]+</v>|<is>)?'
)
_SHARED_REF = re.compile(rb't="s"[^>]*>\s*<v>([0-9]+)</v>')
_TOKEN = re.compile(rb"<(/?)(?:[\w.-]+:)?(row|c)\b([^>]*)>")
_R_ATTR = re.compile(rb'\sr="([A-Z]*)([0-9]+)"')
# The smallest a cell naming a shared string can be: <c t="s"><v>0</v></c>.
_SHARED_CELL_BYTES = 21


def _suspect(chunk: bytes, pattern: str) -> bool:
    """Whether the pattern occurs in the chunk: Rust's regex (polars) is several times faster
    than Python's on 100 MB of XML; text that is not UTF-8 falls back to Python's."""
    text = pl.Series([chunk], dtype=pl.Binary).cast(pl.Utf8, strict=False)
    if text.null_count():
        return re.search(pattern.encode(), chunk) is not None
    return bool(text.str.contains(pattern).item())


def check_workbook(path: Path, name: str, limits: Limits) -> dict[str, SheetScan]:
    """Refuse an xlsx/xlsm whose parts unpack or whose cells reach past the limits.

    Returns each sheet's scan by sheet name (the formulas found), for the reader's messages.
    """
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise RegisterError(f"文件 {name}：无法读取，文件可能已损坏或不是 Excel 文件") from exc
    with book:
        members = book.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise RegisterError(
                f"文件 {name}：压缩包内含 {len(members):,} 个部件，不是正常的登记表"
            )
        parts = {info.filename for info in members}
        where = f"文件 {name}"
        sheet_names = _sheet_names(book, parts, where, limits)
        wheres = {part: f"{where} 工作表「{sheet}」" for part, sheet in sheet_names.items()}
        for info in members:
            # The declared size may lie (Python's zipfile then fails the CRC check); what is
            # read below is counted as it unpacks.
            if info.file_size > limits.unpacked_bytes:
                raise _unpacked_error(wheres.get(info.filename, where), info.filename, limits)
        shared = _shared_string_sizes(book, parts, where, limits)
        scans: dict[str, SheetScan] = {}
        for part in sorted(p for p in parts if _is_sheet_part(p)):
            sheet = sheet_names.get(part, part)
            scans[sheet] = _scan_sheet(book, part, f"{where} 工作表「{sheet}」", limits, shared)
    return scans


def _is_sheet_part(part: str) -> bool:
    return re.fullmatch(r"xl/[a-z]*sheets/[^/]+\.xml", part) is not None


def _unpacked_error(where: str, part: str, limits: Limits) -> RegisterError:
    return RegisterError(
        f"{where}：部件「{part}」解压后超过上限 {limits.unpacked_bytes / MB:,.0f} MB"
        "（EXITMAP_MAX_UNPACKED_MB），文件异常或过大，未读取"
    )


def _blocks(book: zipfile.ZipFile, part: str, where: str, limits: Limits) -> Iterator[bytes]:
    """The part unpacked block by block, stopped as soon as it grows past the limit."""
    total = 0
    try:
        with book.open(part) as fh:
            while block := fh.read(_BLOCK):
                total += len(block)
                if total > limits.unpacked_bytes:
                    raise _unpacked_error(where, part, limits)
                yield block
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise RegisterError(f"{where}：无法读取，文件可能已损坏或不是 Excel 文件") from exc


def _read_small(book: zipfile.ZipFile, part: str, where: str, limits: Limits) -> bytes:
    return b"".join(_blocks(book, part, where, limits))


_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_names(
    book: zipfile.ZipFile, parts: set[str], where: str, limits: Limits
) -> dict[str, str]:
    """Sheet part → the sheet's name, for messages; parts it cannot name keep their path."""
    if "xl/workbook.xml" not in parts or "xl/_rels/workbook.xml.rels" not in parts:
        return {}
    try:
        workbook = ElementTree.fromstring(_read_small(book, "xl/workbook.xml", where, limits))
        rels = ElementTree.fromstring(
            _read_small(book, "xl/_rels/workbook.xml.rels", where, limits)
        )
    except ElementTree.ParseError:
        return {}
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = str(PurePosixPath(os.path.normpath(path)))
    return {
        targets[s.get(_NS_REL)]: s.get("name", "")
        for s in workbook.iter()
        if s.tag.endswith("}sheet") and s.get(_NS_REL) in targets
    }


def _shared_string_sizes(
    book: zipfile.ZipFile, parts: set[str], where: str, limits: Limits
) -> np.ndarray:
    """Bytes of each shared string's XML (at least its text's UTF-8 size), by index."""
    if "xl/sharedStrings.xml" not in parts:
        return np.zeros(0, dtype=np.int64)
    sizes: list[int] = []
    carry = b""
    for block in _blocks(book, "xl/sharedStrings.xml", where, limits):
        pieces = (carry + block).split(b"</si>")
        carry = pieces.pop()
        if pieces and not sizes:  # the first string follows the declaration and <sst …>
            pieces[0] = pieces[0][pieces[0].find(b"<si") :]
        sizes += map(len, pieces)
    return np.asarray(sizes, dtype=np.int64)


def _scan_sheet(
    book: zipfile.ZipFile, part: str, where: str, limits: Limits, shared: np.ndarray
) -> SheetScan:
    """One pass over the sheet's XML as it unpacks: cells past the limits, text, formulas.

    Each block is searched once, in Rust, for anything out of the ordinary (a reference past
    the limits, a cell without its place); only such a block is looked at closely in Python.
    Every writer we know writes `r` first on every cell; a sheet where some cell lacks it
    gets a second pass that counts places as calamine does.
    """
    beyond = _beyond(limits)
    suspect = f"{beyond}|{_UNPLACED_HINT}"
    beyond_at = re.compile(rb"\s" + beyond.encode())
    unplaced = re.compile(_UNPLACED.encode())
    largest_shared = int(shared.max(initial=0))
    # Counting what cells copy is needed only if the most they could copy passes the limit
    # (for a register of ordinary text, never). The declared size bounds what unpacks: a part
    # that unpacks to more fails its CRC check.
    cells_at_most = book.getinfo(part).file_size // _SHARED_CELL_BYTES
    count_copies = largest_shared * cells_at_most > limits.unpacked_bytes
    scan = SheetScan(part)
    expanded = 0  # bytes of shared text the sheet's cells copy
    counted = True
    for chunk in _whole_tags(_blocks(book, part, where, limits), b"</row>"):
        if _suspect(chunk, suspect):
            for hit in beyond_at.finditer(chunk):
                ref = hit.group().decode().split('"')[1]
                # A row element far down holds nothing by itself; its cells carry their `r`.
                if ref[:1].isalpha() and not _EMPTY_CELL.match(chunk, hit.end()):
                    raise _grid_error(where, _whole_ref(chunk, hit.start()), limits)
            counted = counted and unplaced.search(chunk) is None
        if b"<f" in chunk:
            scan.formulas += [
                Formula(int(m[2]), column_number(m[1].decode()) - 1, bool(m[3]))
                for m in _FORMULA.finditer(chunk)
            ]
        if count_copies:
            expanded += _shared_copied(chunk, shared)
            if expanded > limits.unpacked_bytes:
                raise RegisterError(
                    f"{where}：单元格引用的共享文本合计超过上限 "
                    f"{limits.unpacked_bytes / MB:,.0f} MB（EXITMAP_MAX_UNPACKED_MB），"
                    "文件异常或过大，未读取"
                )
    if not counted:
        _count_places(book, part, where, limits)
    return scan


def _whole_tags(blocks: Iterator[bytes], end: bytes) -> Iterator[bytes]:
    """The blocks re-cut after the last `end` in each (a row's end, or else a tag's), so that
    no tag and, normally, no row is split between two; the rest comes last, whatever it is."""
    carry = b""
    for block in blocks:
        buf = carry + block
        cut = buf.rfind(end)
        cut = cut + len(end) if cut >= 0 else buf.rfind(b">") + 1
        chunk, carry = buf[:cut], buf[cut:]
        yield chunk
    if carry:
        yield carry


def _shared_copied(chunk: bytes, shared: np.ndarray) -> int:
    """Bytes of shared text the chunk's cells copy."""
    index = np.asarray(list(map(int, _SHARED_REF.findall(chunk))), dtype=np.int64)
    return int(shared[index[index < len(shared)]].sum())


def _whole_ref(chunk: bytes, at: int) -> str:
    return re.match(rb'\sr="([A-Z0-9]+)', chunk[at : at + 40])[1].decode()


def _count_places(book: zipfile.ZipFile, part: str, where: str, limits: Limits) -> None:
    """Follow rows and cells in order, placing those without `r` after their neighbours."""
    row = col = 0
    for chunk in _whole_tags(_blocks(book, part, where, limits), b">"):
        for closing, tag, attrs in _TOKEN.findall(chunk):
            if closing:
                continue
            ref = _R_ATTR.search(attrs)
            if tag == b"row":
                row = int(ref[2]) if ref else row + 1
                col = 0
            else:
                col = column_number(ref[1].decode()) if ref and ref[1] else col + 1
            if row > limits.rows or col > limits.columns:
                raise _grid_error(where, f"{column_letters(col)}{row}", limits)


def _grid_error(where: str, ref: str, limits: Limits) -> RegisterError:
    return RegisterError(
        f"{where}：单元格 {ref} 超出读取范围（上限 {limits.grid()}），"
        "请删除表格范围外的内容或分成几个文件提交"
    )

"""What the pptx, xlsx and docx writers share: fonts, the fixed timestamp, byte-stable files.

Office files are zips whose entries carry the time they were written, and whose core properties
(docProps/core.xml) say when the document was created and modified; openpyxl even overwrites
``modified`` with "now" on save. ``stabilize`` rewrites both from the as-of date, so the same data
and view give the same bytes — a briefing can be checked by its hash.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

# Office PCs in the province run Windows with PowerPoint or WPS: 微软雅黑 is on every one of
# them (python-pptx cannot embed fonts). East Asian text reads its font from a:ea / w:eastAsia,
# so both the Latin and the East Asian slots are set.
SLIDE_FONT_LATIN = "Microsoft YaHei"
SLIDE_FONT_EA = "微软雅黑"
# Official documents (党政机关公文格式 GB/T 9704) use 仿宋 for text and 黑体 for headings;
# both ship with Windows.
DOC_FONT_BODY = "仿宋"
DOC_FONT_HEADING = "黑体"
DOC_FONT_TITLE = "宋体"

ISSUER = "省淘汰落后产能工作领导小组办公室（省工业和信息化厅）"
SYNTHETIC_NOTE = "注：当前数据含演示（虚构）数据，仅供演示，不得对外公布。"


def fixed_time(as_of: dt.date) -> dt.datetime:
    """The creation/modification time written into a file made for ``as_of``: its midnight."""
    return dt.datetime.combine(as_of, dt.time(0, 0))


_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def stabilize(path: Path, as_of: dt.date) -> None:
    """Rewrite the zip at ``path`` with fixed entry times and fixed core-property dates."""
    when = fixed_time(as_of)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), data)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)


_CORE_NS = {
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def _set_core(xml: bytes, values: dict[str, str]) -> bytes:
    """docProps/core.xml with each ``prefix:name`` of ``values`` set (added when missing)."""
    from lxml import etree

    root = etree.fromstring(xml)
    for qualified, value in values.items():
        prefix, name = qualified.split(":")
        tag = f"{{{_CORE_NS[prefix]}}}{name}"
        element = root.find(tag)
        if element is None:
            element = etree.SubElement(root, tag)
        element.text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def mark_taken(path: Path, who: str, at: dt.datetime) -> None:
    """Write who took the Office file at ``path`` and when into its core properties (last
    modified by, and the description 取用：who time), keeping the zip's entry times."""
    stamp = f"取用：{who} {at.isoformat(timespec='seconds')}"
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _set_core(data, {"cp:lastModifiedBy": who, "dc:description": stamp})
            dst.writestr(info, data)


def synthetic(status: dict) -> bool:
    """Whether the loaded data holds demo units (then every output says so)."""
    return bool(status.get("synthetic"))


# -- how numbers are written in every output (one place, so tests can expect the same text) --


def pct(x) -> str:
    return "—" if x is None or x != x else f"{x:.1f}%"


def days(x) -> str:
    """A mean number of days, to the tenth it is kept at ("—" when there is none)."""
    return "—" if x is None or x != x else f"{x:.1f}"


def wan(x: float, unit: str = "吨标准煤") -> str:
    """56,000 tce → "5.60万吨标准煤": briefings speak in 万."""
    return f"{x / 1e4:,.2f}万{unit}"


def as_of_zh(on: dt.date, known_on: dt.date | None = None, sep: str = " ") -> str:
    """「数据截至 D」, and 「（按 K 当时掌握）」 for what was known on K."""
    text = f"数据截至{sep}{date_zh(on)}"
    return text + (f"（按{date_zh(known_on)}当时掌握）" if known_on else "")


def date_zh(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"

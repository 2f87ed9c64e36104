"""Drawing on a pptx slide: the palette, 微软雅黑 on every run, text boxes, KPI cards, tables
and pictures.

Text is real slide text (editable in WPS and PowerPoint) with the font set in the Latin and
the East Asian slots; sizes are in points, positions in EMU (``pptx.util.Inches``).
"""

from __future__ import annotations

import io

from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from exports.office import SLIDE_FONT_EA, SLIDE_FONT_LATIN

# Text, secondary text, headings and rules, bad news, good news.
INK, MUTED, ACCENT, BAD, OK = "1D2733", "5B6775", "1F4E79", "B2182B", "2E7D32"


def rgb(hex6: str) -> RGBColor:
    """A palette colour ("1F4E79") as pptx wants it."""
    return RGBColor.from_string(hex6)


def style_run(run, size: float, bold: bool = False, colour: str = INK) -> None:
    """Font for a run: 微软雅黑 in the Latin and East Asian slots (a:latin, a:ea)."""
    font = run.font
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = rgb(colour)
    font.name = SLIDE_FONT_LATIN
    rpr = run._r.get_or_add_rPr()
    for old in rpr.findall(qn("a:ea")):
        rpr.remove(old)
    ea = rpr.makeelement(qn("a:ea"), {"typeface": SLIDE_FONT_EA})
    rpr.find(qn("a:latin")).addnext(ea)


def fill_text(frame, lines, size: float, colour: str = INK, align=PP_ALIGN.LEFT) -> None:
    """Replace a text frame's text by ``lines``: str, or (text, size, bold, colour) tuples."""
    frame.clear()
    frame.word_wrap = True
    for i, line in enumerate(lines):
        text, sz, bold, col = (line, size, False, colour) if isinstance(line, str) else line
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        run = para.add_run()
        run.text = text
        style_run(run, sz, bold, col)


def textbox(slide, left, top, width, height, lines, size=14, name=None, **kw):
    """A text box with thin margins holding ``lines`` (as in ``fill_text``), named ``name``."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.margin_left = frame.margin_right = Inches(0.02)
    frame.margin_top = frame.margin_bottom = Inches(0.01)
    if name:
        box.name = name
    fill_text(box.text_frame, lines, size, **kw)
    return box


def card(
    slide, left, top, width, height, label, value, sub, name, colour=ACCENT, big=26, compact=False
):
    """A KPI card: coloured top rule, label, value (named ``name`` for tests), sub-line."""
    bar = slide.shapes.add_shape(1, left, top, width, Inches(0.06))
    bar.fill.solid()
    bar.fill.fore_color.rgb = rgb(colour)
    bar.line.fill.background()
    box = slide.shapes.add_shape(1, left, top + Inches(0.06), width, height - Inches(0.06))
    box.fill.solid()
    box.fill.fore_color.rgb = rgb("F3F5F8")
    box.line.fill.background()
    pad = Inches(0.1)
    value_top = Inches(0.36 if compact else 0.42)
    textbox(
        slide,
        left + pad,
        top + Inches(0.08),
        width - 2 * pad,
        Inches(0.32),
        [label],
        12,
        colour=MUTED,
    )
    textbox(
        slide,
        left + pad,
        top + value_top,
        width - 2 * pad,
        Inches(0.5),
        [(value, big, True, colour)],
        big,
        name=name,
    )
    sub_top = top + (Inches(0.78) if compact else height - Inches(0.55))
    textbox(
        slide,
        left + pad,
        sub_top,
        width - 2 * pad,
        Inches(0.4),
        [sub],
        10 if compact else 11,
        colour=MUTED,
        name=f"{name}_sub",
    )


def card_grid(slide, left, top, width, height, gap, cards, big=26, compact=False) -> None:
    """KPI cards two to a row from (left, top); each card (label, value, sub, name, colour)."""
    for i, (label, value, sub, name, colour) in enumerate(cards):
        card(
            slide,
            left + (i % 2) * (width + gap),
            top + (i // 2) * (height + gap),
            width,
            height,
            label,
            value,
            sub,
            name,
            colour,
            big=big,
            compact=compact,
        )


def picture(slide, png: bytes, left, top, height=None, width=None, name=None):
    """A PNG placed at (left, top), scaled to the height or width given."""
    pic = slide.shapes.add_picture(io.BytesIO(png), left, top, width=width, height=height)
    if name:
        pic.name = name
    return pic


def table(slide, left, top, width, headers, rows, widths, size=11, name=None, row_h=0.34):
    """A plain table: accent header, thin banding, 微软雅黑 everywhere."""
    shape = slide.shapes.add_table(
        len(rows) + 1, len(headers), left, top, width, Inches(row_h * (len(rows) + 1))
    )
    if name:
        shape.name = name
    table = shape.table
    for j, w in enumerate(widths):
        table.columns[j].width = Inches(w)
    for i, values in enumerate([headers, *rows]):
        table.rows[i].height = Inches(row_h)
        for j, v in enumerate(values):
            cell = table.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(0.06)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.fill.solid()
            cell.fill.fore_color.rgb = rgb(ACCENT if i == 0 else ("FFFFFF" if i % 2 else "F3F5F8"))
            colour = "FFFFFF" if i == 0 else INK
            fill_text(cell.text_frame, [(str(v), size, i == 0, colour)], size)
    return table

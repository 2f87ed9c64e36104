"""How commands print tables: aligned for a terminal, or CSV, or JSON."""

from __future__ import annotations

import unicodedata

import click
import pandas as pd

from exitmap.cells import neutralise_frame

FORMATS = click.Choice(["table", "csv", "json"])


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(value) -> str:
    if value is None or (not isinstance(value, list | str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, list):
        return "；".join(value)
    return str(value)


def render_table(frame: pd.DataFrame) -> str:
    """Aligned columns that count a Chinese character as two cells; numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    head = [str(c) for c in frame.columns]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(head)]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) and frame[c].dtype != bool for c in frame]

    def line(values):
        out = []
        for v, w, right in zip(values, widths, numeric, strict=True):
            pad = " " * (w - _width(v))
            out.append(pad + v if right else v + pad)
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(head), rule, *(line(r) for r in cells)])


def emit(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        # Names and document numbers typed by people: written inert (exitmap/cells.py).
        click.echo(neutralise_frame(frame).to_csv(index=False), nl=False)
    elif fmt == "json":
        click.echo(frame.to_json(orient="records", force_ascii=False, date_format="iso", indent=1))
    else:
        click.echo(render_table(frame))

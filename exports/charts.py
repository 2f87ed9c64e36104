"""Charts for slides and briefings: the project's palette and font, one long-lived renderer.

Kaleido drives a headless Chromium. Starting it costs about 2 s; with the sync server kept open
an image takes about 0.2 s, so a deck opens one ``Renderer`` and renders every image through it.
Images are drawn with Noto Sans CJK SC (installed with the project), so a PNG looks the same on
every machine whatever fonts the office PC has.

Colours: the dashboard's ColorBrewer schemes (``layers.map``), and for done/not done the
blue/orange pair, which stays distinct for the common colour-vision deficiencies; overdue is
also hatched, so a black-and-white print keeps it apart.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterable

import kaleido
import pandas as pd
import plotly.graph_objects as go

from exitmap.vocabulary import PROVINCE_ADCODE
from layers.map import NO_DATA, PALETTE_GOOD, PCT_BREAKS

FONT = "Noto Sans CJK SC"
INK = "#1d2733"
MUTED = "#5b6775"
GRID = "#d8dee6"
ACCENT = "#1f4e79"
EXITED = "#1f4e79"  # dark blue
RECTIFIED = "#6baed6"  # light blue: done, but by upgrading rather than exiting
REMAINING = "#fdae61"  # orange: not done, deadline not yet passed
OVERDUE = "#b2182b"  # dark red, hatched: not done and past its deadline
FREEZE_PATTERN = "/"

STAGES = (  # (column, label, colour, pattern) for eliminated-vs-remaining
    ("exited", "已退出", EXITED, ""),
    ("rectified", "已改造达标", RECTIFIED, ""),
    ("pending", "未完成（未到期）", REMAINING, ""),
    ("overdue", "未完成（已逾期）", OVERDUE, "x"),
)


def pct_class(value: float | None) -> int:
    """Class of a completion percentage on the dashboard's fixed breaks; -1 for no data."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return -1
    return sum(value >= b for b in PCT_BREAKS)


def pct_colour(value: float | None) -> str:
    k = pct_class(value)
    return NO_DATA if k < 0 else PALETTE_GOOD[k]


def pct_legend() -> list[tuple[str, str]]:
    """(label, colour) for each completion class, best first."""
    b = PCT_BREAKS
    labels = [f"低于{b[0]:g}%"]
    labels += [f"{lo:g}%–{hi:g}%" for lo, hi in itertools.pairwise(b)]
    labels.append(f"{b[-1]:g}%及以上")
    return list(zip(labels, PALETTE_GOOD, strict=True))[::-1]


def ink_on(colour: str) -> str:
    """Black or white text, whichever reads on the fill (relative luminance)."""
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#ffffff" if lum < 0.45 else INK


def base_layout(**overrides) -> dict:
    layout = {
        "font": {"family": FONT, "size": 16, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 20, "r": 20, "t": 20, "b": 20},
        "showlegend": False,
    }
    layout.update(overrides)
    return layout


# ---------------------------------------------------------------------------------- renderer


class Renderer:
    """Kaleido's sync server for the length of a ``with`` block; PNG bytes per figure.

    Re-entrant: an inner ``with`` reuses the server an outer one started. ``timings`` keeps
    seconds per image for the benchmark.
    """

    def __init__(self) -> None:
        self.timings: list[float] = []
        self._depth = 0
        self._started = False

    def __enter__(self) -> Renderer:
        if self._depth == 0 and not kaleido._global_server.is_running():
            kaleido.start_sync_server(mathjax=False, silence_warnings=True)
            self._started = True
        self._depth += 1
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0 and self._started:
            kaleido.stop_sync_server(silence_warnings=True)
            self._started = False

    def png(self, fig: go.Figure, width: int, height: int, scale: float = 2.0) -> bytes:
        """``width``×``height`` CSS pixels at ``scale`` (2 → crisp on a 1920×1080 projector)."""
        start = time.perf_counter()
        data = kaleido.calc_fig_sync(
            fig, opts={"format": "png", "width": width, "height": height, "scale": scale}
        )
        self.timings.append(time.perf_counter() - start)
        return data


# ------------------------------------------------------------------------------------ charts


def ranking(standing: pd.DataFrame, frozen: Iterable[int] = ()) -> go.Figure:
    """Prefectures by unit completion (best at top), coloured like the map, 区域限批 hatched.

    ``standing`` is ``layers.standing.standing``; the province row is left out. ``frozen`` adds
    prefectures under a recorded decision to those the rule triggers.
    """
    rows = standing[standing["adcode"] != PROVINCE_ADCODE].copy()
    rows["pct"] = rows["completion_units_pct"].astype(float)
    rows = rows.sort_values(["pct", "adcode"], ascending=[True, False], na_position="first")
    frozen = set(frozen) | set(rows.loc[rows["freeze_triggered"], "adcode"])
    is_frozen = rows["adcode"].isin(frozen)
    names = [n + ("（限批）" if f else "") for n, f in zip(rows["name"], is_frozen, strict=True)]
    fig = go.Figure(
        go.Bar(
            x=rows["pct"].fillna(0),
            y=names,
            orientation="h",
            marker={
                "color": [pct_colour(v) for v in rows["pct"]],
                "line": {"color": INK, "width": 0.8},
                "pattern": {
                    "shape": [FREEZE_PATTERN if f else "" for f in is_frozen],
                    "fgcolor": INK,
                    "size": 7,
                    "solidity": 0.25,
                },
            },
            text=[
                "—" if pd.isna(p) else f"{p:.1f}%（{r}/{n}）"
                for p, r, n in zip(
                    rows["pct"], rows["units_resolved"], rows["units_in_scope"], strict=True
                )
            ],
            textposition="outside",
            cliponaxis=False,
            textfont={"size": 15, "color": INK},
        )
    )
    fig.update_layout(
        **base_layout(margin={"l": 10, "r": 130, "t": 10, "b": 40}),
        xaxis={
            "range": [0, 100],
            "ticksuffix": "%",
            "gridcolor": GRID,
            "title": {"text": "完成率（按台套：已完成 / 纳入范围）", "font": {"size": 14}},
        },
        yaxis={"automargin": True, "tickfont": {"size": 15}},
        bargap=0.25,
    )
    return fig


def stages(units: pd.DataFrame, by: str) -> pd.DataFrame:
    """In-scope units per ``by`` value split into STAGES (counts; never tonnes, domain §5)."""
    # A mask, also when there are no units (an empty column of objects would select columns).
    scope = units.loc[units["in_scope"].astype(bool)]
    frame = pd.DataFrame(
        {
            by: scope[by],
            "exited": scope["resolution"] == "退出",
            "rectified": scope["resolution"] == "改造达标",
            "pending": scope["remaining"] & ~scope["overdue"].fillna(False).astype(bool),
            "overdue": scope["overdue"].fillna(False).astype(bool),
        }
    )
    return frame.groupby(by, sort=True)[[s[0] for s in STAGES]].sum().astype(int)


def sub_industry(units: pd.DataFrame, order: list[str] | None = None) -> go.Figure:
    """Stacked bars per sub-industry: exited, rectified, pending, overdue (unit counts)."""
    table = stages(units, "sub_industry")
    if order:
        table = table.reindex([s for s in order if s in table.index])
    table = table.iloc[::-1]  # plotly draws the first category at the bottom
    fig = go.Figure()
    for col, label, colour, pattern in STAGES:
        fig.add_bar(
            x=table[col],
            y=table.index,
            name=label,
            orientation="h",
            marker={
                "color": colour,
                "line": {"color": "#ffffff", "width": 0.6},
                "pattern": {"shape": pattern, "fgcolor": "#ffffff", "size": 6},
            },
            text=[str(v) if v else "" for v in table[col]],
            textposition="inside",
            insidetextanchor="middle",
            textangle=0,
            constraintext="none",
            textfont={"size": 13, "color": ink_on(colour)},
        )
    fig.update_layout(
        **base_layout(
            showlegend=True,
            margin={"l": 10, "r": 20, "t": 50, "b": 40},
            legend={
                "orientation": "h",
                "x": 0,
                "y": 1.0,
                "yanchor": "bottom",
                "font": {"size": 14},
                "traceorder": "normal",
            },
        ),
        barmode="stack",
        xaxis={"gridcolor": GRID, "title": {"text": "台（套）", "font": {"size": 14}}},
        yaxis={"automargin": True, "tickfont": {"size": 14}},
        bargap=0.22,
    )
    return fig

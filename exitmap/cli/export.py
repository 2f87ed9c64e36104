"""CLI for briefings and disclosure: the meeting deck, the public lists, the annual report."""

from __future__ import annotations

from pathlib import Path

import click

from exitmap.cli.options import as_of_or_today, known_on_option, parse_date


def _prefectures(ctx, param, value: str) -> list[int] | None:
    if value.strip().lower() == "all":
        return None
    try:
        return [int(v) for v in value.replace("，", ",").split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"应为 all 或以逗号分隔的州（市）代码，现为 {value!r}") from None


@click.group("export")
def export() -> None:
    """简报：会议幻灯片与简报图、信息公开名单、年度报告（征求意见稿 三(六)、三(八)、四(一)）。"""


@export.command("pptx")
@click.option("--as-of", callback=parse_date, help="数据日期（默认今天）。")
@click.option(
    "--prefectures",
    default="all",
    show_default=True,
    callback=_prefectures,
    help="all，或以逗号分隔的州（市）代码（如 530100,532500）。",
)
@click.option("--marking", default="内部资料", show_default=True, help="密级标注。")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@known_on_option
def pptx_cmd(as_of, prefectures, marking, out: Path, known_on) -> None:
    """The meeting deck: province, ranking, one slide per prefecture, 区域限批 (16:9)."""
    from exitmap.db import engine
    from exports.deck import write_deck

    on = as_of_or_today(as_of)
    try:
        n = write_deck(engine(), on, out, prefectures, marking=marking, known_on=known_on)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--prefectures") from None
    click.echo(f"已生成 {out}（{n} 页，数据截至 {on}）")


@export.command("lists")
@click.option("--as-of", callback=parse_date, help="数据日期（默认今天）。")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path))
@known_on_option
def lists_cmd(as_of, out: Path, known_on) -> None:
    """The public lists (xlsx): 限期整改 per department, 提请关闭, 已关闭, annual exits, credit."""
    from exitmap.db import engine
    from exports.lists import write_lists

    on = as_of_or_today(as_of)
    for path, rows in write_lists(engine(), on, out, known_on).items():
        click.echo(f"{path}（{rows} 条）")


@export.command("annual-report")
@click.argument("year", type=int)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def annual_report_cmd(year: int, out: Path) -> None:
    """The year's report to the provincial government (.docx or .xlsx, by --out's suffix)."""
    from exitmap.clock import today
    from exitmap.db import engine
    from exports.report import write_report

    if out.suffix.lower() not in (".docx", ".xlsx"):
        raise click.BadParameter("应以 .docx 或 .xlsx 结尾", param_hint="--out")
    report = write_report(engine(), year, out, on=today())
    click.echo(f"已生成 {out}（{year}年度，数据截至 {report.on}）")


def _size(ctx, param, value: str) -> tuple[int, int]:
    from app.render import RenderError, parse_size

    try:
        return parse_size(value)
    except RenderError as exc:
        raise click.BadParameter(str(exc)) from None


@export.command("png")
@click.argument("view", metavar="URL_OR_VIEW")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--size", default="1920x1080", show_default=True, callback=_size, help="宽x高（CSS 像素）。"
)
@click.option(
    "--scale", default=2.0, show_default=True, type=click.FloatRange(0.5, 4), help="像素倍数。"
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["png", "pdf"]),
    default=None,
    help="png 或 pdf（矢量，浏览器打印）；默认按 --out 的后缀。",
)
def png_cmd(view: str, out: Path, size, scale: float, fmt: str | None) -> None:
    """A view as a briefing image (title, filters, 数据截至, legend, scale bar, north arrow).

    URL_OR_VIEW is a full URL of a running server (http://host:8050/?measure=…) or a view path
    such as "/prefecture/530100?on=2025-12-31", rendered by this process against the
    configured database. Pages: / , /prefecture/<代码>, /quota, /freeze.
    """
    from app.main import create_app
    from app.render import Renderer

    fmt = fmt or ("pdf" if out.suffix.lower() == ".pdf" else "png")
    local = not view.startswith(("http://", "https://"))
    with Renderer(create_app() if local else None) as r:
        shot = r.render(fmt, view, out, size, scale)
    what = f"{shot.width}×{shot.height}" + (" 像素" if fmt == "png" else " CSS 像素，1 页")
    click.echo(f"已生成 {out}（{what}，{shot.facts.get('title')}，用时 {shot.seconds:.1f} 秒）")


COMMANDS = (export,)

"""Commands that bring data in: load, locate, template, demo, import-gem."""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

import click

from exitmap.cli.options import as_of_or_today, parse_date

DEMO_SOURCE = "demo"


def _step_printer(enabled: bool):
    """Steps with elapsed time on a terminal; silent when output is piped."""
    started = time.monotonic()

    def step(message: str) -> None:
        if enabled:
            click.echo(f"  [{time.monotonic() - started:5.1f}s] {message}…", err=True)

    return step


def print_rejections(prepared, limit: int = 50) -> None:
    rejected = prepared.rejected
    for r in rejected.head(limit).iter_rows(named=True):
        click.echo(
            f"  ✗ {r['file']} 工作表「{r['sheet']}」第 {r['row']} 行：" + "；".join(r["messages"]),
            err=True,
        )
    if rejected.height > limit:
        click.echo(f"  … 另有 {rejected.height - limit} 行被拒绝，详见 --report 报告。", err=True)


def print_sheet_rows(prepared) -> None:
    """The optional sheets are checked here but written only by an accepted submission, which
    holds them to the uploader's prefecture and to the firms and units in the database."""
    if not prepared.sheet_rows:
        return
    sheets = "、".join(dict.fromkeys(f"「{r.sheet}」" for r in prepared.sheet_rows))
    click.echo(
        f"  · 工作表{sheets}共 {len(prepared.sheet_rows)} 行：exitmap load 不写入职工安置方案和"
        "场地处置，请经报送审核采用写入，或用 exitmap resettlement add、exitmap land add 录入。",
        err=True,
    )
    for r in prepared.sheet_rows:
        if r.rejected:
            click.echo(
                f"  ✗ {r.file} 工作表「{r.sheet}」第 {r.row} 行：" + "；".join(r.messages), err=True
            )


def run_load(
    files: list[Path],
    as_of: dt.date,
    *,
    dry_run: bool = False,
    partial: bool = False,
    report: Path | None = None,
    source: str = "register",
    synthetic: bool = False,
    quiet: bool = False,
    recorded_on: dt.date | None = None,
) -> int:
    """The whole load as the CLI does it; returns the exit code.

    ``recorded_on``: a backfill, recorded as learned on that day (default: now).
    """
    from etl.pipeline import prepare
    from etl.report import write_report
    from exitmap.clock import start_of

    step = _step_printer(sys.stderr.isatty() and not quiet)
    prepared = prepare(files, on_step=step)
    counts = prepared.counts()
    if report:
        lines = write_report(prepared, report)
        step(f"已写出报告 {report}（{lines} 行）")
    for err in prepared.file_errors:
        click.echo(f"  ✗ {err}", err=True)
    for info in prepared.files:
        for note in info.notes:
            click.echo(f"  · {info.name}：{note}", err=True)
    click.echo(
        f"共 {prepared.rows.height} 行：通过 {counts['ok']}，有警告 {counts['warning']}，"
        f"拒绝 {counts['rejected']}。"
    )
    print_rejections(prepared)
    print_sheet_rows(prepared)
    if dry_run:
        click.echo("试运行（--dry-run）：未写入数据库。")
        return 1 if counts["rejected"] or prepared.file_errors else 0

    from etl.load import LoadError, load
    from exitmap.db import engine

    try:
        summary = load(
            engine(),
            prepared,
            as_of,
            partial=partial,
            source=source,
            synthetic=synthetic,
            recorded_at=start_of(recorded_on) if recorded_on else None,
            on_step=step,
        )
    except LoadError as exc:
        click.echo(f"未载入：{exc}", err=True)
        return 1
    if summary.already_loaded:
        click.echo(f"这些文件已按数据日期 {as_of} 载入过，内容相同，未做任何更改。")
        return 0
    from exitmap.cli.access import record

    record(
        "load",
        "、".join(p.name for p in files),
        {
            "as_of": as_of,
            "source": source,
            "inserted": summary.inserted,
            "updated": summary.updated,
            "quarantined": summary.quarantined,
        },
        row_count=summary.inserted + summary.updated + summary.unchanged,
    )
    click.echo(
        f"已载入（数据日期 {as_of}）：新增 {summary.inserted} 台（套），更新 {summary.updated}，"
        f"未变 {summary.unchanged}，状态变化记录 {summary.events} 条"
        + (f"，隔离拒绝行 {summary.quarantined} 行" if summary.quarantined else "")
        + (f"；企业信息更新 {summary.firms_updated} 家" if summary.firms_updated else "")
        + (f"；更正 {summary.corrected} 台（套）的历史" if summary.corrected else "")
        + "。"
    )
    for short in summary.quota_shortfalls:
        click.echo(f"注意：{short.text()}，请核实并调整分配。", err=True)
    if summary.missing:
        click.echo(
            f"注意：以下 {len(summary.missing)} 台（套）装备已在库中、但本次登记表未列出"
            "（未删除，请核实）：",
            err=True,
        )
        for m in summary.missing[:50]:
            click.echo(f"  ? {m.prefecture} {m.enterprise} {m.equipment}（{m.unit_key}）", err=True)
    return 1 if counts["rejected"] else 0


@click.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--as-of", callback=parse_date, help="登记表的数据日期（默认今天）。")
@click.option("--dry-run", is_flag=True, help="只检查并出报告，不写数据库。")
@click.option("--partial", is_flag=True, help="写入有效行，拒绝行隔离保存。")
@click.option("--report", type=click.Path(path_type=Path), help="逐行报告 CSV。")
@click.option(
    "--recorded-on",
    callback=parse_date,
    help="补录：按此日期记为系统获知时间（默认现在；不得早于已有载入）。",
)
def load_cmd(files, as_of, dry_run, partial, report, recorded_on) -> None:
    """载入装备登记表（xlsx/xls/csv）：逐行校验、定位；默认严格模式，有拒绝行则不写入。"""
    sys.exit(
        run_load(
            list(files),
            as_of_or_today(as_of),
            dry_run=dry_run,
            partial=partial,
            report=report,
            recorded_on=recorded_on,
        )
    )


@click.command("locate")
@click.argument("in_csv", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_csv", required=True, type=click.Path(path_type=Path))
def locate_cmd(in_csv: Path, out_csv: Path) -> None:
    """为含 lon、lat 列的 CSV 追加所在州（市）、县（市、区）及 WGS-84 坐标（无需数据库）。"""
    from etl.locate import locate_csv

    frame = locate_csv(in_csv, out_csv)
    located = int(frame["precision"].notna().sum())
    click.echo(f"已写出 {out_csv}：{len(frame)} 行，其中 {located} 行已定位。")


@click.command("template")
@click.argument("out", type=click.Path(path_type=Path))
def template_cmd(out: Path) -> None:
    """生成空白登记表（xlsx）：标准表头、填表说明、下拉选项。"""
    from etl.template import write_template

    write_template(out)
    click.echo(f"已写出空白登记表：{out}")


@click.command("demo")
@click.option("--today", "as_of", callback=parse_date, help="最后一期快照的日期（默认今天）。")
@click.option("--keep", type=click.Path(path_type=Path), help="把生成的登记表保存到此目录。")
def demo_cmd(as_of, keep) -> None:
    """生成合成演示登记表（2020–2025 年末及今天的快照）并逐期载入，下达当年演示目标任务；
    替换旧演示数据。"""
    import tempfile

    from etl.demo import write_demo
    from etl.demo.snapshots import snapshot_dates
    from etl.demo.targets import write_demo_targets
    from etl.load import latest_record_time, remove_source
    from exitmap.clock import start_of
    from exitmap.db import engine

    as_of = as_of_or_today(as_of)
    # The demo is regenerated whole: earlier demo units would clash with a new "today".
    removed = remove_source(engine(), DEMO_SOURCE)
    if removed:
        click.echo(f"已移除旧的演示数据（{removed} 台套）。")
    # Recorded on its own dates, as if loaded then, so that "as known on" works on it —
    # unless other registers were recorded since: record time only moves forward.
    latest = latest_record_time(engine())
    backfill = latest is None or latest <= start_of(snapshot_dates(as_of)[0])
    if not backfill:
        click.echo("库中已有其他载入：演示数据按现在记录（按当时掌握的视图看不到其历史）。")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(keep) if keep else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for path, snapshot in write_demo(out, today=as_of):
            click.echo(f"演示数据 {path.name}（数据日期 {snapshot}）")
            code = run_load(
                [path],
                snapshot,
                source=DEMO_SOURCE,
                synthetic=True,
                quiet=True,
                recorded_on=snapshot if backfill else None,
            )
            if code:
                sys.exit(code)
    lines = write_demo_targets(engine(), as_of, backfill)
    click.echo(f"演示目标任务：{lines} 个州（市）的 {as_of.year} 年度目标")


@click.command("import-gem")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--as-of", callback=parse_date, help="数据日期（默认取 GEM 版本日期）。")
def import_gem_cmd(path: Path, as_of) -> None:
    """导入 Global Energy Monitor 水泥、钢铁跟踪数据中的云南工厂（CC BY 4.0）。"""
    from etl.gem import import_gem

    sys.exit(import_gem(path, as_of))


COMMANDS = (load_cmd, locate_cmd, template_cmd, demo_cmd, import_gem_cmd)

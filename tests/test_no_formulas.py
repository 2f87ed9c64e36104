"""No live formulas, ever: every file every export writes, opened and read cell by cell.

The database holds a register whose every free-text field (and its file and sheet name) is a
formula a spreadsheet would run (tests.helpers.hostile). Each writer — the public lists, the
annual report, the 数据 page's CSV/Excel/GeoJSON downloads, the load report, ``exitmap locate``,
the template, the commands' CSV output — is run the way users run it, and its file is opened:
no xlsx cell is a formula or text a spreadsheet would run, no CSV cell starts a formula, and the
hostile names are there (made inert), not dropped.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exitmap import cells
from tests.helpers.accounts import client_as
from tests.helpers.dash_http import call, download_body
from tests.helpers.hostile import AS_OF, FILE_NAME, FORMULAS, SHEET_NAME, live

EXITMAP = str(Path(sys.executable).with_name("exitmap"))
# What the hostile texts look like once written: an apostrophe in front, else unchanged
# (the register's cells are trimmed as they are loaded; locate keeps its input's as they are).
INERT = {"'" + f.strip() for f in FORMULAS}
INERT_RAW = {"'" + f for f in FORMULAS}


def run(engine, *args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "EXITMAP_TODAY": AS_OF.isoformat(),
    }
    done = subprocess.run(
        [EXITMAP, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def xlsx_texts(path: Path) -> list[str]:
    """Every text cell and sheet name of a workbook, failing on any formula cell."""
    book = openpyxl.load_workbook(path, data_only=False)
    texts = []
    for sheet in book.worksheets:
        assert not live(sheet.title), (path.name, sheet.title)
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (path.name, sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith("="), (path.name, cell.coordinate)
                    assert not live(cell.value), (path.name, cell.coordinate, cell.value)
                    texts.append(cell.value)
    return texts


def csv_texts(text: str, where: str) -> list[str]:
    """Every cell of a CSV text, failing on any that starts a formula."""
    cells_ = [c for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for c in row]
    for c in cells_:
        assert not live(c), (where, c)
    return cells_


def inert_names_in(texts: list[str], inert: set[str] = INERT) -> set[str]:
    """The inert hostile texts found in ``texts`` (whole cells or inside them)."""
    return {h for h in inert if any(h in t for t in texts)}


# ---------------------------------------------------------------- the one writer rule


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        (" =1+1", "' =1+1"),
        ("\u3000=1+1", "'\u3000=1+1"),
        ("-2.5", "-2.5"),  # one plain number: a constant, left readable
        ("+86", "+86"),
        ("1e-3", "1e-3"),
        ("云南=钢铁", "云南=钢铁"),
        ("", ""),
        (-2.5, -2.5),  # numbers stay numbers
        (-3, -3),
        (None, None),
        (AS_OF, AS_OF),
    ],
)
def test_neutralise_prefixes_live_text_only(value, written):
    assert cells.neutralise(value) == written
    assert type(cells.neutralise(value)) is type(written)


# The machine is shared: generating the texts may be slow, which says nothing about the rule.
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.sampled_from("=+-@\t\r 0123.5e云A("), max_size=6), max_size=5))
def test_the_polars_pass_agrees_with_the_cell_rule(texts):
    frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
    assert cells.neutralise_polars(frame)["t"].to_list() == [cells.neutralise(t) for t in texts]


def test_openpyxl_cells_are_written_as_text(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    cells.put(sheet, 1, 1, "=1+1")
    cells.append(sheet, ["@cmd", -2.5, "-2+3"])
    book.save(tmp_path / "x.xlsx")
    back = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    assert [[c.value for c in r] for r in back.iter_rows()] == [
        ["'=1+1", None, None],
        ["'@cmd", -2.5, "'-2+3"],
    ]
    assert back["B2"].data_type == "n"


# ---------------------------------------------------------------- every export, opened


def test_the_public_lists_hold_the_names_inert(hostile_engine, tmp_path):
    run(hostile_engine, "export", "lists", "--as-of", AS_OF.isoformat(), "--out", "lists",
        cwd=tmp_path)  # fmt: skip
    files = sorted((tmp_path / "lists").glob("*.xlsx"))
    assert len(files) == 8
    found = set()
    for path in files:
        texts = xlsx_texts(path)
        data_rows = int(next(t for t in texts if t.startswith("共 ")).split()[1])
        assert data_rows > 0, path.name  # the register reaches every list
        found |= inert_names_in(texts)
    assert found == INERT  # every hostile text came through, as text


def test_the_annual_report_workbook_holds_no_formula(hostile_engine, tmp_path):
    run(hostile_engine, "export", "annual-report", "2025", "--out", "年报.xlsx", cwd=tmp_path)
    texts = xlsx_texts(tmp_path / "年报.xlsx")
    # The overdue firm carried into next year, and the decision's document number.
    assert "'=1+1有限公司" in texts
    assert any("'=HYPERLINK(1)〔2025〕2号" in t for t in texts)


@pytest.fixture(scope="module")
def client(hostile_engine):
    mp = pytest.MonkeyPatch()
    mp.setenv("EXITMAP_TODAY", AS_OF.isoformat())
    from app.main import create_app

    yield client_as(create_app(engine=hostile_engine), hostile_engine)
    mp.undo()


def downloaded(client, kind: str) -> bytes:
    answer = call(client, download_body(kind))
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    data = answer.get_json()["response"]["d-download"]["data"]
    return base64.b64decode(data["content"]) if data.get("base64") else data["content"].encode()


def test_the_data_page_downloads_hold_no_formula(client, tmp_path):
    text = downloaded(client, "csv").decode("utf-8")
    cells_ = csv_texts(text, "数据.csv")
    assert inert_names_in(cells_) == INERT
    (tmp_path / "u.xlsx").write_bytes(downloaded(client, "xlsx"))
    assert inert_names_in(xlsx_texts(tmp_path / "u.xlsx")) == INERT
    doc = json.loads(downloaded(client, "geojson"))
    values = [v for f in doc["features"] for v in f["properties"].values() if isinstance(v, str)]
    assert not [v for v in values if live(v)]
    assert inert_names_in(values) == INERT
    assert len(doc["features"]) == 7


def test_the_load_report_names_file_and_sheet_inert(hostile_engine, tmp_path):
    from tests.helpers.hostile import write_hostile_register

    register = write_hostile_register(tmp_path)
    run(hostile_engine, "load", register.name, "--dry-run", "--report", "报告.csv", cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "报告.csv").read_text("utf-8-sig"))))
    csv_texts((tmp_path / "报告.csv").read_text("utf-8-sig"), "报告.csv")
    assert len(rows) == 7
    assert {r["file"] for r in rows} == {"'" + FILE_NAME}
    assert {r["sheet"] for r in rows} == {"'" + SHEET_NAME}


def test_locate_writes_the_input_cells_inert(hostile_engine, tmp_path):
    with (tmp_path / "in.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "lon", "lat", "note"])
        for i, f in enumerate(FORMULAS):
            writer.writerow([f, "102.7047", "25.0430", FORMULAS[(i + 1) % len(FORMULAS)]])
    run(hostile_engine, "locate", "in.csv", "--out", "out.csv", cwd=tmp_path)
    text = (tmp_path / "out.csv").read_text("utf-8-sig")
    assert inert_names_in(csv_texts(text, "out.csv"), INERT_RAW) == INERT_RAW
    assert "530102" in text  # located (五华区), the rows kept


def test_the_template_holds_no_formula_cell(hostile_engine, tmp_path):
    run(hostile_engine, "template", "登记表.xlsx", cwd=tmp_path)
    assert "企业名称" in xlsx_texts(tmp_path / "登记表.xlsx")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (["quota", "ledger", "--format", "csv"], "'=1+1转型项目"),
        (["freeze", "list", "--format", "csv"], "'=HYPERLINK(1)〔2025〕2号"),
        (["standing", "--format", "csv"], "昆明市"),
    ],
)
def test_the_commands_csv_output_holds_no_formula(hostile_engine, tmp_path, command, expected):
    out = run(hostile_engine, *command, "--as-of", AS_OF.isoformat(), cwd=tmp_path)
    assert any(expected in c for c in csv_texts(out, " ".join(command)))

"""The Yunnan excerpt of GEM's trackers shipped in tests/fixtures/gem/: what it holds (the domain
brief's counts), its licence and citation, and that cut.py makes exactly these bytes."""

from __future__ import annotations

import csv
import io
from collections import Counter

import fastexcel
import openpyxl

from tests.fixtures.gem.cut import CEMENT_FILE, STEEL_FILE, cut
from tests.helpers.gem import EXCERPT_DIR, GEM_DIR

# The columns etl/gem.py reads, besides the province it filters on.
CEMENT_READ = [
    "GEM Plant ID", "GEM Asset name (English)", "Asset name (other language)",
    "Owner name (English)", "Owner name (other language)", "Owner Entity ID", "Coordinates",
    "Municipality", "Operating status", "Plant type",
    "Cement Capacity (millions metric tonnes per annum)",
    "Clinker Capacity (millions metric tonnes per annum)",
]  # fmt: skip
STEEL_READ = [
    "plant-id", "plant-name-(english)", "plant-name-(other-language)", "owner",
    "owner-(other-language)", "owner-gem-id", "lat", "lng", "plant-status",
    "main-production-equipment", "operating-nominal-crude-steel-capacity-(ttpa)",
    "operating-nominal-iron-capacity-(ttpa)",
]  # fmt: skip


def test_cement_excerpt_holds_the_46_yunnan_plants():
    book = fastexcel.read_excel(EXCERPT_DIR / CEMENT_FILE)
    assert book.sheet_names == ["About", "Plant Data"]
    plants = book.load_sheet_by_name("Plant Data", dtypes="string").to_polars()
    assert plants.width == 28 and set(CEMENT_READ) <= set(plants.columns)
    assert plants.height == 46
    assert set(plants["Subnational unit"]) == {"Yunnan"}
    assert set(plants["Country/Area"]) == {"China"}
    assert Counter(plants["Operating status"]) == {"operating": 43, "retired": 3}
    assert plants["GEM Plant ID"].n_unique() == 46
    assert plants["Coordinates"].null_count() == 0


def test_steel_excerpt_holds_the_12_yunnan_plants():
    text = (EXCERPT_DIR / STEEL_FILE).read_text(encoding="utf-8")
    plants = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(plants[0]) == 92 and set(STEEL_READ) <= set(plants[0])
    assert len(plants) == 12
    assert {p["subnational-unit-(province/state)"] for p in plants} == {"Yunnan"}
    assert Counter(p["plant-status"] for p in plants) == {
        "operating": 8,
        "retired": 2,
        "mothballed": 1,
        "construction": 1,
    }
    assert len({p["plant-id"] for p in plants}) == 12


def test_excerpt_carries_licence_and_citation():
    about = openpyxl.load_workbook(EXCERPT_DIR / CEMENT_FILE)["About"]
    assert "Creative Commons Attribution 4.0 International License" in about["B3"].value
    assert "Global Energy Monitor, Global Cement and Concrete Tracker, July 2025 (V1) release" in (
        about["B4"].value
    )
    assert "Yunnan" in about["B6"].value and "cut.py" in about["B6"].value
    readme = (EXCERPT_DIR / "README.md").read_text(encoding="utf-8")
    for words in (
        "CC BY 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
        "Global Energy Monitor, Global Cement and Concrete Tracker, July 2025 (V1) release.",
        "Global Energy Monitor, Global Iron and Steel Tracker, March 2025.",
    ):
        assert words in readme, words


def test_cutting_again_gives_the_shipped_bytes(tmp_path):
    # From the excerpt itself by default (the cut is stable and the excerpt is its own output);
    # from the published files when EXITMAP_GEM_DIR names them (the excerpt is reproducible).
    assert cut(GEM_DIR, tmp_path) == {CEMENT_FILE: 46, STEEL_FILE: 12}
    for name in (CEMENT_FILE, STEEL_FILE):
        assert (tmp_path / name).read_bytes() == (EXCERPT_DIR / name).read_bytes(), name

"""Pages whose tables would hold every unit stay small however many units there are.

A 1,048,575-row register once made /prefecture/530100 and /data put every row into the page
(and die of MemoryError). Here one prefecture holds 21,000 units, loaded through the ETL: the
pages' layouts carry no rows and no points past the map's limit, and the grids' own callbacks
page through all of them, in SQL.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from app.components.mapview import MAX_POINTS
from app.pages.prefecture import SIDE_ROWS
from tests.helpers.accounts import client_as
from tests.helpers.dash_http import call, callback_body
from tests.helpers.registers import unit_row, write_csv

UNITS = 21_000  # past the map's point limit too
AS_OF = dt.date(2025, 12, 31)


@pytest.fixture
def crowded(engine, tmp_path, monkeypatch):
    from app.main import create_app
    from etl.load import load
    from etl.pipeline import prepare

    assert UNITS > MAX_POINTS
    monkeypatch.setenv("EXITMAP_TODAY", AS_OF.isoformat())
    rows = [unit_row(i // 3 + 1, equipment=f"{i % 3 + 1}#") for i in range(UNITS)]
    load(engine, prepare([write_csv(tmp_path / "大表.csv", rows)]), AS_OF)
    return client_as(create_app(engine=engine), engine)


def layout(client, path: str) -> bytes:
    answer = client.get("/_dash-layout", headers={"Referer": "http://localhost" + path})
    assert answer.status_code == 200
    return answer.get_data()


def test_pages_with_every_unit_in_one_prefecture_stay_small(crowded):
    page = layout(crowded, "/prefecture/530100")
    text = json.dumps(json.loads(page), ensure_ascii=False)  # Dash escapes what it sends
    assert len(page) < 150_000, len(page)  # was every unit twice: rows and points
    assert "rowData" not in text
    # Firms named only in the side lists of the most urgent units (overdue, due soon).
    assert text.count("云南测试") <= 2 * SIDE_ROWS
    assert f"{UNITS:,}" in text  # the map says why it draws no points; the list counts all
    assert f"（{UNITS}）" in text
    data = layout(crowded, "/data")
    assert len(data) < 40_000 and b"rowData" not in data


def test_the_unit_list_pages_through_every_unit_on_the_server(crowded):
    def block(start: int, end: int, sort: list | None = None) -> dict:
        body = callback_body(
            [("pf-units-table", "getRowsResponse")],
            [("pf-units-table", "getRowsRequest", {"startRow": start, "endRow": end,
                                                   "sortModel": sort or [], "filterModel": {}})],
            [("pf-view", "data", {"adcode": 530100, "search": ""})],
        )  # fmt: skip
        answer = call(crowded, body)
        assert answer.status_code == 200
        return answer.get_json()["response"]["pf-units-table"]["getRowsResponse"]

    last = block(UNITS - 50, UNITS + 50)
    assert last["rowCount"] == UNITS
    assert len(last["rowData"]) == 50  # the end of the list, nothing past it
    first = block(0, 100, [{"colId": "enterprise_name", "sort": "desc"}])
    names = [r["enterprise_name"] for r in first["rowData"]]
    assert len(names) == 100 and names == sorted(names, reverse=True)
    assert names[0] == max(f"云南测试{i}号钢铁有限公司" for i in range(1, UNITS // 3 + 1))
    # A block asks for at most a few hundred rows, whatever the request says.
    assert len(block(0, 10_000_000)["rowData"]) == 500
    assert json.dumps(first, ensure_ascii=False).count("/unit/") == 100

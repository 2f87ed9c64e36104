"""Build the Dash application."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import dash_table, html

from exitmap.db import engine as make_engine
from layers.regions import prefectures

ASSETS = Path(__file__).resolve().parent / "assets"


def create_app(database_url: str) -> dash.Dash:
    engine = make_engine(database_url)
    app = dash.Dash(
        __name__,
        assets_folder=str(ASSETS),
        title="产能退出一张图",
        serve_locally=True,
    )

    def layout():
        frame = prefectures(engine)
        return html.Main(
            [
                html.H1("产能退出一张图 · 云南省"),
                html.P(f"州（市）共 {len(frame)} 个"),
                dash_table.DataTable(
                    id="prefecture-table",
                    columns=[
                        {"name": "行政区划代码", "id": "adcode"},
                        {"name": "州（市）", "id": "name"},
                        {"name": "县级区划数", "id": "counties"},
                    ],
                    data=frame.to_dict("records"),
                ),
            ]
        )

    app.layout = layout
    return app

"""Hand-built units and their status histories, inserted straight into a test database.

A scenario is written as a table of units, each with its events, so that expected standings
can be worked out by hand and asserted exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from exitmap.vocabulary import SECTOR_OF

D = dt.date


@dataclass
class Event:
    date: dt.date
    status: str
    category: str | None = None  # None: same as the unit's
    rectify_deadline: dt.date | None = None
    actual_exit_date: dt.date | None = None


@dataclass
class UnitSpec:
    key: str
    prefecture: int
    category: str | None
    events: list[Event]
    sub_industry: str = "炼铁"
    equipment_name: str = "高炉"
    spec: str | None = None
    spec_value: float | None = None
    spec_unit: str | None = None
    energy_tce: float | None = None
    electricity_10k_kwh: float | None = None
    identified_date: dt.date | None = None
    identified_precision: str | None = None
    rectify_deadline: dt.date | None = None
    rectify_precision: str | None = None
    actual_exit_date: dt.date | None = None
    actual_exit_precision: str | None = None
    extra: dict = field(default_factory=dict)


def ev(date: dt.date, status: str, **kw) -> Event:
    return Event(date, status, **kw)


class Scenario:
    """Inserts units into one database under a single load_record."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        with engine.begin() as conn:
            self.load_id = conn.execute(
                sa.text(
                    "INSERT INTO load_record (file_name, sha256, source, as_of, mode, rows_total,"
                    " rows_ok, rows_warning, rows_rejected, units_inserted, units_updated,"
                    " units_unchanged) VALUES ('scenario.xlsx', :sha, 'register', :d, 'strict',"
                    " 0, 0, 0, 0, 0, 0, 0) RETURNING id"
                ),
                {"sha": "0" * 64, "d": D(2024, 1, 1)},
            ).scalar_one()

    def add(self, *units: UnitSpec) -> None:
        with self.engine.begin() as conn:
            for u in units:
                self._insert(conn, u)

    def _insert(self, conn: sa.Connection, u: UnitSpec) -> int:
        ent = conn.execute(
            sa.text(
                "INSERT INTO enterprise (key, credit_code, name, prefecture_adcode)"
                " VALUES (:k, NULL, :n, :p) RETURNING id"
            ),
            {"k": f"ENT-{u.key}", "n": f"{u.key}公司", "p": u.prefecture},
        ).scalar_one()
        last = u.events[-1].status if u.events else "在产"
        row = {
            "unit_key": u.key,
            "enterprise_id": ent,
            "sector": SECTOR_OF[u.sub_industry],
            "sub_industry": u.sub_industry,
            "equipment_name": u.equipment_name,
            "spec": u.spec,
            "spec_value": u.spec_value,
            "spec_unit": u.spec_unit,
            "energy_tce": u.energy_tce,
            "electricity_10k_kwh": u.electricity_10k_kwh,
            "category": u.category,
            "status": last,
            "identified_date": u.identified_date,
            "identified_date_precision": u.identified_precision
            or ("day" if u.identified_date else None),
            "rectify_deadline": u.rectify_deadline,
            "rectify_deadline_precision": u.rectify_precision
            or ("day" if u.rectify_deadline else None),
            "actual_exit_date": u.actual_exit_date,
            "actual_exit_date_precision": u.actual_exit_precision
            or ("day" if u.actual_exit_date else None),
            "prefecture_adcode": u.prefecture,
            "load_id": self.load_id,
        } | u.extra
        unit_id = conn.execute(
            sa.text(
                """
                INSERT INTO unit (unit_key, key_derived, enterprise_id, sector, sub_industry,
                    equipment_name, spec, spec_value, spec_unit, energy_tce, electricity_10k_kwh,
                    category, status, identified_date, identified_date_precision,
                    rectify_deadline, rectify_deadline_precision, actual_exit_date,
                    actual_exit_date_precision, prefecture_adcode, location_precision, geom,
                    source, synthetic, first_load_id, last_load_id)
                SELECT :unit_key, false, :enterprise_id, :sector, :sub_industry,
                    :equipment_name, :spec, :spec_value, :spec_unit, :energy_tce,
                    :electricity_10k_kwh, :category, :status, :identified_date,
                    CAST(:identified_date_precision AS date_precision), :rectify_deadline,
                    CAST(:rectify_deadline_precision AS date_precision), :actual_exit_date,
                    CAST(:actual_exit_date_precision AS date_precision), :prefecture_adcode,
                    'exact', ST_PointOnSurface(p.geom), 'register', false,
                    :load_id, :load_id
                FROM prefecture p WHERE p.adcode = :prefecture_adcode
                RETURNING id
                """
            ),
            row,
        ).scalar_one()
        previous = None
        for e in u.events:
            conn.execute(
                sa.text(
                    "INSERT INTO unit_event (unit_id, event_date, status, previous_status,"
                    " category, rectify_deadline, actual_exit_date, load_id) VALUES"
                    " (:u, :d, :s, :prev, :c, :rd, :ax, :l)"
                ),
                {
                    "u": unit_id,
                    "d": e.date,
                    "s": e.status,
                    "prev": previous,
                    "c": e.category if e.category is not None else u.category,
                    "rd": e.rectify_deadline,
                    "ax": e.actual_exit_date,
                    "l": self.load_id,
                },
            )
            previous = e.status
        return unit_id


# ---------------------------------------------------------------- the standard scenario
#
# key prefecture category   sub-industry   tce  万kWh history
# K1  昆明  淘汰类     炼铁 350m³     1000  500  在产 2020-03-01; 已关停 2021-11-20 (exit 11-15)
# K2  昆明  淘汰类     炼钢 25t       2000 1000  在产 2020-03-01; 已拆除 2022-03-10 (no exit date)
# K3  昆明  限制类     炼铁 800m³     3000 2000  在产 2020-03-01
# K4  昆明  淘汰类     炼铁 300m³      500  100  appears 2023-05-01 在产
# X1  昆明  (none)     炼铁             50   10  在产 2020-01-01 (out of scope)
# Q1  曲靖  能耗不达标 水泥熟料        500  300  认定 2021-08-31; 整改中; 延期整改 2022-02-01;
#                                                已改造达标 2022-07-10
# Q2  曲靖  能耗不达标 水泥熟料        600  400  认定 2021-08-31; 整改中; 停产 2022-04-01;
#                                                在产 2022-05-01 (reversal)
# Q3  曲靖  安全不达标 电石            700 1000  整改期限 2022-06-30; 在产 2022-01-10;
#                                                停产 2022-02-01; 已关停 2022-09-01 (exit 08-20)
# H1  红河  淘汰类     铁合金 5000kVA 4000 3000  在产 2020-01-01; 已关停 2021-12-20;
#                                                在产 2022-04-01 (reopened)
# H2  红河  环保不达标 锌冶炼          800  200  整改期限 2022-03 (month); 整改中 2021-10-01
# Y1  玉溪  淘汰类     电石 开放式     900  600  在产 2020-01-01; 已关停 2021-12-05,
#                                                exit 2021-12 (month precision → 2021-12-31)

KUNMING, QUJING, YUXI, HONGHE = 530100, 530300, 530400, 532500


def standard_units() -> list[UnitSpec]:
    return [
        UnitSpec(
            "K1",
            KUNMING,
            "淘汰类",
            [
                ev(D(2020, 3, 1), "在产"),
                ev(D(2021, 11, 20), "已关停", actual_exit_date=D(2021, 11, 15)),
            ],
            spec_value=350,
            spec_unit="m³",
            energy_tce=1000,
            electricity_10k_kwh=500,
            actual_exit_date=D(2021, 11, 15),
        ),
        UnitSpec(
            "K2",
            KUNMING,
            "淘汰类",
            [ev(D(2020, 3, 1), "在产"), ev(D(2022, 3, 10), "已拆除")],
            sub_industry="炼钢",
            equipment_name="转炉",
            spec="25t转炉",
            energy_tce=2000,
            electricity_10k_kwh=1000,
        ),
        UnitSpec(
            "K3",
            KUNMING,
            "限制类",
            [ev(D(2020, 3, 1), "在产")],
            spec_value=800,
            spec_unit="立方米",
            energy_tce=3000,
            electricity_10k_kwh=2000,
        ),
        UnitSpec(
            "K4",
            KUNMING,
            "淘汰类",
            [ev(D(2023, 5, 1), "在产")],
            spec_value=300,
            spec_unit="m3",
            energy_tce=500,
            electricity_10k_kwh=100,
        ),
        UnitSpec(
            "X1", KUNMING, None, [ev(D(2020, 1, 1), "在产")], energy_tce=50, electricity_10k_kwh=10
        ),
        UnitSpec(
            "Q1",
            QUJING,
            "能耗不达标",
            [
                ev(D(2021, 8, 31), "整改中"),
                ev(D(2022, 2, 1), "延期整改"),
                ev(D(2022, 7, 10), "已改造达标"),
            ],
            sub_industry="水泥熟料",
            equipment_name="熟料生产线",
            identified_date=D(2021, 8, 31),
            energy_tce=500,
            electricity_10k_kwh=300,
        ),
        UnitSpec(
            "Q2",
            QUJING,
            "能耗不达标",
            [ev(D(2021, 8, 31), "整改中"), ev(D(2022, 4, 1), "停产"), ev(D(2022, 5, 1), "在产")],
            sub_industry="水泥熟料",
            equipment_name="熟料生产线",
            identified_date=D(2021, 8, 31),
            energy_tce=600,
            electricity_10k_kwh=400,
        ),
        UnitSpec(
            "Q3",
            QUJING,
            "安全不达标",
            [
                ev(D(2022, 1, 10), "在产", rectify_deadline=D(2022, 6, 30)),
                ev(D(2022, 2, 1), "停产", rectify_deadline=D(2022, 6, 30)),
                ev(D(2022, 9, 1), "已关停", actual_exit_date=D(2022, 8, 20)),
            ],
            sub_industry="电石",
            equipment_name="电石炉",
            rectify_deadline=D(2022, 6, 30),
            energy_tce=700,
            electricity_10k_kwh=1000,
            actual_exit_date=D(2022, 8, 20),
        ),
        UnitSpec(
            "H1",
            HONGHE,
            "淘汰类",
            [
                ev(D(2020, 1, 1), "在产"),
                ev(D(2021, 12, 20), "已关停", actual_exit_date=D(2021, 12, 20)),
                ev(D(2022, 4, 1), "在产"),
            ],
            sub_industry="铁合金",
            equipment_name="矿热炉",
            spec_value=5000,
            spec_unit="kVA",
            energy_tce=4000,
            electricity_10k_kwh=3000,
        ),
        UnitSpec(
            "H2",
            HONGHE,
            "环保不达标",
            [ev(D(2021, 10, 1), "整改中")],
            sub_industry="锌冶炼",
            equipment_name="焙烧炉",
            rectify_deadline=D(2022, 3, 1),
            rectify_precision="month",
            energy_tce=800,
            electricity_10k_kwh=200,
        ),
        UnitSpec(
            "Y1",
            YUXI,
            "淘汰类",
            [
                ev(D(2020, 1, 1), "在产"),
                ev(D(2021, 12, 5), "已关停", actual_exit_date=D(2021, 12, 1)),
            ],
            sub_industry="电石",
            equipment_name="开放式电石炉",
            energy_tce=900,
            electricity_10k_kwh=600,
            actual_exit_date=D(2021, 12, 1),
            actual_exit_precision="month",
        ),
    ]


def standard_scenario(engine: sa.Engine) -> Scenario:
    s = Scenario(engine)
    s.add(*standard_units())
    return s

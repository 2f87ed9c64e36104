"""Each unit's timeline of events from 2020 to ``today``, by exit category, and
``build_units``: the drawn units with their timelines.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from etl.demo.draws import chance, draw_day, pick
from etl.demo.mixes import ELIMINATION_DEADLINE, MIN_OVERDUE_PREFECTURES
from etl.demo.units import Unit, draw_units, write_coordinates
from exitmap.policy.dates import add_months

START = dt.date(2020, 1, 1)


def _exit_changes(method: str, when: dt.date) -> dict:
    status = {"拆除": "已拆除", "关停": "已关停", "转产": "已转产", "产能置换": "已拆除"}[method]
    return {"status": status, "exited": when, "method": method}


def _close(rng: np.random.Generator, u: Unit, when: dt.date, demolish_p: float = 0.4) -> None:
    """Closed on `when`; sometimes demolished 4–18 months later."""
    u.events.append((when, _exit_changes("关停", when)))
    if chance(rng, demolish_p):
        later = draw_day(rng, add_months(when, 4), add_months(when, 18))
        u.events.append((later, {"status": "已拆除", "method": "拆除"}))


def _exit(rng: np.random.Generator, u: Unit, when: dt.date) -> None:
    method = pick(rng, ("拆除", "关停", "产能置换", "转产"), (0.4, 0.35, 0.1, 0.15))
    if method == "关停":
        _close(rng, u, when, 0.5)
    else:
        u.events.append((when, _exit_changes(method, when)))


def _pause(rng: np.random.Generator, u: Unit, lo: dt.date, hi: dt.date) -> None:
    """停产 for 2–8 months somewhere in [lo, hi), then back to 在产."""
    if (hi - lo).days < 300:
        return
    start = draw_day(rng, lo, hi - dt.timedelta(days=250))
    end = min(add_months(start, int(rng.integers(2, 9))), hi - dt.timedelta(days=10))
    u.events += [(start, {"status": "停产"}), (end, {"status": "在产"})]


def _idle(rng: np.random.Generator, u: Unit, lo: dt.date, hi: dt.date, p: float) -> None:
    """A unit that never exits: with probability p it stands idle (停产) from some day on,
    otherwise it may pause for a while and produce again."""
    if chance(rng, p) and (hi - lo).days > 60:
        u.events.append((draw_day(rng, lo, hi - dt.timedelta(days=30)), {"status": "停产"}))
    else:
        _pause(rng, u, lo, hi)


def _timeline_eliminated(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    plan = pick(rng, (dt.date(2020, 12, 31), dt.date(2021, 6, 30), ELIMINATION_DEADLINE),
                 (0.3, 0.3, 0.4))  # fmt: skip
    first = "停产" if chance(rng, 0.2) else "在产"
    identified = (
        draw_day(rng, dt.date(2019, 3, 1), dt.date(2019, 12, 31)) if chance(rng, 0.4) else None
    )
    u.events.append((START, {"status": first, "planned": plan, "identified": identified}))
    if u.overdue:  # missed the 2021 deadline: exits in 2023–2025, or not at all
        late = draw_day(rng, dt.date(2023, 3, 1), dt.date(2025, 6, 30))
        if chance(rng, 0.6):
            _pause(rng, u, dt.date(2022, 1, 15), late)
            _exit(rng, u, late)
        else:
            _idle(rng, u, dt.date(2022, 1, 15), today, 0.35)
        return
    _exit(rng, u, draw_day(rng, max(plan - dt.timedelta(days=240), dt.date(2020, 3, 1)), plan))


def _timeline_restricted(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    year = int(rng.choice([2021, 2022, 2023, 2024, 2025], p=[0.12, 0.2, 0.22, 0.22, 0.24]))
    plan = dt.date(year, 12, 31) if chance(rng, 0.7) else dt.date(year, 6, 30)
    u.events.append((START, {"status": "在产", "planned": plan}))
    r = rng.random()
    if r < 0.62:  # exits on time
        when = draw_day(rng, plan - dt.timedelta(days=300), plan)
        if chance(rng, 0.25):
            _pause(rng, u, START + dt.timedelta(days=60), when)
        _exit(rng, u, when)
    elif r < 0.72:  # exits late
        when = draw_day(rng, plan + dt.timedelta(days=30), plan + dt.timedelta(days=420))
        _pause(rng, u, START + dt.timedelta(days=60), when)
        _exit(rng, u, when)
    elif r < 0.9:  # upgraded (改造提升); a few upgrades fail and the unit is closed
        start = draw_day(
            rng, max(plan - dt.timedelta(days=540), START), plan - dt.timedelta(days=180)
        )
        u.events.append((start, {"status": "整改中", "deadline": plan}))
        if chance(rng, 0.15):
            _close(rng, u, draw_day(rng, plan, plan + dt.timedelta(days=60)), 0.7)
        else:
            done = draw_day(rng, plan - dt.timedelta(days=150), plan)
            u.events.append((done, {"status": "已改造达标", "method": "改造提升"}))
    else:  # still there at the end (overdue once the plan date passes)
        _idle(rng, u, START + dt.timedelta(days=60), today, 0.35)


def _identified_date(rng: np.random.Generator, u: Unit, today: dt.date, years, weights):
    if u.recent:
        return today - dt.timedelta(days=int(rng.integers(20, 275)))
    year = int(rng.choice(years, p=np.asarray(weights) / sum(weights)))
    return draw_day(rng, dt.date(year, 1, 10), dt.date(year, 12, 20))


def _timeline_energy(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    found = _identified_date(rng, u, today, [2020, 2021, 2022, 2023, 2024, 2025],
                             [0.2, 0.12, 0.22, 0.22, 0.16, 0.08])  # fmt: skip
    six, nine = add_months(found, 6), add_months(found, 9)
    u.registered = found
    u.events.append((found, {"status": "整改中", "identified": found, "deadline": six}))
    if u.recent and (today - found).days < 170 and chance(rng, 0.5):
        return  # still within the first six months at `today`
    r = rng.random()
    if r < 0.45:
        u.events.append((draw_day(rng, found + dt.timedelta(days=60), six),
                         {"status": "已改造达标", "method": "改造提升"}))  # fmt: skip
    elif r < 0.8:
        u.events.append((six, {"status": "延期整改", "deadline": nine, "planned": nine}))
        if chance(rng, 0.65):
            u.events.append((draw_day(rng, six + dt.timedelta(days=10), nine),
                             {"status": "已改造达标", "method": "改造提升"}))  # fmt: skip
        else:
            _close(rng, u, draw_day(rng, nine, nine + dt.timedelta(days=45)))
    elif r < 0.93:
        _close(rng, u, draw_day(rng, six, six + dt.timedelta(days=60)))
    else:
        when = draw_day(rng, six, six + dt.timedelta(days=90))
        u.events.append((when, _exit_changes("转产", when)))


def _timeline_rectify(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    """环保 / 质量 / 安全不达标: rectify by a deadline, else closed (with approval)."""
    found = _identified_date(rng, u, today, [2020, 2021, 2022, 2023, 2024, 2025],
                             [0.3, 0.2, 0.15, 0.15, 0.1, 0.1])  # fmt: skip
    u.registered = found if found > START else START
    if u.category == "安全不达标":
        first, months, fixed_p = "停产", int(rng.integers(1, 4)), 0.6
    elif u.category == "环保不达标":
        first = "停产" if chance(rng, 0.4) else "整改中"
        months, fixed_p = int(rng.integers(3, 7)), 0.65
    else:
        first, months, fixed_p = "整改中", int(rng.integers(3, 7)), 0.7
    deadline = add_months(found, months)
    u.events.append((u.registered, {"status": first, "identified": found, "deadline": deadline}))
    if u.recent and (today - found).days < months * 30 and chance(rng, 0.6):
        return
    earliest = found + dt.timedelta(days=20)
    if u.category == "环保不达标" and chance(rng, 0.15):
        later = add_months(deadline, 3)
        u.events.append((deadline, {"status": "延期整改", "deadline": later}))
        earliest, deadline = deadline + dt.timedelta(days=10), later
    if chance(rng, fixed_p):
        u.events.append((draw_day(rng, earliest, deadline),
                         {"status": "已改造达标", "method": "改造提升"}))  # fmt: skip
    else:
        demolish = 0.4 if u.category == "安全不达标" else 0.25
        _close(rng, u, draw_day(rng, deadline, deadline + dt.timedelta(days=90)), demolish)


def _timeline_out_of_scope(rng: np.random.Generator, u: Unit, today: dt.date) -> None:
    u.events.append((START, {"status": "在产"}))
    if chance(rng, 0.15):
        _pause(rng, u, START + dt.timedelta(days=30), today)


TIMELINES = {
    "淘汰类": _timeline_eliminated,
    "限制类": _timeline_restricted,
    "能耗不达标": _timeline_energy,
    "环保不达标": _timeline_rectify,
    "质量不达标": _timeline_rectify,
    "安全不达标": _timeline_rectify,
    None: _timeline_out_of_scope,
}


def _mark_special(rng: np.random.Generator, units: list[Unit]) -> None:
    """Choose the overdue 淘汰类 units (several prefectures) and the recently found problems."""
    eliminated: dict[int, list[Unit]] = {}
    for u in units:
        if u.category == "淘汰类":
            eliminated.setdefault(u.enterprise.county.prefecture, []).append(u)
    prefs = sorted(eliminated)
    for k in rng.permutation(len(prefs))[:MIN_OVERDUE_PREFECTURES]:
        group = eliminated[prefs[int(k)]]
        group[int(rng.integers(len(group)))].overdue = True
    for u in units:
        if u.category == "淘汰类":
            u.overdue = u.overdue or chance(rng, 0.06)
        elif u.category == "能耗不达标":
            u.recent = chance(rng, 0.15)
        elif u.category in ("环保不达标", "质量不达标", "安全不达标"):
            u.recent = chance(rng, 0.12)


def build_units(today: dt.date, seed: int = 2022) -> list[Unit]:
    """The demo's units with their events up to `today`, all drawn from `seed`."""
    rng = np.random.default_rng(seed)
    units = draw_units(rng)
    write_coordinates(units)
    _mark_special(rng, units)
    for u in units:
        TIMELINES[u.category](rng, u, today)
        u.events.sort(key=lambda e: e[0])
    return units

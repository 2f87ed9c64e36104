"""A deterministic synthetic plant register (演示数据) written as dated snapshots.

`write_demo` makes about 600 units of equipment in about 250 made-up enterprises spread over
Yunnan's 16 prefectures and writes what the register would have said at the end of each year
2020–2025 and on `today`: one xlsx file per snapshot, one sheet per prefecture. A unit appears
from the day it entered the register (most in 2020; problems found later enter later) and its
status follows a timeline of events (在产 → 整改中 → 延期整改 → 已改造达标, 在产 → 已关停 →
已拆除, 停产 → 在产 …), so consecutive snapshots differ the way real submissions do.

Nothing here describes a real enterprise: names are composed from place names and stock words,
credit codes are random (with valid check characters), every 备注 says so. All randomness comes
from one `numpy.random.default_rng(seed)` drawn in a fixed order, and `today` only moves dates,
so the same seed and `today` give the same cell values.

Modules, in the order a register is made:

- ``mixes``        how many units, and their spread over categories, places and industries;
- ``draws``        the ways of drawing from the one generator, and month arithmetic;
- ``places``       prefectures, counties and points drawn inside a county;
- ``equipment``    one unit of equipment of a sub-industry and size tier;
- ``enterprises``  made-up firms: name, credit code, site, address;
- ``units``        each firm's units, their categories and written coordinates;
- ``timelines``    each unit's events 2020 → `today` (``build_units``);
- ``layout``       the register's headers, title and guide sheet;
- ``snapshots``    the register on each snapshot date, written as xlsx (``write_demo``).
"""

from etl.demo.snapshots import write_demo

__all__ = ["write_demo"]

"""``python -m etl.demo [FOLDER] [TODAY]``: write the demo snapshots without loading them."""

import datetime as dt
import sys
from pathlib import Path

from etl.demo import write_demo

target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("demo")
day = dt.date.fromisoformat(sys.argv[2]) if len(sys.argv) > 2 else dt.date(2026, 6, 30)
for p, d in write_demo(target, day):
    print(d, p)

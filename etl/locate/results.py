"""What locating gives back: per-row results, and messages that name the register column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

# The register columns a message can name.
COL_LON = "经度"
COL_LAT = "纬度"
COL_CRS = "坐标系"
COL_ADDRESS = "详细地址"
COL_PREFECTURE = "州（市）"
COL_COUNTY = "县（市、区）"


class Message(NamedTuple):
    severity: str  # "warning" | "error"
    column: str  # one of the COL_* headers
    text: str


class RowMessages(Sequence):
    """Messages per row, stored sparsely: most rows have none, and 100k empty lists cost.

    Indexing returns a fresh list (empty for clean rows); use add() to record.
    """

    def __init__(self, n: int) -> None:
        self._n = n
        self._rows: dict[int, list[Message]] = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return list(self._rows.get(i, ()))

    def add(self, i: int, message: Message) -> None:
        self._rows.setdefault(int(i), []).append(message)

    def has_error(self, i: int) -> bool:
        return any(m.severity == "error" for m in self._rows.get(int(i), ()))

    def rows(self) -> list[int]:
        """Rows that have at least one message, ascending."""
        return sorted(self._rows)

    def joined(self, sep: str = "；") -> np.ndarray:
        out = np.full(self._n, "", dtype=object)
        for i, ms in self._rows.items():
            out[i] = sep.join(m.text for m in ms)
        return out


@dataclass
class LocateResult:
    """Per-row results; adcode 0 and name None mean "not located"."""

    lon_wgs84: np.ndarray
    lat_wgs84: np.ndarray
    prefecture_adcode: np.ndarray
    prefecture_name: np.ndarray
    county_adcode: np.ndarray
    county_name: np.ndarray
    precision: np.ndarray  # "exact" | "county" | "prefecture" | None
    messages: RowMessages = field(default_factory=lambda: RowMessages(0))

    def __len__(self) -> int:
        return len(self.lon_wgs84)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "prefecture_adcode": pd.array(
                    np.where(self.prefecture_adcode > 0, self.prefecture_adcode, None), "Int64"
                ),
                "prefecture_name": self.prefecture_name,
                "county_adcode": pd.array(
                    np.where(self.county_adcode > 0, self.county_adcode, None), "Int64"
                ),
                "county_name": self.county_name,
                "lon_wgs84": self.lon_wgs84,
                "lat_wgs84": self.lat_wgs84,
                "precision": self.precision,
                "messages": self.messages.joined("；"),
            }
        )

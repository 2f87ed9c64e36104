"""exitmap — 产能退出一张图: Yunnan's capacity-exit register on a map."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

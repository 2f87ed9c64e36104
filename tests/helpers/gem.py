"""Where the GEM tests find the tracker files: the Yunnan excerpt shipped in tests/fixtures/gem/
(by default, so a plain clone passes), or the full published files when EXITMAP_GEM_DIR names
their folder."""

from __future__ import annotations

import os
from pathlib import Path

from tests.fixtures.gem.cut import HERE as EXCERPT_DIR

GEM_DIR = Path(os.environ.get("EXITMAP_GEM_DIR") or EXCERPT_DIR)

"""Where the tests find the real recordings and trained networks.

``$NEUROEMU_DATA`` if set, else ``shared/data`` beside the repository; tests
that need it skip when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("NEUROEMU_DATA") or ROOT.parent / "shared" / "data")

"""Make this folder's helpers (qcfs_truth) importable."""

import os
import sys

HERE = os.path.dirname(__file__)
if HERE not in sys.path:
    sys.path.insert(0, HERE)

"""Whether a path lies inside a folder, once every symbolic link on the way is resolved."""

from __future__ import annotations

import os
from pathlib import Path


def is_within(path: str | os.PathLike, root: str | os.PathLike) -> bool:
    """True when `path` is `root` or below it, comparing real paths (links resolved, `..` collapsed)."""
    real, top = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return real == top or top in real.parents

"""The on-disk cache of the embedded data set: private, checksummed, self-describing.

Layout: ``<root>/embedded-v<version>-seed<seed>-<noise>-<n_train>x<n_val>/`` holding
one ``.npy`` per array and a ``manifest.json`` (the request that built it, the
sha256 and shape of each array, the data id). A copy is used only when its
manifest matches the request and every array matches its checksum; anything
else is reported as a reason and the caller rebuilds.

The cache holds CLEAN validation images, which untrusted student code (maybe
running as another user) must not read: directories are 0700, files 0600,
and a cache entry owned by another user or reached through a symlink is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
from pathlib import Path

import numpy as np

from grader.data.checksums import ARRAY_NAMES, array_sha256, data_id
from grader.data.embedded import EmbeddedArrays
from grader.data.errors import DataError

__all__ = ["cache_root", "entry_dir", "load_entry", "store_entry", "MANIFEST"]

MANIFEST = "manifest.json"
FORMAT = "n2n-grade embedded data"


def cache_root() -> Path:
    """`$N2N_GRADE_CACHE`, else `$XDG_CACHE_HOME/n2n-grade`, else `~/.cache/n2n-grade`."""
    if os.environ.get("N2N_GRADE_CACHE"):
        return Path(os.environ["N2N_GRADE_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "n2n-grade"


def entry_dir(request: dict, root: Path | None = None) -> Path:
    """The folder that holds (or will hold) the data set described by `request`."""
    name = (
        f"embedded-v{request['generator_version']}-seed{request['seed']}-{request['noise']}"
        f"-{request['n_train']}x{request['n_val']}"
    )
    return (root or cache_root()) / name


def _check_private(path: Path) -> None:
    """Refuse symlinks and paths owned by someone else; tighten loose permissions."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise DataError(f"data cache {path} is a symlink; refusing to use it (remove it to rebuild)")
    if st.st_uid != os.getuid():
        raise DataError(
            f"data cache {path} is owned by uid {st.st_uid}, not by you (uid {os.getuid()}); "
            f"refusing to use or overwrite it (set N2N_GRADE_CACHE to a folder of yours)"
        )
    want = 0o700 if stat.S_ISDIR(st.st_mode) else 0o600
    if stat.S_IMODE(st.st_mode) != want:
        os.chmod(path, want)


def load_entry(request: dict, root: Path | None = None) -> tuple[EmbeddedArrays | None, str]:
    """The cached arrays for `request`, or (None, why not) when absent or not trustworthy."""
    folder = entry_dir(request, root)
    if not os.path.lexists(folder):
        return None, "not cached yet"
    _check_private(folder)
    mpath = folder / MANIFEST
    try:
        _check_private(mpath)
        manifest = json.loads(mpath.read_text())
    except FileNotFoundError:
        return None, f"{mpath} is missing"
    except (ValueError, UnicodeDecodeError) as e:
        return None, f"{mpath} is not valid JSON ({e})"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None, f"{mpath} is not an n2n-grade manifest"
    if manifest.get("request") != request:
        diff = sorted(
            k
            for k in set(request) | set(manifest.get("request") or {})
            if (manifest.get("request") or {}).get(k) != request.get(k)
        )
        return None, f"{mpath} was built for a different request (differs in: {', '.join(diff)})"
    arrays = {}
    for name in ARRAY_NAMES:
        meta = (manifest.get("arrays") or {}).get(name) or {}
        path = folder / f"{name}.npy"
        try:
            _check_private(path)
            a = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None, f"{path} is missing"
        except (ValueError, OSError, EOFError) as e:
            return None, f"{path} is not a readable .npy file ({e})"
        if a.dtype != np.uint8 or list(a.shape) != meta.get("shape"):
            return None, f"{path} holds {a.dtype} {list(a.shape)}, manifest says uint8 {meta.get('shape')}"
        if array_sha256(a) != meta.get("sha256"):
            return None, f"{path} does not match its checksum in the manifest (corrupted or modified)"
        arrays[name] = a
    return EmbeddedArrays(**arrays, params=manifest.get("params", {})), "cache hit"


def _write_private(path: Path, write) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        write(f)
    os.chmod(path, 0o600)  # whatever the umask did


def store_entry(arrays: EmbeddedArrays, request: dict, root: Path | None = None) -> dict:
    """Write `arrays` to the cache (atomically: a private temp folder renamed into place); returns the manifest."""
    root = root or cache_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = entry_dir(request, root)
    checksums = {name: array_sha256(getattr(arrays, name)) for name in ARRAY_NAMES}
    manifest = {
        "format": FORMAT,
        "request": request,
        "params": arrays.params,
        "arrays": {
            name: {
                "file": f"{name}.npy",
                "dtype": "uint8",
                "shape": list(getattr(arrays, name).shape),
                "sha256": checksums[name],
            }
            for name in ARRAY_NAMES
        },
        "data_id": data_id(checksums),
    }
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=root))  # mkdtemp makes it 0700
    try:
        for name in ARRAY_NAMES:
            array = getattr(arrays, name)
            _write_private(tmp / f"{name}.npy", lambda f, a=array: np.save(f, a, allow_pickle=False))
        _write_private(tmp / MANIFEST, lambda f: f.write(json.dumps(manifest, indent=2).encode()))
        if os.path.lexists(final):
            _check_private(final)
            shutil.rmtree(final)
        os.rename(tmp, final)
    except FileExistsError:
        pass  # another process stored the same entry meanwhile; ours is identical
    except OSError as e:
        if not final.is_dir():
            raise DataError(f"could not write the data cache {final}: {e}") from e
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return manifest

"""How the engine's kernels are compiled, and where the compiled code is kept.

Every compiled function of the engine is declared with `@kernel` (numba's `njit` with NumPy's
error model). Compiled code is cached on disk so that a new process does not spend half a
minute compiling, but numba's own cache keys a kernel on its own file only: a kernel that
inlines a function from another module would be loaded stale after that module changed
(numba documents this among the limits of `cache=True`). Here the cache is keyed by the whole
engine instead:

    <cache root>/kernels/<digest of every engine source file>/<module>-<function>...nbi|nbc

so a change to any engine file gives a new, empty folder and results always come from the
source on disk. Within one folder the sources are identical by construction, so copies of the
same engine (two checkouts, a clone) share the compiled kernels. The four most recently used
folders are kept; older ones are removed.

The cache root is `$POLITBURO_CACHE_DIR` if set, else the user's cache folder
(`platformdirs.user_cache_dir("politburo")`, e.g. `~/.cache/politburo` on Linux). If neither
can be written (a read-only install with no writable home), the kernels are compiled in
memory at each start, with one warning.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from numba import njit

__all__ = ["KEEP", "CacheWarning", "cache_dir", "kernel", "source_digest"]

KEEP = 4  # engine versions whose compiled kernels are kept
ENGINE_DIR = Path(__file__).resolve().parent
F = TypeVar("F", bound=Callable[..., Any])


class CacheWarning(RuntimeWarning):
    """The compiled kernels cannot be cached on disk: they are compiled in memory."""


@lru_cache(maxsize=1)
def source_digest() -> str:
    """(str, 64 hex digits) SHA-256 of the names and bytes of every `.py` file of the engine,
    in name order: the identity of the engine's code."""
    h = hashlib.sha256()
    for path in sorted(ENGINE_DIR.glob("*.py"), key=lambda p: p.name):
        h.update(path.name.encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _root() -> Path:
    env = os.environ.get("POLITBURO_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("politburo", appauthor=False))


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def _prune(kernels: Path, current: Path) -> None:
    """Keep the KEEP most recently used engine folders (this one among them)."""
    try:
        os.utime(current)
        others = [p for p in kernels.iterdir() if p.is_dir() and p != current]
        others.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in others[KEEP - 1:]:
        shutil.rmtree(old, ignore_errors=True)


@lru_cache(maxsize=1)
def cache_dir() -> Path | None:
    """The folder of this engine's compiled kernels, or None if no cache folder can be written
    (then kernels are compiled in memory, and a `CacheWarning` is issued once)."""
    root = _root()
    kernels = root / "kernels"
    here = kernels / source_digest()[:16]
    if _writable(here):
        _prune(kernels, here)
        return here
    if not os.environ.get("_POLITBURO_CACHE_WARNED"):
        os.environ["_POLITBURO_CACHE_WARNED"] = "1"  # worker processes inherit it: one warning
        warnings.warn(f"cannot write compiled kernels to {root} (set POLITBURO_CACHE_DIR to a "
                      "writable folder); compiling them in memory at each start", CacheWarning,
                      stacklevel=2)
    return None


def _install_locator() -> bool:
    """Make numba keep the engine's kernels in `cache_dir()`; False if that is impossible."""
    folder = cache_dir()
    if folder is None:
        return False
    from numba.core import caching

    impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)
    if impl is None or not hasattr(impl, "_locator_classes"):  # pragma: no cover - other numba
        warnings.warn("this numba version keeps its cache differently: the engine's kernels are "
                      "compiled in memory at each start", CacheWarning, stacklevel=2)
        return False
    _CacheLocator = caching._CacheLocator
    _SourceFileBackedLocatorMixin = caching._SourceFileBackedLocatorMixin

    class EngineLocator(_SourceFileBackedLocatorMixin, _CacheLocator):  # type: ignore[misc,valid-type]
        """Numba cache locator for the engine's files: one folder per engine digest, and the
        digest (not the file's time stamp) as the source stamp."""

        def __init__(self, py_func: Any, py_file: str):
            self._py_file = py_file
            self._lineno = py_func.__code__.co_firstlineno
            self._cache_path = str(folder)

        def get_cache_path(self) -> str:
            return self._cache_path

        def get_source_stamp(self) -> Any:
            return source_digest()

        @classmethod
        def from_function(cls, py_func: Any, py_file: str) -> EngineLocator | None:
            if Path(py_file).resolve().parent != ENGINE_DIR:
                return None
            return cls(py_func, py_file)

    if not any(c.__name__ == "EngineLocator" for c in impl._locator_classes):
        impl._locator_classes.insert(0, EngineLocator)
    return True


CACHED = _install_locator()


def kernel(func: F) -> F:
    """Compile `func` with numba in nopython mode, NumPy's error model (no raising on division
    by zero), cached on disk per engine version when a cache folder can be written."""
    return njit(cache=CACHED, error_model="numpy")(func)  # type: ignore[return-value]

"""Reports: placeholder, replaced by the HTML/PNG report module."""

from pathlib import Path
from typing import Any


def write_report(result: dict[str, Any], path: Path, extra: dict[str, Any] | None = None) -> None:
    raise NotImplementedError


def write_plot(result: dict[str, Any], path: Path) -> None:
    raise NotImplementedError

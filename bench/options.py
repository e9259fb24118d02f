"""What every benchmark takes: `--help`, and `--out FILE` to keep its figures as JSON. A
benchmark prints its table and writes nothing unless told where."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console


def parse(doc: str | None, argv: list[str] | None = None,
          more: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(doc or "").strip().splitlines()[0] if doc
                                     else None)
    parser.add_argument("--out", type=Path, default=None, metavar="FILE",
                        help="also write the results as JSON to FILE")
    if more is not None:
        more(parser)
    return parser.parse_args(argv)


def write(out: Path | None, report: dict[str, Any], console: Console) -> None:
    if out is None:
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    console.print(f"wrote {out}")

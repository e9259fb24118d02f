"""Run the benchmarks: every `bench/<name>.py` that defines a `main()`, one after the other.

    python -m bench                  # all of them, in name order (what `make bench` runs)
    python -m bench engine mapping   # only these
    python -m bench --out-dir DIR    # and keep each one's figures as DIR/<name>.json

Each runs in a fresh interpreter, so one benchmark's data and warm caches never flatter the
next one's figures, and one that fails (a service it needs is down) does not stop the rest.
The modules are found by reading their source, not by importing them. Exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

HERE = Path(__file__).resolve().parent


def has_main(path: Path) -> bool:
    """Whether the module defines a top-level function `main`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return any(isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "main"
               for node in tree.body)


def discover() -> list[str]:
    return [path.stem for path in sorted(HERE.glob("*.py"))
            if not path.stem.startswith("_") and has_main(path)]


def run_one(name: str, out_dir: Path | None = None) -> tuple[int, float]:
    """Run `python -m bench.<name>` in a child interpreter; its exit code and seconds."""
    started = time.perf_counter()
    out = ["--out", str((out_dir / f"{name}.json").resolve())] if out_dir else []
    done = subprocess.run([sys.executable, "-m", f"bench.{name}", *out],
                          cwd=HERE.parent, check=False)
    return done.returncode, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    console = Console()
    known = discover()
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description=(__doc__ or "").splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"of {', '.join(known)}")
    parser.add_argument("--out-dir", type=Path, default=None, metavar="DIR",
                        help="write each benchmark's results as DIR/<name>.json")
    args = parser.parse_args(argv)
    names = args.names or known
    unknown = [n for n in names if n not in known]
    if unknown:
        console.print(f"no benchmark named {', '.join(unknown)} (known: {', '.join(known)})")
        return 2
    outcomes: list[tuple[str, int, float]] = []
    for name in names:
        console.print(Rule(f"[bold]bench.{name}"))
        code, seconds = run_one(name, args.out_dir)
        outcomes.append((name, code, seconds))
    table = Table(title="Benchmarks")
    table.add_column("benchmark")
    table.add_column("result")
    table.add_column("seconds", justify="right")
    for name, code, seconds in outcomes:
        table.add_row(name, "ok" if code == 0 else f"failed (exit {code})", f"{seconds:.1f}")
    console.print(table)
    return 1 if any(code for _, code, _ in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())

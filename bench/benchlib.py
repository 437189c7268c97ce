"""What the benchmarks of bench/ share: their command line, the tables they hand to bench/run,
and the machine's load noted beside each figure. bench/README.md says how to add one.

A benchmark is one module, bench/NAME.py, with a function `measure(args)` that returns
`Table`s, and at its end `benchlib.main(measure, add_arguments)`. Run alone it prints its
tables; bench/run runs it with `--json FILE` and reads them back.
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORDS = re.compile(r"\w[\w'\u2019-]*")

Value = int | float | str


def load() -> float:
    """The machine's load average over the last minute."""
    return round(os.getloadavg()[0], 2)


def cores() -> int:
    """The cores this process may run on (`nproc`)."""
    return len(os.sched_getaffinity(0))


def word_runs(text: str, count: int) -> list[tuple[int, int]]:
    """`count` runs of one to three real words of `text` (start and end offsets), spread over
    it, none overlapping: what students highlight, in the benchmarks."""
    words = [m.span() for m in WORDS.finditer(text)]
    spans: list[tuple[int, int]] = []
    if count < 1:
        return spans
    step = max(1, len(words) // count)
    for n in range(0, len(words), step):
        first = words[n]
        last = words[min(n + n % 3, len(words) - 1, n + step - 1)]
        spans.append((first[0], last[1]))
        if len(spans) == count:
            break
    return spans


@dataclass
class Column:
    heading: str
    digits: int | None = None  # decimals for a float figure; None: as it comes (ints with commas)


@dataclass
class Table:
    """One table of docs/performance.md, between <!-- bench:NAME --> and <!-- /bench:NAME -->.

    The first `keys` columns name a row (a class size, a page); the others are figures. bench/run
    runs every benchmark several times, interleaved, and writes the median of each figure over
    the runs, with the range of the load averages the row was measured at."""

    name: str
    columns: Sequence[Column | str]
    keys: int = 1
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.columns = [c if isinstance(c, Column) else Column(c) for c in self.columns]

    def add(self, *values: Value) -> None:
        """A row, with the load average at this moment beside it."""
        if len(values) != len(self.columns):
            raise ValueError(f"{self.name}: {len(values)} values for {len(self.columns)} columns")
        self.rows.append({"values": list(values), "load": load()})
        print(self.line(self.rows[-1]), flush=True)

    def line(self, row: dict[str, Any]) -> str:
        cells = [_cell(v, c) for v, c in zip(row["values"], self.columns, strict=True)]
        return f"  {self.name}: " + " | ".join(cells) + f" | load {row['load']}"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": [{"heading": c.heading, "digits": c.digits} for c in self.columns],
            "keys": self.keys,
            "rows": self.rows,
            "notes": self.notes,
        }


def _cell(value: Value, column: Column) -> str:
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if column.digits is None:
        return f"{value:,}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{value:,.{column.digits}f}"


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs of one table made one: the median of each figure over the runs in which
    its row appears, and the lowest and highest load average the row was measured at."""
    first = runs[0]
    keys = first["keys"]
    order: list[tuple] = []
    found: dict[tuple, list[dict[str, Any]]] = {}
    for run in runs:
        for row in run["rows"]:
            key = tuple(row["values"][:keys])
            if key not in found:
                order.append(key)
                found[key] = []
            found[key].append(row)
    rows = []
    for key in order:
        same = found[key]
        values = list(key)
        for i in range(keys, len(first["columns"])):
            cells = [row["values"][i] for row in same]
            numbers = [c for c in cells if isinstance(c, int | float) and not isinstance(c, bool)]
            if len(numbers) == len(cells):
                middle = statistics.median(numbers)
                if all(isinstance(c, int) for c in numbers) and float(middle).is_integer():
                    middle = int(middle)
                values.append(middle)
            else:
                values.append(cells[0])
        loads = [row["load"] for row in same]
        rows.append({"values": values, "load": [min(loads), max(loads)], "runs": len(same)})
    notes = list(dict.fromkeys(note for run in runs for note in run["notes"]))
    return {**first, "rows": rows, "notes": notes}


def markdown(table: dict[str, Any]) -> str:
    """A merged table as Markdown, the load average beside each row."""
    columns = [Column(**c) for c in table["columns"]]
    numeric = [
        any(
            isinstance(row["values"][i], int | float) and not isinstance(row["values"][i], bool)
            for row in table["rows"]
        )
        for i in range(len(columns))
    ]
    head = "| " + " | ".join(c.heading for c in columns) + " | load |"
    rule = "|" + "".join("---:|" if n else "---|" for n in numeric) + "---:|"
    lines = [head, rule]
    for row in table["rows"]:
        low, high = row["load"]
        cells = [_cell(v, c) for v, c in zip(row["values"], columns, strict=True)]
        lines.append("| " + " | ".join(cells) + f" | {_range(low, high)} |")
    return "\n".join(lines)


def _range(low: float, high: float) -> str:
    return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f}\u2013{high:.1f}"


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cores": cores(),
        "load": list(os.getloadavg()),
    }


def main(
    measure: Callable[[argparse.Namespace], list[Table]],
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
    doc: str | None = None,
) -> None:
    """The command line of a benchmark: its own options, and `--json FILE` for bench/run."""
    doc = doc or sys.modules["__main__"].__doc__ or ""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    if add_arguments:
        add_arguments(parser)
    parser.add_argument("--json", metavar="FILE", help="write the tables there (for bench/run)")
    args = parser.parse_args()
    print(f"nproc {cores()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    tables = measure(args)
    for table in tables:
        print(f"\n<!-- bench:{table.name} -->")
        print(markdown(merge([table.as_json()])))
        for note in table.notes:
            print(f"\n{note}")
    if args.json:
        Path(args.json).write_text(
            json.dumps({"tables": [t.as_json() for t in tables], "environment": environment()})
        )


def prepare_database(name: str) -> tuple[str, Callable[[], Any]]:
    """Point DATABASE_URL at a fresh database (on PostgreSQL, the database `name`, dropped
    first; else SQLite in a temporary folder); return its kind ("PostgreSQL" or "SQLite")
    and a clean-up function."""
    import tempfile

    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = name.lower()  # as PostgreSQL folds the unquoted name of CREATE DATABASE

        config = dj_database_url.parse(url)
        admin = {
            "host": config["HOST"] or None,
            "port": config["PORT"] or None,
            "user": config["USER"] or None,
            "password": config["PASSWORD"] or None,
            "dbname": config["NAME"],
        }
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        os.environ["DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{name}"

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(**admin, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name}")

        return "PostgreSQL", drop
    folder = tempfile.TemporaryDirectory(prefix="lens-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder.name}/bench.sqlite3"
    return "SQLite", folder.cleanup

"""Run every benchmark of bench/, interleaved, and regenerate the tables of docs/performance.md.

    bench/run [--rounds 3] [--quick] [--only NAME,...] [--skip NAME,...] [--docs FILE] [--no-write]

A benchmark is a module bench/NAME.py with a top-level `def measure(args)` (bench/README.md,
bench/benchlib.py). Each round runs every benchmark once, each in a fresh interpreter
(`.venv/bin/python bench/NAME.py --json FILE`), once per database it names in `DATABASES`
(SQLite with DATABASE_URL unset; PostgreSQL at $BENCH_POSTGRES_URL, by default
postgres://postgres@127.0.0.1:5432/postgres), in a rotating order, so that a busy spell of
the machine falls on all of them alike. A figure is the median of the rounds; beside each
row, the range of the 1-minute load average it was measured at; under each table, the date,
the rounds, nproc and the commit. Each table replaces the lines between
`<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in the docs; the prose around is left alone.
A table whose markers are missing is printed, not written.
"""

import argparse
import ast
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def discover() -> dict[str, dict]:
    """Every benchmark of bench/, read without importing it: its DATABASES and QUICK."""
    found = {}
    for path in sorted(BENCH.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        if "measure" not in names:
            continue
        constants = {
            target.id: ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name) and target.id in ("DATABASES", "QUICK")
        }
        found[path.stem] = {
            "path": path,
            "databases": tuple(constants.get("DATABASES", ("sqlite",))),
            "quick": list(constants.get("QUICK", [])),
        }
    return found


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + (" with uncommitted changes" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def run_once(name: str, bench: dict, database: str, args, log: Path) -> dict | None:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database == "postgresql":
        env["DATABASE_URL"] = args.postgres_url
    command = [sys.executable, str(bench["path"])]
    if args.quick:
        command += bench["quick"]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        result_file = Path(out.name)
    command += ["--json", str(result_file)]
    before = benchlib.load()
    start = time.monotonic()
    print(f"==> {name} on {database} (load {before:.2f})", flush=True)
    with log.open("a") as output:
        output.write(f"\n==== {' '.join(command)} (DATABASE_URL for {database})\n")
        output.flush()
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    took = time.monotonic() - start
    try:
        if done.returncode != 0:
            print(f"    FAILED (exit {done.returncode}) after {took:.0f} s: see {log}")
            return None
        print(f"    {took:.0f} s")
        return json.loads(result_file.read_text())
    finally:
        result_file.unlink(missing_ok=True)


def replace_between_markers(text: str, name: str, body: str) -> tuple[str, bool]:
    pattern = re.compile(
        rf"(<!-- bench:{re.escape(name)} -->\n)(.*?)(<!-- /bench:{re.escape(name)} -->)", re.S
    )
    if not pattern.search(text):
        return text, False
    return pattern.sub(lambda m: m.group(1) + body + "\n" + m.group(3), text, count=1), True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs of each benchmark (median)")
    parser.add_argument("--quick", action="store_true", help="each benchmark's small options")
    parser.add_argument("--only", default="", help="these benchmarks only, comma separated")
    parser.add_argument("--skip", default="", help="not these, comma separated")
    parser.add_argument("--databases", default="sqlite,postgresql", help="which databases")
    parser.add_argument("--postgres-url", default=os.getenv("BENCH_POSTGRES_URL", POSTGRES))
    parser.add_argument("--docs", default=str(ROOT / "docs/performance.md"))
    parser.add_argument("--no-write", action="store_true", help="print the tables only")
    args = parser.parse_args()

    benches = discover()
    only = {n for n in args.only.split(",") if n}
    skip = {n for n in args.skip.split(",") if n}
    if unknown := (only | skip) - set(benches):
        parser.error(f"no benchmark named {', '.join(sorted(unknown))} (have {', '.join(benches)})")
    databases = {d for d in args.databases.split(",") if d}
    plan = [
        (name, database)
        for name, bench in benches.items()
        if (not only or name in only) and name not in skip
        for database in bench["databases"]
        if database in databases
    ]
    if not plan:
        parser.error("nothing to run")
    log = Path(tempfile.gettempdir()) / f"lens-bench-{datetime.datetime.now():%Y%m%d-%H%M%S}.log"
    print(f"{len(plan)} benchmark runs x {args.rounds} rounds; their output goes to {log}")
    started = datetime.datetime.now()
    loads = [benchlib.load()]
    results: dict[str, list[dict]] = {}
    failures: list[str] = []
    for round_ in range(args.rounds):
        print(f"== round {round_ + 1} of {args.rounds}")
        shift = round_ % len(plan)
        for name, database in plan[shift:] + plan[:shift]:
            result = run_once(name, benches[name], database, args, log)
            loads.append(benchlib.load())
            if result is None:
                failures.append(f"{name} on {database}, round {round_ + 1}")
            for table in result["tables"] if result else []:
                results.setdefault(table["name"], []).append(table)

    others = ", ".join(sorted({name for name, _ in plan}))
    docs = Path(args.docs)
    text = docs.read_text(encoding="utf-8") if docs.exists() else ""
    written, unplaced = [], []
    for name, runs in results.items():
        merged = benchlib.merge(runs)
        rounds = len(runs)
        body = benchlib.markdown(merged)
        body += (
            f"\n\n*`bench/run`, {started:%Y-%m-%d}: median of {rounds} "
            f"run{'s' if rounds != 1 else ''}, interleaved with the other benchmarks ({others}); "
            f"nproc {benchlib.cores()}; load: the 1-minute load average when the row was "
            f"measured (from {min(loads):.1f} to {max(loads):.1f} over the whole run); "
            f"commit {_commit()}.*"
        )
        for note in merged["notes"]:
            body += f"\n\n{note}"
        print(f"\n<!-- bench:{name} -->\n{body}\n<!-- /bench:{name} -->")
        text, found = replace_between_markers(text, name, body)
        (written if found else unplaced).append(name)
    if not args.no_write and written:
        docs.write_text(text, encoding="utf-8")
        print(f"\nRegenerated in {docs}: {', '.join(written)}")
    if unplaced:
        print(f"No markers in {docs} for: {', '.join(unplaced)} (printed above, not written)")
    if failures:
        sys.exit(f"Failed: {'; '.join(failures)} (see {log})")


if __name__ == "__main__":
    main()

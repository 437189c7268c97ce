"""Two Lens app servers behind HAProxy under students' and teachers' load, then one killed.

    bench/cluster [--students 500] [--teachers 10] [--duration 60] [--scenarios steady,kill]

(bench/cluster installs what is missing, then runs this file with .venv/bin/python; bench/run
runs it as one of the benchmarks.) Everything listens on 127.0.0.1 only:

- PostgreSQL: the server of DATABASE_URL (by default postgres://postgres@127.0.0.1:5432/
  postgres), in a database of its own, `lens_cluster` (--database), made anew for each
  scenario and dropped at the end: migrated, the seed lesson, --teachers approved teachers
  each with a class of --students / --teachers students, the lesson assigned to each class
  (feedback on hand-in).
- Redis (Debian's, 127.0.0.1:6379, database 5 by default, --redis-url): the cache (throttle
  counts) and the task queue, shared by both app servers (REDIS_URL).
- Two Lens instances (--instances), each its own gunicorn (--workers processes of --threads
  threads) on ports --port + 1, + 2, ..., with production's settings over plain HTTP
  (SECURE_HTTP_ONLY=true), STATIC_MANIFEST=true after collectstatic, CONN_MAX_AGE=60.
- The task worker (`manage.py worker`) when this tree has it, on the same queue.
- HAProxy from Debian on --port, balancing to the least busy instance, asking each
  instance's /healthz every second (three failures: out; two successes: back in), and taking
  out at once an instance that refuses a request's connection. A request
  whose connection fails, or whose server dies before answering, is sent to another
  instance (`retry-on conn-failure empty-response`, `option redispatch`).
- locust (bench/.venv, bench/locustfile.py), headless, for --duration seconds: every student,
  for each of the first --passages passages, opens it, highlights two runs of real words with
  the highlight form, answers its prompts ("Save and continue"), and hands in; the teachers
  refresh their class's dashboard. Think times: --think, --dashboard-every. Everyone arrives
  signed in: their sessions are made in the database before the run (as Django's `login()`
  makes them) and handed to locust in its plan, so the measured minute is the journey the
  issue names. With --login they log in with the login form first instead, inside the run
  (a login is about a second of a core: PBKDF2, 1,500,000 iterations).

Scenarios: `steady`, all instances up; `kill`, the last instance killed (SIGKILL of its
whole process group, --kill-signal) at --kill-at of the run. Each reports requests,
failures, throughput and the 50th/95th/99th percentiles per endpoint (locust's figures),
and for each kind of write what the server acknowledged against the rows found in
PostgreSQL afterwards: "lost" is acknowledged and not stored; "unacknowledged" stored but
never acknowledged (a request cut off by the end of the run or by the kill); "replays" are
requests HAProxy sent again after an instance died with them, answered "already done".
The note under the tables says what HAProxy saw (requests per instance, retries,
redispatches, when the killed instance was marked down).
"""

import csv
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import benchlib

ROOT = benchlib.ROOT
PYTHON = str(ROOT / ".venv/bin/python")
LOCUST = ROOT / "bench/.venv/bin/locust"
DATABASES = ("postgresql",)  # bench/run runs it on PostgreSQL only
QUICK = [  # the scale a shared 2-core machine carries (docs/performance.md)
    "--students", "50", "--teachers", "5", "--duration", "60", "--spawn-rate", "2", "--think", "1,3"
]  # fmt: skip
PASSWORD = "cluster-bench-password"
# The app servers' SECRET_KEY, and this process's too: the sessions made here carry a hash of
# each user's password keyed with it, which the app servers check on every request.
SECRET_KEY = "bench-cluster-not-a-secret-" + "x" * 40
PREFIX = "cluster-"
ENDPOINTS = (
    "login page",
    "log in",
    "passage",
    "highlight",
    "answers",
    "hand-in page",
    "hand in",
    "feedback",
    "dashboard",
)


def add_arguments(parser) -> None:
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--teachers", type=int, default=10, help="each with a class")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load")
    parser.add_argument(
        "--spawn-rate", type=float, default=0, help="users started a second (default: all in 20 s)"
    )
    parser.add_argument(
        "--passages",
        type=int,
        default=1,
        help="passages before handing in (one: every student gets to hand in within the minute)",
    )
    parser.add_argument(
        "--login",
        action="store_true",
        help="log in with the login form during the run (default: sessions made beforehand)",
    )
    parser.add_argument("--think", default="2,6", help="seconds between a student's steps")
    parser.add_argument("--dashboard-every", default="5,10", help="seconds between refreshes")
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes per instance")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--port", type=int, default=8100, help="HAProxy's; instances above it")
    parser.add_argument("--scenarios", default="steady,kill")
    parser.add_argument("--kill-at", type=float, default=0.5, help="share of the run")
    parser.add_argument("--kill-signal", default="KILL", choices=["KILL", "TERM"])
    parser.add_argument("--database", default="lens_cluster")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--logs", default="", help="keep the servers' logs in this folder")


def _seconds(value: str) -> list[float]:
    low, high = (float(x) for x in value.split(","))
    return [low, high]


def _ensure_tools() -> None:
    if not LOCUST.exists() or subprocess.run(["which", "haproxy"], capture_output=True).returncode:
        subprocess.run(
            ["bash", "-c", "source bench/bootstrap && lens_cluster_deps"], cwd=ROOT, check=True
        )


def _server_url(database: str) -> tuple[str, str]:
    """The admin URL (an existing database to connect to) and the benchmark database's URL."""
    url = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("bench/cluster needs PostgreSQL: set DATABASE_URL=postgres://...")
    return url, url.rsplit("/", 1)[0] + f"/{database}"


def _recreate_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")
        time.sleep(0.3)


def _haproxy_stats(sock: Path) -> dict[str, dict[str, str]]:
    """HAProxy's `show stat`, per server of the backend (and the backend itself)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(str(sock))
        s.sendall(b"show stat\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    lines = data.decode().lstrip("# ").splitlines()
    rows = csv.DictReader(line for line in lines if line)
    return {row["svname"]: row for row in rows if row["pxname"] == "apps"}


HAPROXY = """\
global
    maxconn 8192
    stats socket {sock} mode 600 level admin
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout queue 60s
    # A request whose connection fails, or whose server closes without answering (it died),
    # goes to another server: three tries, each to a server other than the last.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    option forwardfor

frontend lens
    bind 127.0.0.1:{port}
    default_backend apps

backend apps
    balance leastconn
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    # An instance is out at the first connection it refuses to a request (it is dead: the
    # requests queued for it go to another at once), or after 3 failed checks a second apart
    # (no answer within 10 s: it is stuck); back in after 2 good checks. Each instance gets
    # one request per thread but one for each process, so a check finds a free thread: a
    # busy instance is slow, not down.
    timeout check 10s
    default-server inter 1s fall 3 rise 2 maxconn {maxconn}
{servers}
"""


class Cluster:
    """The servers of one scenario, started on a fresh database; stopped on exit."""

    def __init__(self, args, folder: Path, scenario: str) -> None:
        self.args = args
        self.folder = folder
        self.scenario = scenario
        self.admin_url, self.url = args.admin_url, args.database_url
        self.env = {
            **os.environ,
            "DATABASE_URL": self.url,
            "REDIS_URL": args.redis_url,
            "DJANGO_SETTINGS_MODULE": "lens.settings",
            "SECRET_KEY": SECRET_KEY,
            "DEBUG": "false",
            "SECURE_HTTP_ONLY": "true",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_MANIFEST": "true",
            "CONN_MAX_AGE": "60",
            "TRUSTED_PROXIES": "1",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        self.processes: list[subprocess.Popen] = []
        self.instances: list[subprocess.Popen] = []
        self.worker: str = ""

    def _log(self, name: str):
        return (self.folder / f"{self.scenario}-{name}.log").open("ab")

    def _start(self, name: str, command: list[str], env=None) -> subprocess.Popen:
        log = self._log(name)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killed whole
        )
        log.close()
        self.processes.append(process)
        return process

    def _manage(self, *command: str) -> None:
        with self._log("setup") as log:
            subprocess.run(
                [PYTHON, "manage.py", *command],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
            )

    def __enter__(self) -> "Cluster":
        _recreate_database(self.admin_url, self.args.database)
        self._manage("migrate", "--noinput")
        self._manage("collectstatic", "--noinput", "--verbosity", "0")
        import redis

        redis.Redis.from_url(self.args.redis_url).flushdb()
        return self

    def start(self) -> None:
        args = self.args
        for n in range(1, args.instances + 1):
            gunicorn = [
                str(ROOT / ".venv/bin/gunicorn"),
                "lens.wsgi",
                f"--bind=127.0.0.1:{args.port + n}",
                f"--workers={args.workers}",
                f"--threads={args.threads}",
                "--worker-class=gthread",
                "--graceful-timeout=10",
            ]
            self.instances.append(self._start(f"app{n}", gunicorn))
        commands = subprocess.run(
            [PYTHON, "manage.py", "help", "--commands"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        ).stdout.split()
        # Lens's own worker command, or else the Redis backend's (the queue is in Redis here).
        for command in ("worker", "run_redis_tasks"):
            if command in commands:
                self._start("worker", [PYTHON, "manage.py", command])
                self.worker = f"`manage.py {command}` (one process)"
                break
        else:
            self.worker = "none (this tree has no task worker command)"
        for n in range(1, args.instances + 1):
            _wait_for(f"http://127.0.0.1:{args.port + n}/healthz")
        self.sock = self.folder / f"{self.scenario}-haproxy.sock"
        servers = "\n".join(
            f"    server app{n} 127.0.0.1:{args.port + n} check "
            "observe layer4 error-limit 1 on-error mark-down"
            for n in range(1, args.instances + 1)
        )
        config = self.folder / f"{self.scenario}-haproxy.cfg"
        config.write_text(
            HAPROXY.format(
                sock=self.sock,
                port=args.port,
                maxconn=args.workers * max(1, args.threads - 1),
                servers=servers,
            )
        )
        self._start("haproxy", ["haproxy", "-db", "-f", str(config)])
        _wait_for(f"http://127.0.0.1:{args.port}/healthz")

    def kill_last(self) -> None:
        os.killpg(self.instances[-1].pid, getattr(signal, f"SIG{self.args.kill_signal}"))

    def __exit__(self, *exc) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        from django.db import connections

        connections.close_all()


def _plan(args, folder: Path) -> Path:
    """The classes, students and teachers in the database, and the plan locust follows."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse

    from core.models import Classroom, Enrollment, User
    from lessons.library.lessonfile import parse_lesson
    from lessons.library.models import Prompt
    from lessons.library.services import lesson_import
    from lessons.work.models import Assignment

    seed = ROOT / "lessons/library/seed/solidarity-resolution-2017.md"
    lesson = lesson_import(data=parse_lesson(seed.read_text("utf-8")))
    # Once, the same hash for everyone (PBKDF2 takes about a second); with sessions made here
    # nobody logs in, and an unusable password costs nothing.
    password = make_password(PASSWORD if args.login else None)
    teachers = User.objects.bulk_create(
        User(
            username=f"{PREFIX}teacher-{t + 1}",
            display_name=f"Teacher {t + 1}",
            role=User.Role.TEACHER,
            status=User.Status.APPROVED,
            email_verified=True,
            password=password,
        )
        for t in range(args.teachers)
    )
    students = User.objects.bulk_create(
        User(
            username=f"{PREFIX}student-{s + 1:04d}",
            display_name=f"Student {s + 1:04d}",
            role=User.Role.STUDENT,
            password=password,
        )
        for s in range(args.students)
    )
    assignments = []
    for n, teacher in enumerate(teachers):
        classroom = Classroom.objects.create(name=f"Cluster class {n + 1}", teacher=teacher)
        assignments.append(
            Assignment.objects.create(
                classroom=classroom,
                lesson=lesson,
                feedback_release=Assignment.Release.ON_SUBMIT,
            )
        )
    Enrollment.objects.bulk_create(
        Enrollment(classroom=assignments[s % len(assignments)].classroom, student=student)
        for s, student in enumerate(students)
    )
    passages = []
    for segment in lesson.segments.order_by("position")[: args.passages]:
        prompts = [p for p in segment.prompts.order_by("position") if p.is_answerable]
        passages.append(
            {
                "segment": segment.pk,
                "position": segment.position,
                "words": [
                    {"start": start, "end": end, "quote": segment.text[start:end]}
                    for start, end in benchlib.word_runs(segment.text, 8)
                ],
                "prompts": [
                    {"id": p.pk, "kind": "text" if p.kind == Prompt.Kind.TEXT else "choose"}
                    for p in prompts
                ],
            }
        )

    def urls(assignment) -> dict[str, str]:
        return {
            "assignment": reverse("work:assignment", args=[assignment.pk]),
            "passage": reverse("work:segment", args=[assignment.pk, 987654]).replace(
                "987654", "{position}"
            ),
            "submit": reverse("work:submit", args=[assignment.pk]),
        }

    sessions = {} if args.login else _sessions([*students, *teachers])
    plan = {
        "password": PASSWORD,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "think_seconds": _seconds(args.think),
        "dashboard_seconds": _seconds(args.dashboard_every),
        "urls": {"login": reverse("core:login")},
        "techniques": list(lesson.taxonomy.techniques.values_list("pk", flat=True)),
        "passages": passages,
        "students": [
            {
                "username": s.username,
                "session": sessions.get(s.pk),
                "urls": urls(assignments[n % len(assignments)]),
            }
            for n, s in enumerate(students)
        ],
        "teachers": [
            {
                "username": t.username,
                "session": sessions.get(t.pk),
                "dashboard": reverse("insights:dashboard", args=[assignments[n].pk]),
            }
            for n, t in enumerate(teachers)
        ],
    }
    path = folder / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def _sessions(users) -> dict[int, str]:
    """A session for each user, as `django.contrib.auth.login()` leaves it after the login
    form (the user, the backend that checked the password, the hash of the password that
    the app servers compare on each request), in the session store both app servers read:
    {user id: session key, the value of the session cookie}."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = {}
    for user in users:
        session = store()
        session.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        session.create()
        keys[user.pk] = session.session_key
    return keys


def _stored() -> dict[str, set]:
    from lessons.work.models import Answer, Highlight, Submission

    mine = {"submission__student__username__startswith": PREFIX}
    return {
        "highlight": set(
            Highlight.objects.filter(**mine).values_list(
                "submission__student__username", "segment_id", "start", "end", "technique_id"
            )
        ),
        "answer": set(
            Answer.objects.filter(**mine).values_list("submission__student__username", "prompt_id")
        ),
        "hand-in": set(
            (username,)
            for username in Submission.objects.filter(
                student__username__startswith=PREFIX, submitted_at__isnull=False
            ).values_list("student__username", flat=True)
        ),
    }


def _percentile(values: list[float], p: float) -> float:
    """The p-th percentile, nearest rank (what locust reports, without its rounding)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _key(record: dict) -> tuple:
    match record["kind"]:
        case "highlight":
            fields = ("student", "segment", "start", "end", "technique")
        case "answer":
            fields = ("student", "prompt")
        case _:
            fields = ("student",)
    return tuple(record[f] for f in fields)


def _drive(args, cluster: Cluster, plan: Path, folder: Path) -> dict:
    users = args.students + args.teachers
    rate = args.spawn_rate or max(1.0, users / 20)
    prefix = folder / f"{cluster.scenario}-locust"
    acks = folder / f"{cluster.scenario}-acks.json"
    command = [
        str(LOCUST),
        "-f",
        str(ROOT / "bench/locustfile.py"),
        "--headless",
        f"--users={users}",
        f"--spawn-rate={rate}",
        f"--run-time={args.duration}s",
        "--stop-timeout=30",
        f"--host=http://127.0.0.1:{args.port}",
        f"--csv={prefix}",
        "--only-summary",
        "--loglevel=WARNING",
    ]
    env = {**os.environ, "LENS_CLUSTER_CONFIG": str(plan), "LENS_CLUSTER_ACKS": str(acks)}
    started = time.monotonic()
    locust = cluster._start("locust", command, env=env)
    killed_at = down_after = None
    if cluster.scenario == "kill":
        time.sleep(args.duration * args.kill_at)
        cluster.kill_last()
        killed_at = time.monotonic() - started
        last = f"app{args.instances}"
        while locust.poll() is None and time.monotonic() - started < args.duration:
            if _haproxy_stats(cluster.sock)[last]["status"].startswith("DOWN"):
                down_after = time.monotonic() - started - killed_at
                break
            time.sleep(0.1)
    locust.wait(timeout=args.duration + 120)
    stats = _haproxy_stats(cluster.sock)
    written = json.loads(acks.read_text())
    return {
        "times": written["times"],
        "failures": written["failures"],
        "errors": written["errors"],
        "seconds": written["seconds"],
        "acknowledged": written.get("acknowledged", []),
        "replays": written.get("replays", []),
        "stored": _stored(),
        "haproxy": stats,
        "killed_at": killed_at,
        "down_after": down_after,
        "load": os.getloadavg()[0],
    }


def measure(args) -> list[benchlib.Table]:
    _ensure_tools()
    args.admin_url, args.database_url = _server_url(args.database)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="lens.settings",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        SECRET_KEY=SECRET_KEY,  # the app servers': the sessions made here are theirs
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    requests = benchlib.Table(
        "cluster",
        [
            "scenario",
            "endpoint",
            "requests",
            "failures",
            benchlib.Column("req/s", 1),
            "p50 ms",
            "p95 ms",
            "p99 ms",
        ],
        keys=2,
    )
    writes = benchlib.Table(
        "cluster-writes",
        ["scenario", "write", "acknowledged", "stored", "lost", "unacknowledged", "replays"],
        keys=2,
    )
    with ExitStack() as stack:
        folder = (
            Path(args.logs)
            if args.logs
            else Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lens-cluster-")))
        )
        folder.mkdir(parents=True, exist_ok=True)
        for scenario in [s for s in args.scenarios.split(",") if s]:
            with Cluster(args, folder, scenario) as cluster:
                plan = _plan(args, folder)
                cluster.start()
                result = _drive(args, cluster, plan, folder)
            _report(args, scenario, cluster, result, requests, writes)
    import psycopg

    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
    return [requests, writes]


def _report(args, scenario, cluster, result, requests, writes) -> None:
    times, failures = result["times"], result["failures"]
    every = [t for name in times for t in times[name]]
    for name, spent in [*((n, times[n]) for n in ENDPOINTS if n in times), ("all", every)]:
        count = len(spent)
        requests.add(
            scenario,
            name,
            count,
            sum(failures.values()) if name == "all" else failures.get(name, 0),
            count / max(result["seconds"], 1e-9),
            *(round(_percentile(spent, p)) for p in (50, 95, 99)),
        )
    for kind in ("highlight", "answer", "hand-in"):
        acked = {_key(r) for r in result["acknowledged"] if r["kind"] == kind}
        replays = {_key(r) for r in result["replays"] if r["kind"] == kind}
        stored = result["stored"][kind]
        writes.add(
            scenario,
            kind,
            len(acked),
            len(stored),
            len(acked - stored),
            len(stored - acked - replays),
            len(replays),
        )
    servers = result["haproxy"]
    per_server = ", ".join(
        f"{name} {int(row['stot']):,} requests ({row['status']})"
        for name, row in servers.items()
        if name.startswith("app")
    )
    backend = servers.get("BACKEND", {})
    note = (
        f"**{scenario}**: {args.students} students and {args.teachers} teachers for "
        f"{args.duration} s on {args.instances} instances of {args.workers} gunicorn processes "
        f"x {args.threads} threads; task worker: {cluster.worker}. HAProxy: {per_server}; "
        f"retries {backend.get('wretr', '?')}, redispatches {backend.get('wredis', '?')}, "
        f"5xx answered {backend.get('hrsp_5xx', '?')}."
    )
    if result["killed_at"] is not None:
        down = result["down_after"]
        note += (
            f" app{args.instances} killed (SIG{args.kill_signal}) at {result['killed_at']:.0f} s; "
            + (
                f"HAProxy marked it down {down:.1f} s later."
                if down is not None
                else "HAProxy had not marked it down by the end of the run."
            )
        )
    errors = [f"{count} x {error}" for error, count in result["errors"].items()]
    if errors:
        note += " Failures: " + "; ".join(errors[:8]) + "."
    requests.notes.append(note)


if __name__ == "__main__":
    benchlib.main(measure, add_arguments)

"""The student's highlight save, against a minimal authenticated write and a bare view; and how
a save, a change, a removal and the passage's page grow with the highlights already there.

    .venv/bin/python bench/save.py [--others 0,50,100,200] [--requests 30] [--rounds 3]
                                   [--http-seconds 10] [--http-connections 20]

The issue's targets: the htmx save at least 50% of the throughput of a minimal authenticated
write view (session, user, one INSERT, a tiny answer) and at least 10% of a bare view; its
time and the size of its answer flat (within 10%) from 0 to 200 highlights elsewhere in the
passage.

In a fresh database (a temporary SQLite file, or on PostgreSQL with DATABASE_URL a database
`lens_bench_save`, BENCH_DB names another, created and dropped) it imports the seed lesson,
assigns it to a class and gives one student per --others size that many highlights on the
longest passage (--passage, 86 words), on word runs outside the piece of the text that the
words the benchmark saves are in (the student's page draws the text in pieces of a clause or
more, and an answer draws again only the pieces its highlight is in; up to 14 techniques
stacked on each run). The two views that exist only in the benchmark
are in bench/save_urls.py; every request goes through Lens's whole middleware stack, called
as a WSGI application in this one process (DEBUG off, CONN_MAX_AGE=60 as in production,
with a session cookie, the CSRF token in a header as htmx sends it, and
`Accept-Encoding: gzip`).

Each round runs, in an order that rotates from round to round, a batch of --requests of
each: the bare view (GET), the minimal write (POST), for each size a cycle of the htmx
save of two words ("save"), the change of its technique and note ("change") and its removal
("remove", which leaves the passage as it was), and for each size a plain GET of the
passage's page ("page", in a batch of its own: a page with 200 highlights leaves the
process's caches cold for the request after it). Figures are medians over every request
of a kind; req/s is one process's, one request at a time (1000 / median ms); ratios come
from the same interleaved run.
"HTML bytes" is the answer before compression, "gzip" as sent; "marked text" is the part of
the answer that is the passage's text with the highlights drawn in (the `#segment-text`
element's contents on the page, the pieces' in an answer), "without the text" the rest.

Then over HTTP (`--http-seconds`, 0 to leave it out), as the issue measured it: gunicorn
(bench/save_wsgi.py: --http-workers processes of --http-threads threads, as bench/cluster.py
starts Lens) on the same database, driven by Debian's `wrk` (bench/bootstrap: `lens_wrk`)
with --http-connections connections, one per thread and per student, each kind for
--http-seconds per round in a rotating order: the bare view, the minimal write, and for the
first and last --others size the htmx save alternating with the removal of the highlight it
made (wrk's script reads its id from the save's answer). Table `save-http-*`: req/s, the
median and 99th percentile latency, and requests that failed (none, or the figures are void).
"""

import gzip
import io
import os
import re
import statistics
import sys
import time
import warnings
from collections import defaultdict
from urllib.parse import urlencode

import benchlib

ROOT = benchlib.ROOT
BENCH_DB = os.environ.get("BENCH_DB", "lens_bench_save")
DATABASES = ("sqlite", "postgresql")  # bench/run runs it on each
QUICK = ["--others", "0,30", "--requests", "10", "--rounds", "2", "--http-seconds", "3"]
# The marked text: on the page, the element that holds it; in an answer, its pieces (a line each).
TEXT = re.compile(rb'<div[^>]*\bid="segment-text"[^>]*>(.*?)</div>', re.S)
PIECE = re.compile(rb'<span id="words-[^"]*" data-hx-swap-oob="innerHTML">(.*)</span>')


def add_arguments(parser) -> None:
    parser.add_argument(
        "--others", default="0,50,100,200", help="highlights elsewhere in the passage"
    )
    parser.add_argument("--requests", type=int, default=30, help="requests of a kind per batch")
    parser.add_argument("--rounds", type=int, default=3, help="batches of each kind")
    parser.add_argument("--passage", type=int, default=4, help="the seed passage (4: 86 words)")
    parser.add_argument(
        "--http-seconds",
        type=int,
        default=10,
        help="over HTTP (gunicorn and wrk): seconds of each kind per round; 0: not over HTTP",
    )
    parser.add_argument(
        "--http-connections", type=int, default=20, help="wrk's connections (one per thread)"
    )
    parser.add_argument("--http-workers", type=int, default=2, help="gunicorn processes")
    parser.add_argument("--http-threads", type=int, default=4, help="threads per process")


class Browser:
    """One student's browser, calling Lens's WSGI application in this process: the session
    and CSRF cookies, the CSRF token in a header (as htmx sends it), gzip accepted."""

    def __init__(self, application, session: str) -> None:
        self.application = application
        self.cookies = {"sessionid": session}
        self.token = ""

    def request(self, method: str, path: str, data=None, htmx: str | None = None):
        body = urlencode(data or {}, doseq=True).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "testserver",
            "HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd",
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if method == "POST":
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["HTTP_X_CSRFTOKEN"] = self.token
        if htmx is not None:
            environ["HTTP_HX_REQUEST"] = "true"
            if htmx:
                environ["HTTP_HX_TRIGGER"] = htmx
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])
            answer["headers"] = headers

        result = self.application(environ, start_response)
        try:
            wire = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close:
                close()
        for name, value in answer["headers"]:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        encoded = any(n.lower() == "content-encoding" for n, _ in answer["headers"])
        html = gzip.decompress(wire) if encoded else wire
        return answer["status"], html, len(wire)


def measure(args) -> list[benchlib.Table]:
    kind, cleanup = benchlib.prepare_database(BENCH_DB)
    kind = kind.lower()  # the tables are save-ratio-sqlite, save-ratio-postgresql
    os.environ.update(
        DJANGO_SETTINGS_MODULE="lens.settings",
        DEBUG="false",
        SECURE_HTTP_ONLY="true",
        ALLOWED_HOSTS="testserver",
        CONN_MAX_AGE="60",
        LOG_LEVEL="ERROR",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", message="No directory at")
    try:
        return _measure(args, kind)
    finally:
        cleanup()  # type: ignore[operator]


def _build(args):
    """The seed lesson assigned to a class; a student per size with that many highlights
    elsewhere in the passage, and one for the minimal write. Returns what the runs need."""
    from core.models import Classroom, Enrollment, User
    from lessons.library import services as library_services
    from lessons.library.anchoring import anchor_at
    from lessons.library.lessonfile import parse_lesson
    from lessons.library.rendering import pieces_around
    from lessons.work import services
    from lessons.work.models import Highlight

    source = (ROOT / "lessons/library/seed/solidarity-resolution-2017.md").read_text("utf-8")
    lesson = library_services.lesson_import(data=parse_lesson(source))
    teacher = User.objects.create(
        username="bench-teacher", role=User.Role.TEACHER, display_name="Teacher", password="!"
    )
    classroom = Classroom.objects.create(name="Bench", teacher=teacher)
    assignment, _ = services.assignment_create(classroom=classroom, lesson=lesson)
    segment = lesson.segments.get(position=args.passage)
    techniques = list(lesson.taxonomy.techniques.order_by("pk"))
    words = [m.span() for m in benchlib.WORDS.finditer(segment.text)]
    middle = len(words) // 2
    saved = (words[middle][0], words[middle + 1][1])  # two words in the middle
    # Elsewhere: outside the pieces of the text the saved words are in (the clause or more
    # that an answer draws again, lessons/library/rendering.py).
    near = pieces_around(segment.body_html, *saved)
    runs = [
        (start, end)
        for start, end in benchlib.word_runs(segment.text, len(words))
        if end <= near[0] or start >= near[1]
    ]
    students = {}
    # Over HTTP, a student per connection for the first and the last size, their own too.
    over_http = [(size, n) for size in _http_sizes(args) for n in range(args.http_connections)]
    for key in [*args.others, "writer", *over_http]:
        name = "-".join(map(str, key)) if isinstance(key, tuple) else key
        size = key[0] if isinstance(key, tuple) else key
        student = User.objects.create(
            username=f"bench-{name}", role=User.Role.STUDENT, display_name=f"S {name}", password="!"
        )
        Enrollment.objects.create(classroom=classroom, student=student)
        submission = services.submission_for(assignment=assignment, student=student)
        if size != "writer":
            if size > len(runs) * len(techniques):
                raise SystemExit(f"at most {len(runs) * len(techniques)} other highlights")
            Highlight.objects.bulk_create(
                Highlight(
                    submission=submission,
                    segment=segment,
                    technique=techniques[n // len(runs)],
                    start=(anchor := anchor_at(segment.text, *runs[n % len(runs)])).start,
                    end=anchor.end,
                    quote=anchor.quote,
                    prefix=anchor.prefix,
                    suffix=anchor.suffix,
                    note="Why these words." if n % 2 else "",
                )
                for n in range(size)
            )
        students[key] = (student, submission)
    return assignment, segment, techniques, saved, students


def _http_sizes(args) -> list[int]:
    """The sizes measured over HTTP: the first and the last (0 and 200 other highlights)."""
    if not args.http_seconds:
        return []
    return sorted({args.others[0], args.others[-1]})


def _measure(args, kind: str) -> list[benchlib.Table]:
    import django

    django.setup()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches, reverse

    settings.ROOT_URLCONF = "save_urls"
    clear_url_caches()
    args.others = [int(n) for n in args.others.split(",")]
    call_command("migrate", verbosity=0)
    assignment, segment, techniques, saved, students = _build(args)
    application = WSGIHandler()
    quote = segment.text[saved[0] : saved[1]]
    add_url = reverse("work:highlight_add", args=[assignment.pk, segment.position])
    page_url = reverse("work:segment", args=[assignment.pk, segment.position])

    def browser_of(student) -> Browser:
        client = Client()
        client.force_login(student)
        browser = Browser(application, client.cookies["sessionid"].value)
        status, html, _ = browser.request("GET", page_url)
        assert status == 200, status
        browser.token = re.search(rb'"X-CSRFToken": "([^"]+)"', html).group(1).decode()
        return browser

    browsers = {size: browser_of(student) for size, (student, _) in students.items()}
    writer = browsers["writer"]
    _, writer_submission = students["writer"]
    times: dict[tuple, list[float]] = defaultdict(list)
    sizes: dict[tuple, tuple[int, int, int]] = {}
    queries: dict[tuple, int] = {}
    written = iter(range(10**9))

    counting = True  # the first pass counts each request's queries, untimed

    def timed(key, browser: Browser, method: str, path: str, data=None, htmx=None, ok=200):
        if counting:
            with CaptureQueriesContext(connection) as captured:
                status, html, wire = browser.request(method, path, data, htmx)
            queries[key] = len(captured.captured_queries)
        else:
            start = time.perf_counter()
            status, html, wire = browser.request(method, path, data, htmx)
            times[key].append((time.perf_counter() - start) * 1000)
        assert status == ok, (key, status, html[:2000])
        match = TEXT.search(html)
        text = len(match.group(1)) if match else sum(map(len, PIECE.findall(html)))
        sizes[key] = (len(html), wire, text)
        return html

    def bare(count: int) -> None:
        for _ in range(count):
            timed(("bare",), writer, "GET", "/bench/bare/")

    def write(count: int) -> None:
        data = {
            "submission": writer_submission.pk,
            "segment": segment.pk,
            "technique": techniques[0].pk,
        }
        for _ in range(count):
            timed(
                ("write",),
                writer,
                "POST",
                "/bench/write/",
                {**data, "start": next(written)},
                ok=201,
            )

    def cycle(size: int, count: int) -> None:
        from lessons.work.models import Highlight

        browser = browsers[size]
        _, submission = students[size]
        for n in range(count):
            technique, other = techniques[n % 2], techniques[2 + n % 2]
            add = {"quote": quote, "start": saved[0], "end": saved[1], "technique": technique.pk}
            timed((size, "save"), browser, "POST", add_url, {**add, "note": ""}, "highlight-form")
            highlight = Highlight.objects.get(
                submission=submission, start=saved[0], end=saved[1], technique=technique
            )
            edit_url = reverse("work:highlight_edit", args=[assignment.pk, highlight.pk])
            change = {f"h{highlight.pk}-technique": other.pk, f"h{highlight.pk}-note": "Why."}
            timed((size, "change"), browser, "POST", edit_url, change, "")
            delete_url = reverse("work:highlight_delete", args=[assignment.pk, highlight.pk])
            timed((size, "remove"), browser, "POST", delete_url, {}, "")

    def pages(size: int, count: int) -> None:
        """The passage's page, in a batch of its own: with 200 highlights it is 40 ms of
        drawing, after which the process's caches are cold for the next request; a save
        timed right after it measured that (a third more time), not the save."""
        for _ in range(count):
            timed((size, "page"), browsers[size], "GET", page_url)

    for _ in range(2):  # what the second pass counts is every later request's (the first
        # reads the key, once per process, and stores each student's figures the first time)
        bare(1)
        write(1)
        for size in args.others:
            cycle(size, 1)
            pages(size, 1)
    counting = False

    plan = [
        ("bare", None),
        ("write", None),
        *(("cycle", size) for size in args.others),
        *(("pages", size) for size in args.others),
    ]
    for round_ in range(args.rounds):
        shift = round_ % len(plan)
        for what, size in plan[shift:] + plan[:shift]:
            if what == "bare":
                bare(args.requests * 4)  # quick: more of them, for a steadier median
            elif what == "write":
                write(args.requests)
            elif what == "pages":
                pages(size, args.requests)
            else:
                cycle(size, args.requests)

    median = {key: statistics.median(values) for key, values in times.items()}
    save = median[(args.others[0], "save")]
    ratio = benchlib.Table(
        f"save-ratio-{kind}",
        [
            "request",
            benchlib.Column("median ms", 2),
            benchlib.Column("req/s", 0),
            "queries",
            benchlib.Column(f"save ({args.others[0]} others) as % of its req/s", 0),
        ],
    )
    ratio.add("bare view (GET)", median[("bare",)], 1000 / median[("bare",)],
              queries[("bare",)], 100 * median[("bare",)] / save)  # fmt: skip
    ratio.add("minimal write (POST)", median[("write",)], 1000 / median[("write",)],
              queries[("write",)], 100 * median[("write",)] / save)  # fmt: skip
    for size in args.others:
        key = (size, "save")
        ratio.add(f"save, {size} other highlights", median[key], 1000 / median[key],
                  queries[key], 100 * median[key] / save)  # fmt: skip
    ratio.notes.append(
        "Targets: the save at least 50% of the minimal write's req/s and at least 10% of the "
        f"bare view's. {benchlib.cores()} cores; one process, one request at a time; "
        f"{args.rounds} rounds of {args.requests} requests of each kind (the bare view "
        f"{4 * args.requests}), interleaved. Queries: session and user included."
    )

    growth = benchlib.Table(
        f"save-growth-{kind}",
        [
            "other highlights",
            "request",
            benchlib.Column("median ms", 2),
            benchlib.Column("ms vs 0 others (%)", 0),
            "queries",
            "HTML bytes",
            "gzip bytes",
            "marked text",
            "without the text",
            benchlib.Column("without the text vs 0 others (%)", 0),
        ],
        keys=2,
    )
    for size in args.others:
        for request in ("save", "change", "remove", "page"):
            key, first = (size, request), (args.others[0], request)
            html, wire, text = sizes[key]
            rest, first_rest = html - text, sizes[first][0] - sizes[first][2]
            growth.add(size, request, median[key], 100 * median[key] / median[first],
                       queries[key], html, wire, text, rest, 100 * rest / first_rest)  # fmt: skip
    from lessons.library.rendering import pieces_around

    words = len(benchlib.WORDS.findall(segment.text))
    near = pieces_around(segment.body_html, *saved)
    growth.notes.append(
        f"Passage {segment.position} of the seed lesson ({words} words, one paragraph); the "
        f"save highlights “{quote}”, the other highlights are on other words of the passage, "
        f"outside the piece of the text “{quote}” is in ({near[1] - near[0]} of its "
        f"{len(segment.text)} characters)."
    )
    tables = [ratio, growth]
    if args.http_seconds:
        connection.close()  # gunicorn's processes use the database from now on
        http = {
            "save": {"quote": quote, "start": saved[0], "end": saved[1], "note": ""},
            "write": {"submission": writer_submission.pk, "segment": segment.pk},
            "add": add_url,
            # the removal's address, up to the highlight's id
            "delete": reverse("work:highlight_delete", args=[assignment.pk, 0])[
                : -len("0/delete/")
            ],
            "techniques": [t.pk for t in techniques],
        }
        mine = [submission for key, (_, submission) in students.items() if isinstance(key, tuple)]

        def tidy() -> None:
            """Remove what a run of saves left (wrk stops between a save and its removal)."""
            from lessons.work.models import Highlight

            Highlight.objects.filter(
                submission__in=mine, segment=segment, start=saved[0], end=saved[1]
            ).delete()
            connection.close()

        tables.append(_over_http(args, kind, http, browsers, tidy))
    return tables


# wrk's script: one connection per thread, each thread a student of its own (`people`,
# filled in by `_over_http`). "save" alternates a student's htmx save of the two words and
# the removal of the highlight it made (its id read from the save's answer), so that the
# passage stays as it was; "write" posts the minimal write with a start of its own; "bare"
# gets the bare view. `done` prints the figures as one JSON line.
WRK_SCRIPT = """
local people = {PEOPLE}
local kind, person, pending, last, count, offset = nil, nil, nil, nil, 0, 0
local made = 0  -- in setup's state: threads made so far; `me`, set in each thread's

function setup(thread)
  made = made + 1
  thread:set("me", made)
end

function init(args)
  kind, offset = args[1], tonumber(args[2])
  person = people[(me - 1) % #people + 1]
end

local function headers(htmx)
  local h = {["Cookie"] = person.cookie, ["X-CSRFToken"] = person.token,
             ["Content-Type"] = "application/x-www-form-urlencoded"}
  if htmx then h["HX-Request"] = "true"; h["HX-Trigger"] = htmx end
  return h
end

function request()
  count = count + 1
  if kind == "bare" then
    return wrk.format("GET", "/bench/bare/", headers(nil))
  elseif kind == "write" then
    local body = person.write .. "&start=" .. (offset + me * 1000000 + count)
    return wrk.format("POST", "/bench/write/", headers(nil), body)
  elseif pending then
    local id = pending
    pending, last = nil, "remove"
    return wrk.format("POST", person.delete .. id .. "/delete/", headers(""), "")
  end
  last = "save"
  return wrk.format("POST", person.add, headers("highlight-form"), person.save)
end

function response(status, headers, body)
  if kind:sub(1, 4) == "save" and last == "save" and status == 200 then
    pending = body:match("/highlights/(%d+)/delete/")
  end
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %f, "p50": %f, "p99": %f, "errors": %d, "timeouts": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.status, summary.errors.timeout))
end
"""


def _lua(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "{" + ", ".join(_lua(v) for v in value) + "}"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _over_http(args, kind: str, http: dict, browsers: dict, tidy) -> benchlib.Table:
    """The bare view, the minimal write and the save (0 and 200 others) over HTTP: gunicorn
    (--http-workers processes of --http-threads threads, as bench/cluster.py starts Lens)
    driven by wrk, one connection per student (--http-connections), each kind for
    --http-seconds per round, in an order that rotates from round to round."""
    import json
    import shutil
    import signal
    import socket
    import subprocess
    import tempfile
    import urllib.request

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (bench/bootstrap: lens_wrk)")
    connections = args.http_connections
    people: dict[str, list[dict]] = {}
    for size in _http_sizes(args):
        people[f"save-{size}"] = []
        for n in range(connections):
            browser = browsers[(size, n)]
            technique = http["techniques"][n % len(http["techniques"])]
            people[f"save-{size}"].append(
                {
                    "cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
                    "token": browser.token,
                    "add": http["add"],
                    "save": urlencode({**http["save"], "technique": technique}),
                    "delete": http["delete"],
                    "write": "",
                }
            )
    writer = browsers["writer"]
    people["write"] = people["bare"] = [
        {
            "cookie": "; ".join(f"{k}={v}" for k, v in writer.cookies.items()),
            "token": writer.token,
            "add": "",
            "save": "",
            "delete": "",
            "write": urlencode({**http["write"], "technique": http["techniques"][0]}),
        }
    ]
    folder = tempfile.mkdtemp(prefix="lens-bench-http-")
    scripts = {}
    for name, group in people.items():
        scripts[name] = f"{folder}/{name}.lua"
        with open(scripts[name], "w", encoding="utf-8") as out:
            out.write(WRK_SCRIPT.replace("{PEOPLE}", _lua(group)))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
        "LOG_LEVEL": "ERROR",
    }
    log = open(f"{folder}/gunicorn.log", "wb")  # noqa: SIM115 (closed with the server)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "save_wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={args.http_workers}",
            f"--threads={args.http_threads}",
            "--worker-class=gthread",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    figures: dict[str, list[dict]] = defaultdict(list)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{base}/bench/bare/", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit(f"gunicorn did not start: {folder}/gunicorn.log")
        plan = list(scripts)
        runs = 0
        for round_ in range(args.rounds):
            shift = round_ % len(plan)
            for name in plan[shift:] + plan[:shift]:
                tidy()
                runs += 1
                ran = subprocess.run(
                    ["wrk", f"-t{connections}", f"-c{connections}", f"-d{args.http_seconds}s",
                     "--timeout=30s",
                     "-s", scripts[name], base, "--", name.split("-")[0], str(runs * 30_000_000)],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                lines = [x for x in ran.stdout.splitlines() if x.startswith("{")]
                if not lines:
                    raise SystemExit(f"wrk {name}: {ran.stdout}{ran.stderr}")
                result = json.loads(lines[-1])
                result["load"] = benchlib.load()
                figures[name].append(result)
                print(f"  http {name}: {result}", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    table = benchlib.Table(
        f"save-http-{kind}",
        [
            "request",
            benchlib.Column("req/s", 0),
            benchlib.Column("p50 ms", 1),
            benchlib.Column("p99 ms", 1),
            "errors",
            benchlib.Column(f"save ({_http_sizes(args)[0]} others) as % of its req/s", 1),
        ],
    )
    rate = {
        name: statistics.median(r["requests"] / r["seconds"] for r in runs)
        for name, runs in figures.items()
    }
    save = rate[f"save-{_http_sizes(args)[0]}"]
    labels = {"bare": "bare view (GET)", "write": "minimal write (POST)"}
    for size in _http_sizes(args):
        labels[f"save-{size}"] = f"save and removal, {size} other highlights"
    for name, label in labels.items():
        runs = figures[name]
        table.add(
            label,
            rate[name],
            statistics.median(r["p50"] for r in runs),
            statistics.median(r["p99"] for r in runs),
            sum(r["errors"] for r in runs),
            100 * save / rate[name],
        )
    if any(r["errors"] for runs in figures.values() for r in runs):
        print(f"  http: errors; gunicorn's log is {folder}/gunicorn.log", flush=True)
    else:
        shutil.rmtree(folder)
    table.notes.append(
        f"Targets: the save at least 50% of the minimal write's req/s and at least 10% of the "
        f"bare view's. Over HTTP: gunicorn, {args.http_workers} processes of "
        f"{args.http_threads} threads (gthread), DEBUG off, driven by wrk on the same machine "
        f"({benchlib.cores()} cores) with {connections} connections, one per thread and per "
        f"student; {args.rounds} rounds of {args.http_seconds} s of each kind, interleaved; "
        "req/s and percentiles are medians over the rounds. A save row alternates the htmx "
        "save of two words and the removal of the highlight it made (the passage stays as "
        "it was): its req/s counts both, as the save's rate would be alone if a removal "
        "cost what a save does (in process, a removal takes 80-90% of a save's time). No "
        "compression asked for (wrk reads the new highlight's id from the answer)."
    )
    return table


if __name__ == "__main__":
    benchlib.main(measure, add_arguments)

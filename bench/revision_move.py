"""Time to move a class to a new revision of its lesson, and what the move carries over.

    .venv/bin/python bench/revision_move.py [--sizes 30,200,1000] [--runs 3]

Builds the classes of bench/dashboard.py (the seed lesson, ~15 highlights per student, every
prompt answered), then the author's second revision, made with the editor's own functions
(so that the move follows the editor's record of every character), with the edits authors
make: a sentence
added before the text of passages 2 to 6, a word changed in passage 7, passage 9 split in two
at its last comma, the last clause of passage 10 deleted, a prompt's wording changed, and one
prompt removed. It times the dry run (`plan_move`, what the worker
works out when the teacher asks what moving would do) and the move itself (`assignment_move`,
rolled back after each run), beside the fetch of all the class's work, and prints how many
highlights were re-anchored and how many were kept as unplaced work (and checks, once,
outside the timings, that every moved highlight's quote is the text at its new offsets).

Then (table `revision-page-*`) the teacher's revision page, as a GET finds it once the worker
has worked out the dry run (the plan kept in the cache, `services.plan_cache_store`, and the
page checking that the class's work has not changed since), beside the same class's
dashboard, each through django.test.Client with the teacher logged in (median of --runs
after one warm-up); the target: the revision page no slower than the dashboard.

Databases as in bench/dashboard.py: a temporary SQLite file, or with a postgres://
DATABASE_URL a separate `lens_bench` database created and dropped on that server. bench/run runs
it on both (tables `revision-move-sqlite` and `revision-move-postgresql`).
"""

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import dashboard  # bench/dashboard.py: database set-up and the class builder

DATABASES = ("sqlite", "postgresql")  # bench/run runs it on each
QUICK = ["--sizes", "30,200", "--runs", "3"]  # bench/run --quick


def _revise(lesson, author):
    """The author's second revision of `lesson`, made with the editor, published."""
    from lessons.authoring import services as authoring
    from lessons.library import services as library_services
    from lessons.library.models import Prompt

    draft = library_services.lesson_edit_draft(lesson=lesson, by=author)

    def rewrite(position, body):
        segment = draft.segments.get(position=position)
        keys = list(segment.key_spans.values_list("pk", flat=True))
        authoring.segment_update(segment=segment, title=segment.title, body=body, remove=keys)

    segments = {s.position: s for s in draft.segments.all()}
    for position in range(2, 7):
        rewrite(position, "Read this passage closely. " + segments[position].body)
    # A word fixed: highlights over it cannot be placed.
    rewrite(7, segments[7].body.replace("progressive people", "progressive peoples"))
    tenth = segments[10].body  # the last clause deleted
    rewrite(10, tenth[: tenth.rfind(", ")] + ".")
    ninth = segments[9].body  # split in two at its last comma
    cut = ninth.rfind(", ")
    rewrite(9, ninth[:cut] + ".\n\n" + ninth[cut + 2 :])
    authoring.segment_split(lesson=draft, position=9, paragraph=1)
    prompts = list(Prompt.objects.filter(segment__lesson=draft).order_by("segment", "position"))
    authoring.prompt_update(
        prompt=prompts[1], kind=prompts[1].kind, text=prompts[1].text + " Say why in one sentence."
    )
    authoring.prompt_delete(prompt=prompts[-1])
    return library_services.lesson_publish(lesson=draft)


def _median_ms(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _run(kind: str, sizes: list[int], runs: int, seed: int) -> list[benchlib.Table]:
    import django

    django.setup()
    from django.db import connection, reset_queries, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lessons.insights.services import figures_rebuild
    from lessons.work import selectors as work_selectors
    from lessons.work import services as work_services
    from lessons.work.models import Answer, Highlight, Submission

    lesson, teacher = dashboard.seed_lesson_and_teacher()
    rng = random.Random(seed)
    classes = [(size, *dashboard._build_class(size, lesson, teacher, rng)) for size in sizes]
    newer = _revise(lesson, teacher)
    print(f"Database: {kind} ({connection.vendor})")
    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}, runs={runs}\n")
    table = benchlib.Table(
        f"revision-move-{kind.lower()}",
        [
            "students",
            "highlights",
            "answers",
            "placed",
            "unplaced",
            benchlib.Column("all rows ms", 0),
            benchlib.Column("dry run ms", 0),
            benchlib.Column("move ms", 0),
        ],
    )
    for size, assignment, highlight_count, answer_count in classes:

        def all_rows(assignment=assignment):
            list(Highlight.objects.filter(submission__assignment=assignment).values())
            list(Submission.objects.filter(assignment=assignment).values())
            list(Answer.objects.filter(submission__assignment=assignment).values())

        def dry_run(assignment=assignment):
            return work_selectors.plan_move(assignment, newer)

        def move(assignment=assignment, check=False):
            with transaction.atomic():
                work_services.assignment_move(assignment=assignment, to=newer, by=teacher)
                if check:  # every highlight on its words in the new revision
                    moved = Highlight.objects.filter(submission__assignment=assignment)
                    for h in moved.select_related("segment"):
                        assert h.segment.lesson_id == newer.pk
                        assert h.segment.text[h.start : h.end] == h.quote
                transaction.set_rollback(True)

        plan = dry_run()
        placed = len(plan.highlights)
        unplaced = sum(1 for u in plan.unplaced if u.kind == "highlight")
        assert placed + unplaced == highlight_count, (placed, unplaced, highlight_count)
        move(check=True)
        all_ms, dry_ms, move_ms = (_median_ms(f, runs) for f in (all_rows, dry_run, move))
        table.add(size, highlight_count, answer_count, placed, unplaced, all_ms, dry_ms, move_ms)

    pages = benchlib.Table(
        f"revision-page-{kind.lower()}",
        [
            "students",
            "queries",
            benchlib.Column("revision page ms", 1),
            "dashboard queries",
            benchlib.Column("dashboard ms", 1),
            benchlib.Column("revision page / dashboard", 2),
        ],
    )
    pages.notes.append(
        "The revision page as a GET finds it once the worker has worked out the dry run (the "
        "plan in the cache, the class's work unchanged since), and the dashboard of the same "
        "class, with its figures stored; median of "
        f"{runs} runs after one warm-up each. Target: the revision page no slower than the "
        "dashboard (a ratio of 1 or less)."
    )
    # The runs above rolled back their moves, and the classes were written in bulk: on
    # PostgreSQL, the statistics and dead rows as autovacuum would leave them, else the
    # planner scans whole tables for a class of 30 (6 ms of the revision page's 33).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    client.force_login(teacher)

    def timed_get(url: str) -> tuple[float, int]:
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        get()  # warm-up: caches, connections, compiled templates
        reset_queries()  # as each request does (request_started): the capture counts from 0
        with CaptureQueriesContext(connection) as queries:
            get()
        count = len(queries)  # before the next request empties the log
        return _median_ms(get, runs), count

    for size, assignment, _, _ in classes:
        figures_rebuild(assignment_id=assignment.pk)  # as the writes keep them
        version = work_selectors.work_version(assignment)
        prepared = work_selectors.prepare_move(assignment, newer)
        work_services.plan_cache_store(prepared=prepared, version=version)
        revision_url = reverse("work:assignment_revision", args=[assignment.pk])
        page = client.get(revision_url).content.decode()
        assert 'id="dry-run-heading"' in page, "the cached dry run is not on the page"
        revision_ms, revision_queries = timed_get(revision_url)
        dashboard_ms, dashboard_queries = timed_get(
            reverse("insights:dashboard", args=[assignment.pk])
        )
        pages.add(
            size,
            revision_queries,
            revision_ms,
            dashboard_queries,
            dashboard_ms,
            revision_ms / dashboard_ms,
        )
    return [table, pages]


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", default="30,200,1000", help="class sizes, comma separated")
    parser.add_argument("--runs", type=int, default=3, help="timed runs (median)")
    parser.add_argument("--seed", type=int, default=2017)


def measure(args) -> list[benchlib.Table]:
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    kind, clean_up = benchlib.prepare_database(dashboard.BENCH_DB)
    try:
        return _run(kind, sizes, args.runs, args.seed)
    finally:
        clean_up()


if __name__ == "__main__":
    benchlib.main(measure, add_arguments)

"""Server time of the class dashboard pages, beside the time to simply fetch their rows.

    .venv/bin/python bench/dashboard.py [--sizes 30,200,1000] [--runs 5]

Builds, in a fresh database, classes of the given sizes on the seed lesson with realistic
work: about 15 highlights per student on or near the key's spans (right or wrong technique,
offsets a little off) or elsewhere in the text, and every answerable prompt of the passages
a student reached answered (90% of students have handed in, so they answered them all).
The work is written in bulk, so each student's figures are then stored as the services store
them with every write (`lessons.insights.services.figures_rebuild`).
Then it times each page through django.test.Client (median of --runs, after one warm-up),
beside two plain fetches with .values(): "own rows", exactly the rows that page reads, with
the page's own querysets (segments, techniques, key, enrolled students, submissions with their
stored figures, the highlights of students without stored figures; the highlights for the
highlights export; the answer counts and reviews for the students export), and "all rows",
the issue's baseline: all the class's highlights, submissions, answers and key spans. "KB" is
the size of the page's HTML (or CSV).

Databases: without DATABASE_URL (or with a sqlite URL) a temporary SQLite file that is
migrated and deleted afterwards; with a postgres:// DATABASE_URL, a separate database
`lens_bench` created on that server and dropped afterwards (the one named in the URL is
only used to connect; BENCH_DB names another, for two benchmarks at once). bench/run runs it
on both (bench/benchlib.py: tables `dashboard-sqlite` and `dashboard-postgresql`).
"""

import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

import benchlib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lens.settings")
# WhiteNoise notes that collectstatic has not run; the pages measured load no static file.
warnings.filterwarnings("ignore", message="No directory at")

BENCH_DB = os.environ.get("BENCH_DB", "lens_bench")
DATABASES = ("sqlite", "postgresql")  # bench/run runs it on each
QUICK = ["--sizes", "30,200", "--runs", "3"]  # bench/run --quick
SUBMITTED_SHARE = 0.9
HIGHLIGHTS = (12, 18)  # per student who reached the end


def _build_class(size: int, lesson, teacher, rng: random.Random):
    """A class of `size` students with their work on `lesson`; returns its assignment."""
    from django.utils import timezone

    from core.models import Classroom, Enrollment, User
    from lessons.library.models import CONTEXT_LENGTH, KeySpan, Prompt, Segment
    from lessons.work.models import Answer, Assignment, Highlight, Submission

    classroom = Classroom.objects.create(name=f"Bench {size}", teacher=teacher)
    assignment = Assignment.objects.create(
        classroom=classroom,
        lesson=lesson,
        due_at=timezone.now() - timezone.timedelta(hours=2),
        feedback_release=Assignment.Release.ON_SUBMIT,
    )
    students = User.objects.bulk_create(
        User(
            username=f"bench{size}-{n}",
            display_name=f"Student {n:04d} of {size}",
            role=User.Role.STUDENT,
            password="!",  # unusable: the benchmark logs in with force_login
        )
        for n in range(size)
    )
    Enrollment.objects.bulk_create(Enrollment(classroom=classroom, student=s) for s in students)

    segments = list(Segment.objects.filter(lesson=lesson).order_by("position"))
    last = len(segments)
    keys = list(KeySpan.objects.filter(segment__lesson=lesson).select_related("segment"))
    techniques = list(lesson.taxonomy.techniques.values_list("pk", flat=True))
    prompts = [p for p in Prompt.objects.filter(segment__lesson=lesson).select_related("segment")]
    now = timezone.now()

    submissions = []
    for student in students:
        done = rng.random() < SUBMITTED_SHARE
        reached = last if done else rng.randint(1, last)
        submitted = None
        if done:  # a few hand in late
            submitted = now - timezone.timedelta(hours=rng.choice([1, 3, 5, 8, 30]))
        submissions.append(
            Submission(
                assignment=assignment,
                student=student,
                position=reached,
                reached=reached,
                submitted_at=submitted,
            )
        )
    submissions = Submission.objects.bulk_create(submissions)

    highlights, answers, choices = [], [], []
    for submission in submissions:
        reached = submission.reached
        mine = [k for k in keys if k.segment.position <= reached]
        wanted = round(rng.randint(*HIGHLIGHTS) * reached / last) or 1
        seen = set()
        for _ in range(wanted * 3):
            if len(seen) >= wanted:
                break
            if mine and rng.random() < 0.8:  # on or near a key span
                key = rng.choice(mine)
                segment = key.segment
                start = key.start + rng.choice([0, 0, 0, -4, 3, 6])
                end = key.end + rng.choice([0, 0, 0, 5, -3, -6])
                technique = key.technique_id if rng.random() < 0.65 else rng.choice(techniques)
            else:  # somewhere else in a passage read
                segment = segments[rng.randrange(reached)]
                start = rng.randrange(max(1, len(segment.text) - 20))
                end = start + rng.randint(6, 40)
                technique = rng.choice(techniques)
            text = segment.text
            start, end = max(0, start), min(len(text), end)
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end <= start or (segment.pk, technique, start, end) in seen:
                continue
            seen.add((segment.pk, technique, start, end))
            highlights.append(
                Highlight(
                    submission=submission,
                    segment=segment,
                    technique_id=technique,
                    start=start,
                    end=end,
                    quote=text[start:end],
                    prefix=text[max(0, start - CONTEXT_LENGTH) : start],
                    suffix=text[end : end + CONTEXT_LENGTH],
                    note=rng.choice(["", "", "It makes the enemy sound evil.", "Praise."]),
                )
            )
        for prompt in prompts:
            if not prompt.is_answerable or prompt.segment.position > reached:
                continue
            answer = Answer(submission=submission, prompt=prompt)
            if prompt.kind == Prompt.Kind.TEXT:
                answer.text = "Because it makes the reader feel that everyone agrees. " * 2
            answers.append(answer)
    Highlight.objects.bulk_create(highlights, batch_size=2000)
    answers = Answer.objects.bulk_create(answers, batch_size=2000)
    Through = Answer.techniques.through
    for answer in answers:
        if answer.prompt.kind == Prompt.Kind.CHOOSE:
            for technique in rng.sample(techniques, rng.randint(1, 3)):
                choices.append(Through(answer_id=answer.pk, technique_id=technique))
    Through.objects.bulk_create(choices, batch_size=2000)
    return assignment, len(highlights), len(answers)


def _raw_fetches(assignment):
    """For each page, a function that fetches the rows that page reads, and nothing more:
    the page's own querysets, read with .values() (no model instances, nothing computed)."""
    from django.db.models import Count, Exists, OuterRef, Q, Subquery
    from django.db.models.functions import Coalesce

    from core.models import User
    from lessons.insights.exports import class_reviews
    from lessons.insights.models import FIGURES_VERSION
    from lessons.insights.selectors.dashboard import STUDENTS_PER_PAGE
    from lessons.insights.selectors.figures import THROUGH_SUBMISSION
    from lessons.library.models import KeySpan, Segment
    from lessons.work.models import Answer, Highlight, Submission
    from lessons.work.selectors import with_answered_segments, with_tasks

    lesson = assignment.lesson

    def common(
        submitted_only=False, key=True, figures=True, highlight_columns=(), answers=False,
        answered="all",
    ):  # fmt: skip
        segments = with_tasks(Segment.objects.filter(lesson=lesson)).order_by("position")
        list(segments.values("id", "position", "title", "text", "questions", "highlight_prompts"))
        if key:
            list(lesson.taxonomy.techniques.values())
            list(KeySpan.objects.filter(segment__lesson=lesson).values())
        students = list(
            User.objects.filter(enrollments__classroom=assignment.classroom_id)
            .order_by("display_name", "pk")
            .values("id", "display_name", "username")
        )
        submissions = Submission.objects.filter(assignment=assignment)
        if answered == "all":
            submissions = with_answered_segments(submissions)
        highlights = Highlight.objects.filter(submission__assignment=assignment)
        if submitted_only:
            submissions = submissions.filter(submitted_at__isnull=False)
            highlights = highlights.filter(submission__submitted_at__isnull=False)
        if answers:  # the count of answers with something in them, as the students export
            chosen = Answer.techniques.through.objects.filter(answer=OuterRef("pk"))
            counted = (
                Answer.objects.filter(~Q(text="") | Exists(chosen), submission=OuterRef("pk"))
                .order_by()
                .values("submission")
                .annotate(n=Count("pk"))
                .values("n")
            )
            submissions = submissions.annotate(answer_count=Coalesce(Subquery(counted), 0))
        columns = [f.attname for f in Submission._meta.concrete_fields]
        extra = ["answered_segments"] * (answered == "all") + ["answer_count"] * answers
        stored = (*THROUGH_SUBMISSION, "figures__lesson", "figures__version") if figures else ()
        rows = list(submissions.values(*columns, *extra, *stored))
        if answered == "page":  # the dashboard: for its first page of students only
            page = {s["id"] for s in students[:STUDENTS_PER_PAGE]}
            mine = [row["id"] for row in rows if row["student_id"] in page]
            list(
                with_answered_segments(Submission.objects.filter(pk__in=mine)).values(
                    "pk", "answered_segments"
                )
            )
        if figures:  # only the highlights of students whose figures are not stored
            fresh = (lesson.pk, FIGURES_VERSION)
            stale = [
                r["id"] for r in rows if (r["figures__lesson"], r["figures__version"]) != fresh
            ]
            highlights = highlights.filter(submission__in=stale) if stale else None
        if highlights is not None:
            list(
                highlights.order_by().values(
                    "submission_id",
                    "segment_id",
                    "start",
                    "end",
                    "technique_id",
                    *highlight_columns,
                )
            )

    def students_export():
        common(answers=True, answered=None)
        class_reviews(assignment)
        assignment.classroom.enrollments.count()  # whether the worker makes it

    def highlights_export():
        common(figures=False, highlight_columns=("quote", "note", "created_at", "updated_at", "id"))
        assignment.classroom.enrollments.count()
        Highlight.objects.filter(submission__assignment=assignment).count()

    def all_work():
        """The issue's baseline, the same for every page: all the class's highlights,
        submissions, answers and key spans."""
        list(Highlight.objects.filter(submission__assignment=assignment).values())
        list(Submission.objects.filter(assignment=assignment).values())
        list(Answer.objects.filter(submission__assignment=assignment).values())
        list(KeySpan.objects.filter(segment__lesson=lesson).values())

    return all_work, {
        "dashboard": lambda: common(answered="page"),
        "export_students": students_export,
        "export_highlights": highlights_export,
        "class_map": lambda: common(submitted_only=True, key=False, answered=None),
    }


def _median_ms(function, runs: int) -> float:
    function()  # warm-up: caches, connections, compiled templates
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", default="30,200,1000", help="class sizes, comma separated")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page (median)")
    parser.add_argument("--seed", type=int, default=2017)


def seed_lesson_and_teacher():
    """After `django.setup()`: the database migrated, the test client allowed in over plain
    HTTP, an approved teacher and the seed lesson, imported as theirs (so that they may edit
    it into a new revision), to give to their classes (the set-up this benchmark,
    `review.py` and `revision_move.py` share)."""
    from django.conf import settings
    from django.core.management import call_command

    from core.models import User
    from lessons.library.lessonfile import parse_lesson
    from lessons.library.services import lesson_import

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain HTTP
    call_command("migrate", verbosity=0)
    teacher = User.objects.create(
        username="bench-teacher",
        display_name="Bench Teacher",
        role=User.Role.TEACHER,
        status=User.Status.APPROVED,  # approved teachers read their classes' dashboards
        email_verified=True,
    )
    seed_file = ROOT / "lessons/library/seed/solidarity-resolution-2017.md"
    lesson = lesson_import(data=parse_lesson(seed_file.read_text("utf-8")), created_by=teacher)
    return lesson, teacher


def measure(args) -> list[benchlib.Table]:
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    kind, clean_up = benchlib.prepare_database(BENCH_DB)
    try:
        return [_run(kind, sizes, args.runs, args.seed)]
    finally:
        clean_up()


def _run(kind: str, sizes: list[int], runs: int, seed: int) -> benchlib.Table:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from lessons.insights.services import figures_rebuild
    from lessons.work.models import Submission

    lesson, teacher = seed_lesson_and_teacher()
    rng = random.Random(seed)
    print(f"Database: {kind} ({connection.vendor} {connection.Database.__name__})")
    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}, runs={runs}\n")
    table = benchlib.Table(
        f"dashboard-{kind.lower()}",
        [
            "students",
            "page",
            "queries",
            benchlib.Column("median ms", 1),
            benchlib.Column("own rows ms", 1),
            benchlib.Column("ratio", 1),
            benchlib.Column("all rows ms", 1),
            benchlib.Column("ratio", 1),
            benchlib.Column("KB", 0),
        ],
        keys=2,
    )
    built_notes = []
    for size in sizes:
        start = time.perf_counter()
        assignment, highlight_count, answer_count = _build_class(size, lesson, teacher, rng)
        built = time.perf_counter() - start
        # The work was written in bulk, past the services: store each student's figures, as
        # the services do with every write (and `manage.py rebuild_figures` for old work).
        start = time.perf_counter()
        figures_rebuild(assignment_id=assignment.pk)
        stored = time.perf_counter() - start
        student = (
            Submission.objects.filter(assignment=assignment, submitted_at__isnull=False)
            .select_related("student")
            .first()
            .student
        )
        teacher_client, student_client = Client(), Client()
        teacher_client.force_login(teacher)
        student_client.force_login(student)
        all_work, raw = _raw_fetches(assignment)
        all_ms = _median_ms(all_work, runs)
        for page in ("dashboard", "export_students", "export_highlights", "class_map"):
            client = student_client if page == "class_map" else teacher_client
            url = reverse(f"insights:{page}", args=[assignment.pk])

            # The exports download on a POST (their buttons; it is logged); a GET goes back to
            # the dashboard.
            method = "post" if page.startswith("export_") else "get"

            def get(client=client, url=url, method=method):
                response = getattr(client, method)(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            page_ms = _median_ms(get, runs)
            raw_ms = _median_ms(raw[page], runs)
            with CaptureQueriesContext(connection) as queries:
                response = get()
            table.add(
                size,
                page,
                len(queries),
                page_ms,
                raw_ms,
                page_ms / raw_ms,
                all_ms,
                page_ms / all_ms,
                len(response.content) / 1024,
            )
        print(
            f"  ({highlight_count} highlights, {answer_count} answers; built in {built:.1f} s, "
            f"figures stored in {stored:.2f} s)"
        )
        built_notes.append(f"{size:,}: {highlight_count:,} highlights, {answer_count:,} answers")
    table.notes.append(f"(Students: {'; '.join(built_notes)}.)")
    return table


if __name__ == "__main__":
    benchlib.main(measure, add_arguments)

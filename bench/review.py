"""Server time and size of the review pages (the review queue, review by question), beside
the time to simply fetch their rows.

    .venv/bin/python bench/review.py [--sizes 500] [--runs 5]

Builds the classes of bench/dashboard.py (the seed lesson: 36 answerable questions; 90% of
the students handed in and answered every one, and nothing is reviewed yet, so every answer
waits in the queue), then times through django.test.Client, as the class's teacher (median
of --runs, after one warm-up): the review queue, named and blind, and review by question for
a written question and a chosen one (their first page). Beside each, "own rows": the rows the
page reads, fetched with the page's own querysets and .values() (no model instances, nothing
computed, no HTML); "KB" is the size of the page's HTML.

Databases as in bench/dashboard.py: a temporary SQLite file, or with a postgres://
DATABASE_URL a separate `lens_bench` database (BENCH_DB names another) created and dropped on
that server. bench/run runs it on both (tables `review-sqlite` and `review-postgresql`).
"""

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchlib
import dashboard  # bench/dashboard.py: database set-up, the class builder, timing

DATABASES = ("sqlite", "postgresql")  # bench/run runs it on each
QUICK = ["--sizes", "100", "--runs", "3"]  # bench/run --quick


def _raw_fetches(assignment, text_prompt, choose_prompt):
    """For each page, a function that fetches the rows it reads, with the page's querysets."""
    from django.db.models import Exists, OuterRef, Q

    from core.models import User
    from lessons.insights.selectors import review
    from lessons.work.models import Answer, Review

    roster = User.objects.filter(enrollments__classroom=assignment.classroom_id).order_by(
        "display_name", "pk"
    )

    def queue(blind):
        review.lesson_prompts(assignment)  # a few dozen rows, as the page reads them
        review.lesson_keys(assignment)
        list(
            review.enrolled_submissions(assignment)
            .order_by("pk")
            .values_list(
                "pk", "student_id", "student__display_name", "submitted_at", "extended_due_at"
            )
        )
        chosen = Exists(Answer.techniques.through.objects.filter(answer=OuterRef("pk")))
        reviewed = Exists(
            Review.objects.filter(
                submission=OuterRef("submission"),
                prompt=OuterRef("prompt"),
                reviewed_at__isnull=False,
            )
        )
        list(
            Answer.objects.filter(
                submission__assignment=assignment,
                submission__submitted_at__isnull=False,
                prompt__segment__lesson=assignment.lesson_id,
                prompt__kind__in=review.ANSWERABLE,
            )
            .annotate(chosen=chosen, reviewed=reviewed)
            .filter(Q(chosen=True) | ~Q(text=""), reviewed=False)
            .values_list("submission_id", "prompt_id")
        )
        if not blind:
            list(roster.values_list("pk", flat=True))

    def by_question(prompt):
        review.lesson_prompts(assignment)
        list(roster.values_list("pk", "display_name", "username"))
        answers = Answer.objects.filter(prompt=prompt, submission=OuterRef("pk"))
        said = (
            answers.filter(Exists(Answer.techniques.through.objects.filter(answer=OuterRef("pk"))))
            if prompt.kind == "choose"
            else answers.exclude(text="")
        )
        reviewed = Review.objects.filter(
            submission=OuterRef("pk"), prompt=prompt, reviewed_at__isnull=False
        )
        submissions = list(
            review.enrolled_submissions(assignment)
            .annotate(said=Exists(said), reviewed=Exists(reviewed))
            .values_list("pk", "student_id", "submitted_at", "extended_due_at", "said", "reviewed")
        )
        first = [row[0] for row in submissions[: review.STUDENTS_PER_PAGE]]
        list(Answer.objects.filter(prompt=prompt, submission__in=first).values())
        if prompt.kind == "choose":  # the techniques chosen, with their names
            list(
                Answer.techniques.through.objects.filter(
                    answer__prompt=prompt, answer__submission__in=first
                ).values("answer_id", "technique_id", "technique__name")
            )
        list(Review.objects.filter(prompt=prompt, submission__in=first).values())

    return {
        "queue": lambda: queue(False),
        "queue, blind": lambda: queue(True),
        "by question (written)": lambda: by_question(text_prompt),
        "by question (chosen)": lambda: by_question(choose_prompt),
    }


def add_arguments(parser) -> None:
    parser.add_argument("--sizes", default="500", help="class sizes, comma separated")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page (median)")
    parser.add_argument("--seed", type=int, default=2017)


def measure(args) -> list[benchlib.Table]:
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    kind, clean_up = benchlib.prepare_database(dashboard.BENCH_DB)
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

    from lessons.library.models import Prompt

    lesson, teacher = dashboard.seed_lesson_and_teacher()
    prompts = Prompt.objects.filter(segment__lesson=lesson).order_by(
        "segment__position", "position"
    )
    text_prompt = prompts.filter(kind=Prompt.Kind.TEXT).first()
    choose_prompt = prompts.filter(kind=Prompt.Kind.CHOOSE).first()
    rng = random.Random(seed)
    print(f"Database: {kind} ({connection.vendor} {connection.Database.__name__})")
    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}, runs={runs}\n")
    table = benchlib.Table(
        f"review-{kind.lower()}",
        [
            "students",
            "page",
            "queries",
            benchlib.Column("median ms", 1),
            benchlib.Column("own rows ms", 1),
            benchlib.Column("ratio", 1),
            benchlib.Column("KB", 0),
        ],
        keys=2,
    )
    notes = []
    for size in sizes:
        start = time.perf_counter()
        assignment, highlight_count, answer_count = dashboard._build_class(
            size, lesson, teacher, rng
        )
        built = time.perf_counter() - start
        client = Client()
        client.force_login(teacher)
        raw = _raw_fetches(assignment, text_prompt, choose_prompt)
        question = "insights:review_prompt"
        urls = {
            "queue": reverse("insights:review_queue", args=[assignment.pk]),
            "queue, blind": reverse("insights:review_queue", args=[assignment.pk]) + "?blind=1",
            "by question (written)": reverse(question, args=[assignment.pk, text_prompt.pk]),
            "by question (chosen)": reverse(question, args=[assignment.pk, choose_prompt.pk]),
        }
        for page, url in urls.items():

            def get(client=client, url=url):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
                return response

            page_ms = dashboard._median_ms(get, runs)
            raw_ms = dashboard._median_ms(raw[page], runs)
            with CaptureQueriesContext(connection) as queries:
                response = get()
            table.add(
                size,
                page,
                len(queries),
                page_ms,
                raw_ms,
                page_ms / raw_ms,
                len(response.content) / 1024,
            )
        print(f"  ({highlight_count} highlights, {answer_count} answers; built in {built:.1f} s)")
        notes.append(f"{size:,}: {answer_count:,} answers, none reviewed")
    table.notes.append(f"(Students: {'; '.join(notes)}.)")
    return table


if __name__ == "__main__":
    benchlib.main(measure, add_arguments)

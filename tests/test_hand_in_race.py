"""Nothing is saved after the hand-in (issue 10, item 4): students each fire, at the same
moment, a hand-in, an autosave of an answer and a new highlight, each request in a thread of
its own with its own database connection, through the student's pages.

Every write acknowledged with a success response is stored and is not later than the hand-in
(so it is part of the work handed in); every write refused (409, "You have already handed
this lesson in") changed nothing. Half the students have saved an answer before (their
submission exists); the other half have written nothing, so their requests also race to
create the submission. Every third student hands in twice at once (a double click): one
hand-in is acknowledged, the other answers "Already handed in" and changes nothing.

On PostgreSQL the requests overlap for real. SQLite's in-memory test database (shared cache)
fails at once, rather than waits, when two connections write, which no deployment on SQLite
does: for this test the database is copied into a file, as in production, where each
connection waits for SQLite's write lock. Both runs take the same requests and assertions.

Before it, the same without threads: a write whose page was read before the hand-in, made
after it, is refused; a student's first write creates the submission, and one refused
leaves none."""

import contextlib
import sqlite3
import tempfile
import threading
import traceback
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.refusals import Refusal
from lessons.library.anchoring import locate
from lessons.work import selectors, services
from lessons.work.models import Answer, Highlight, Submission

from . import factories

STUDENTS = 60
AT_ONCE = 12  # students whose requests start together: 40 connections (PostgreSQL allows 100)
HANDED_IN = "You have already handed this lesson in"


def _refused(call, message: str = HANDED_IN) -> None:
    with pytest.raises(Refusal) as refused:
        call()
    assert refused.value.status == 409
    assert message in refused.value.message


def test_a_write_read_before_the_hand_in_and_made_after_it_is_refused(world):
    assignment = world.assignment
    highlight = factories.make_highlight(assignment, world.sam, "glorious leader")
    prompt = factories.prompt_of(assignment, 1, "text")
    factories.make_answer(assignment, world.sam, prompt, "Before.")
    stale = Highlight.objects.select_related("submission__assignment", "segment").get()
    submission = stale.submission  # as the student's page read it: not handed in
    services.submission_submit(
        submission=Submission.objects.select_related("assignment").get(pk=submission.pk)
    )
    assert not submission.is_submitted
    segment, doubt = stale.segment, assignment.lesson.taxonomy.techniques.get(code="Doubt")
    rows = list(Highlight.objects.values()), list(Answer.objects.values())

    _refused(
        lambda: services.highlight_create(
            submission=submission,
            segment=segment,
            technique=doubt,
            anchor=locate(segment.text, "always fail"),
        )
    )
    _refused(lambda: services.highlight_update(highlight=stale, technique=doubt, note="After."))
    _refused(lambda: services.highlight_delete(highlight=stale))
    _refused(
        lambda: services.answers_save(
            submission=submission, texts={prompt: "After."}, choices={}, position=2
        )
    )

    assert (list(Highlight.objects.values()), list(Answer.objects.values())) == rows
    assert submission.is_submitted  # read again inside the lock
    assert not services.submission_submit(submission=submission)  # a double submit
    assert Highlight.objects.get().pk == highlight.pk


def test_the_first_write_creates_the_submission_and_one_refused_leaves_none(world):
    assignment = world.assignment
    segment = assignment.lesson.segments.get(position=1)
    loaded = assignment.lesson.taxonomy.techniques.get(code="Loaded_Language")
    unsaved = selectors.submission_of(assignment, world.sam)
    assert unsaved.pk is None
    assignment.due_at, assignment.accept_late = timezone.now() - timedelta(minutes=5), False
    assignment.save(update_fields=["due_at", "accept_late"])  # past due, no late work

    _refused(
        lambda: services.highlight_create(
            submission=unsaved,
            segment=segment,
            technique=loaded,
            anchor=locate(segment.text, "glorious leader"),
        ),
        "The due date has passed",
    )
    assert unsaved.pk is None
    assert not Submission.objects.filter(student=world.sam).exists()

    assignment.accept_late = True
    assignment.save(update_fields=["accept_late"])
    highlight = services.highlight_create(
        submission=unsaved,
        segment=segment,
        technique=loaded,
        anchor=locate(segment.text, "glorious leader"),
    )
    assert highlight.submission == Submission.objects.get(student=world.sam) == unsaved
    assert (unsaved.position, unsaved.reached, unsaved.is_submitted) == (1, 1, False)


@pytest.fixture
def database_for_threads(transactional_db):
    """PostgreSQL: the test database. SQLite: a copy of it in a file, for every connection
    (this thread's and the request threads'), then back to the in-memory one."""
    if connection.vendor != "sqlite":
        yield
        return
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "threads.sqlite3"
        connection.ensure_connection()
        with contextlib.closing(sqlite3.connect(path)) as copy:
            connection.connection.backup(copy)
        in_memory, settings_dict = (
            connections[DEFAULT_DB_ALIAS],
            connections.settings[DEFAULT_DB_ALIAS],
        )
        # New threads make their connection from these settings. A write waits for the
        # write lock up to `timeout` seconds (5 by default): longer, on a loaded machine.
        options = {**settings_dict.get("OPTIONS", {}), "timeout": 60}
        connections.settings[DEFAULT_DB_ALIAS] = {
            **settings_dict,
            "NAME": str(path),
            "OPTIONS": options,
        }
        connections[DEFAULT_DB_ALIAS] = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            yield
        finally:
            connections[DEFAULT_DB_ALIAS].close()
            connections[DEFAULT_DB_ALIAS] = in_memory
            connections.settings[DEFAULT_DB_ALIAS] = settings_dict


@dataclass
class Student:
    n: int
    pk: int
    clients: list[Client]  # one per request, all signed in as the student
    answered_before: bool


def _signed_in(student, count: int) -> list[Client]:
    first = Client()
    first.force_login(student)
    session = first.cookies[settings.SESSION_COOKIE_NAME].value
    others = [Client() for _ in range(count - 1)]
    for client in others:
        client.cookies[settings.SESSION_COOKIE_NAME] = session
    return [first, *others]


def _request(barrier, client, url, data, headers, results, key, errors):
    try:
        barrier.wait(timeout=120)
        response = client.post(url, data, headers=headers)
        results[key] = (response.status_code, response.content.decode())
    except BaseException:  # reported by the test, in the main thread
        errors.append(traceback.format_exc())
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_write_racing_the_hand_in_is_handed_in_with_it_or_refused(database_for_threads):
    teacher = factories.make_teacher("Tess Teacher")
    classroom = factories.make_classroom(teacher, "Class R")
    assignment = factories.make_assignment(classroom)
    prompt = factories.prompt_of(assignment, 1, "text")
    technique = assignment.lesson.taxonomy.techniques.get(code="Loaded_Language")
    students = []
    for n in range(STUDENTS):
        student = factories.make_student(f"Student {n}", classroom)
        if answered_before := n % 2 == 0:
            factories.make_answer(assignment, student, prompt, "Before.")
        students.append(Student(n, student.pk, _signed_in(student, 4), answered_before))
    before = {
        a.submission.student_id: a.updated_at
        for a in Answer.objects.select_related("submission").filter(prompt=prompt)
    }
    submit_url = reverse("work:submit", args=[assignment.pk])
    answers_url = reverse("work:answers_save", args=[assignment.pk, 1])
    highlight_url = reverse("work:highlight_add", args=[assignment.pk, 1])

    results: dict[tuple[int, str], tuple[int, str]] = {}
    errors: list[str] = []
    for first in range(0, STUDENTS, AT_ONCE):
        batch = students[first : first + AT_ONCE]
        requests = []
        for s in batch:
            hand_in, autosave, highlight, again = s.clients
            requests += [
                ((s.n, "hand-in"), hand_in, submit_url, {}, {}),
                (
                    (s.n, "autosave"),
                    autosave,
                    answers_url,
                    {"answers": "1", f"prompt-{prompt.pk}": f"After {s.n}."},
                    {"HX-Request": "true"},
                ),
                (
                    (s.n, "highlight"),
                    highlight,
                    highlight_url,
                    {"quote": "glorious leader", "technique": technique.pk, "note": f"{s.n}"},
                    {},
                ),
            ]
            if s.n % 3 == 0:  # a double click on "Hand in my work"
                requests.append(((s.n, "hand-in again"), again, submit_url, {}, {}))
        barrier = threading.Barrier(len(requests))
        threads = [
            threading.Thread(
                target=_request, args=(barrier, client, url, data, headers, results, key, errors)
            )
            for key, client, url, data, headers in requests
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    assert not errors, errors[0]

    submissions = {s.student_id: s for s in Submission.objects.filter(assignment=assignment)}
    answers = {a.submission.student_id: a for a in Answer.objects.select_related("submission")}
    highlights = {
        h.submission.student_id: h for h in Highlight.objects.select_related("submission")
    }
    problems: list[str] = []
    tally = {"autosave": {"saved": 0, "refused": 0}, "highlight": {"saved": 0, "refused": 0}}
    for s in students:
        submission = submissions.get(s.pk)
        handed_in = submission.submitted_at if submission else None
        statuses = [results[(s.n, "hand-in")][0]]
        if s.n % 3 == 0:  # of two hand-ins, one hands in and the other changes nothing
            status, page = results[(s.n, "hand-in again")]
            statuses.append(status)
            if status == 409 and "Already handed in" not in page:
                problems.append(f"student {s.n}: a second hand-in answered: {page[:300]}")
        if sorted(statuses) not in ([302], [302, 409]) or handed_in is None:
            problems.append(f"student {s.n}: hand-ins answered {statuses}, handed in {handed_in}")
            continue

        status, page = results[(s.n, "autosave")]
        answer = answers.get(s.pk)
        if status == 200 and "Saved at" in page:  # acknowledged: stored, not after the hand-in
            tally["autosave"]["saved"] += 1
            if answer is None or answer.text != f"After {s.n}.":
                problems.append(f"student {s.n}: an autosave acknowledged was not stored")
            elif answer.updated_at > handed_in:
                late = (answer.updated_at - handed_in).total_seconds() * 1000
                problems.append(f"student {s.n}: an autosave saved {late:.0f} ms after hand-in")
        elif status == 409 and HANDED_IN in page.replace("&#x27;", "'"):  # refused: no change
            tally["autosave"]["refused"] += 1
            unchanged = ("Before.", before[s.pk]) if s.answered_before else None
            if (answer and (answer.text, answer.updated_at)) != unchanged:
                problems.append(f"student {s.n}: an autosave refused changed the answer")
        else:
            problems.append(f"student {s.n}: the autosave answered {status}: {page[:300]}")

        status, page = results[(s.n, "highlight")]
        highlight = highlights.get(s.pk)
        if status == 302:  # acknowledged: stored, not after the hand-in
            tally["highlight"]["saved"] += 1
            if highlight is None or highlight.note != f"{s.n}":
                problems.append(f"student {s.n}: a highlight acknowledged was not stored")
            elif max(highlight.created_at, highlight.updated_at) > handed_in:
                late = (highlight.created_at - handed_in).total_seconds() * 1000
                problems.append(f"student {s.n}: a highlight saved {late:.0f} ms after hand-in")
        elif status == 409 and HANDED_IN in page.replace("&#x27;", "'"):  # refused: no change
            tally["highlight"]["refused"] += 1
            if highlight is not None:
                problems.append(f"student {s.n}: a highlight refused was stored")
        else:
            problems.append(f"student {s.n}: the highlight answered {status}: {page[:300]}")

    # And nowhere in the work: no answer or highlight later than its hand-in.
    for model in (Answer, Highlight):
        late = model.objects.filter(updated_at__gt=F("submission__submitted_at")).count()
        if late:
            problems.append(f"{late} {model._meta.verbose_name_plural} later than the hand-in")
    assert not problems, f"{len(problems)} problems ({tally}):\n" + "\n".join(problems)
    print(f"{connection.vendor}: {tally}")  # how the races went (pytest -s shows it)

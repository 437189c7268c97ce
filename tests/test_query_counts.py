"""Every page runs the same number of queries for a class of 3 as for a class of 30."""

import copy
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lessons.work import services as lesson_services
from lessons.work.models import Highlight

from . import factories
from .conftest import shared, shared_fixture
from .html import select, text

# The counts measured for these pages (session and user included); a page may get cheaper,
# never dearer without a reason.
MAX_QUERIES = {
    "teacher_home": 3,
    "teacher_class": 7,
    "student_work": 13,  # with the one INSERT that records the view in the audit log
    "student_home": 5,
    "student_class": 6,
    "assignment": 5,
    "segment": 11,
    "submit": 8,
}

PAGES = {
    "teacher_home": ("alice", lambda w: reverse("work:home")),
    "teacher_class": ("alice", lambda w: reverse("work:classroom", args=[w.class_a.pk])),
    "student_work": (
        "alice",
        lambda w: reverse("insights:student_work", args=[w.assignment.pk, w.sam.pk]),
    ),
    "student_home": ("sam", lambda w: reverse("work:home")),
    "student_class": ("sam", lambda w: reverse("work:classroom", args=[w.class_a.pk])),
    "assignment": ("sam", lambda w: reverse("work:assignment", args=[w.assignment.pk])),
    "segment": ("sam", lambda w: reverse("work:segment", args=[w.assignment.pk, 1])),
    "submit": ("sam", lambda w: reverse("work:submit", args=[w.assignment.pk])),
}


def _do_some_work(assignment, student, *, submit=False):
    factories.make_highlight(assignment, student, "glorious leader", note="Praise.")
    factories.make_highlight(assignment, student, "traitors", "Name_Calling,Labeling", occurrence=1)
    factories.make_highlight(assignment, student, "traitors", "Repetition", occurrence=2)
    factories.make_highlight(assignment, student, "Everyone", "Doubt", position=2)
    factories.make_answer(assignment, student, factories.prompt_of(assignment, 1, "text"), "Them.")
    factories.make_answer(
        assignment,
        student,
        factories.prompt_of(assignment, 1, "choose"),
        technique_codes=("Doubt", "Loaded_Language"),
    )
    factories.make_answer(assignment, student, factories.prompt_of(assignment, 2, "text"), "No.")
    submission = lesson_services.submission_for(assignment=assignment, student=student)
    lesson_services.submission_move(submission=submission, position=2)
    if submit:
        lesson_services.submission_submit(submission=submission)


def _grow_class(world, size):
    """Class A (two lessons assigned) reaches `size` students, all with some work; every
    third hands the first lesson in."""

    def work(student, n):
        _do_some_work(world.assignment, student, submit=n % 3 == 0)
        _do_some_work(world.second_assignment, student)

    factories.grow_class(world.class_a, size, work, kind=lambda n: n % 3 == 0)


@shared_fixture
def _second_assignment(request, _world):
    """Class A gets a second lesson, and Sam and two more students do some work on both."""

    def build():
        grown = copy.copy(_world)
        grown.second_assignment = factories.make_assignment(grown.class_a)
        _do_some_work(grown.assignment, grown.sam)
        _do_some_work(grown.second_assignment, grown.sam)
        _grow_class(grown, 3)
        return grown.second_assignment

    return shared(request, build)


@pytest.fixture
def class_world(world, _second_assignment):
    world.second_assignment = copy.deepcopy(_second_assignment)
    return world


def _count(client, url) -> int:
    client.get(url)  # the first visit fills caches (reading a page writes nothing)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.mark.parametrize("page", list(PAGES))
def test_a_page_runs_as_many_queries_for_30_students_as_for_3(
    client, class_world, django_assert_max_num_queries, page
):
    persona, url = PAGES[page]
    client.force_login(getattr(class_world, persona))
    url = url(class_world)

    _grow_class(class_world, 3)
    small = _count(client, url)
    _grow_class(class_world, 30)
    large = _count(client, url)

    assert class_world.class_a.enrollments.count() == 30
    assert large == small
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        client.get(url)


def test_the_class_page_shows_all_30_students_work(client, class_world):
    _grow_class(class_world, 30)
    client.force_login(class_world.alice)

    page = client.get(reverse("work:classroom", args=[class_world.class_a.pk])).content.decode()

    assert text(page, "#roster-heading") == "Students (30)"
    progress = [tag.get_text() for tag in select(page, "#roster-heading ~ * .progress-text")]
    assert progress == ["2 of 2 passages done; 4 highlights"] * 60
    assert page.count("Handed in") == 9


@pytest.mark.parametrize("page", ["teacher_home", "teacher_class", "student_home", "student_class"])
def test_a_page_runs_as_many_queries_for_6_lessons_as_for_2(client, class_world, page):
    _grow_class(class_world, 3)
    persona, url = PAGES[page]
    client.force_login(getattr(class_world, persona))
    url = url(class_world)
    few = _count(client, url)

    sam, *others = [e.student for e in class_world.class_a.enrollments.select_related("student")]
    for _ in range(4):
        assignment = factories.make_assignment(class_world.class_a)
        _do_some_work(assignment, sam)
        factories.copy_work(sam, others, [assignment])
    many = _count(client, url)

    assert many == few <= MAX_QUERIES[page]


# The student's highlight save answers with only what changed (lessons/work/views/exercise.py):
# its queries and its size do not grow with the highlights already in the passage, but for the
# marks in the piece of the text its words are in (lessons/library/rendering.py, "pieces").
# The first passage is two pieces: "Our glorious leader 😀 says the traitors will fail. " and
# "The traitors always fail."

ELSEWHERE = ("Our", "glorious leader", "says", "will fail")  # not in the piece of "always fail"
# In the piece of "always fail", before it in the list (a quote, and which time it appears).
NEARBY: tuple[tuple[str, int | None], ...] = (
    ("The", None),
    ("traitors", 2),
    ("The traitors", None),
    ("always", None),
    ("traitors always", None),
)
PIECE = re.compile(r'(<span id="words-[^"]*" data-hx-swap-oob="innerHTML">)(.*)(</span>)')


def _save(client, world, technique):
    url = reverse("work:highlight_add", args=[world.assignment.pk, 1])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            url, {"quote": "always fail", "technique": technique.pk}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def _begin(client, world, technique):
    """Sam has begun: a first highlight saved and removed (the first save in a process also
    reads the revision's key, a query more, once: `insights.services._published_key`)."""
    lesson_services.submission_for(assignment=world.assignment, student=world.sam)
    _save(client, world, technique)
    Highlight.objects.filter(quote="always fail").delete()


def _numbers_as_0(html: str) -> str:
    """The answer with its numbers (ids, the count) as 0."""
    return re.sub(r"\d+", "0", html)


def _without_the_text(html: str) -> str:
    """The answer without the marked text of its pieces (one a line), numbers as 0."""
    return _numbers_as_0(PIECE.sub(r"\1\3", html))


def _elsewhere(world, count, start=0):
    """`count` highlights on other words of the first passage, with a technique each."""
    techniques = list(world.assignment.lesson.taxonomy.techniques.values_list("code", flat=True))
    for n in range(start, start + count):
        quote, code = ELSEWHERE[n % len(ELSEWHERE)], techniques[n // len(ELSEWHERE)]
        factories.make_highlight(world.assignment, world.sam, quote, code)


def _nearby(world, count):
    """`count` highlights on other words of the piece of "always fail"."""
    techniques = list(world.assignment.lesson.taxonomy.techniques.values_list("code", flat=True))
    for n in range(count):
        (quote, occurrence), code = NEARBY[n % len(NEARBY)], techniques[n // len(NEARBY)]
        factories.make_highlight(world.assignment, world.sam, quote, code, occurrence=occurrence)


def test_a_save_runs_the_same_queries_and_answers_the_same_with_30_highlights_elsewhere(
    client, world
):
    client.force_login(world.sam)
    doubt = world.assignment.lesson.taxonomy.techniques.get(code="Doubt")
    _begin(client, world, doubt)

    alone, alone_queries = _save(client, world, doubt)
    Highlight.objects.filter(quote="always fail").delete()
    _elsewhere(world, 30)
    crowded, crowded_queries = _save(client, world, doubt)

    assert crowded_queries == alone_queries
    # The same answer but for its numbers: the others are in the other piece of the text,
    # which the answer leaves as it is; no item, form or technique list of theirs.
    assert _numbers_as_0(crowded) == _numbers_as_0(alone)
    assert len(select(crowded, "mark")) == 1
    assert text(crowded, "#highlight-count") == "31"


def test_a_save_next_to_30_highlights_grows_only_by_their_marks(client, world):
    client.force_login(world.sam)
    doubt = world.assignment.lesson.taxonomy.techniques.get(code="Doubt")
    _begin(client, world, doubt)

    alone, alone_queries = _save(client, world, doubt)
    Highlight.objects.filter(quote="always fail").delete()
    _nearby(world, 30)
    crowded, crowded_queries = _save(client, world, doubt)

    assert crowded_queries == alone_queries
    assert _without_the_text(crowded) == _without_the_text(alone)
    assert len(select(crowded, "mark.hl-depth-1")) > 1
    assert len(select(alone, "mark")) == 1
    assert text(crowded, "#highlight-count") == "31"


def test_the_passage_page_runs_the_same_queries_with_30_highlights_as_with_1(client, world):
    client.force_login(world.sam)
    url = reverse("work:segment", args=[world.assignment.pk, 1])
    _elsewhere(world, 1)
    one = _count(client, url)

    _elsewhere(world, 29, start=1)
    thirty = _count(client, url)

    assert thirty == one <= MAX_QUERIES["segment"]


# The save's queries, session and user included: the assignment read with the passage, the
# student's work and the technique posted (one query, in SQL written for it: as a Django query
# it took 1.1 ms of CPU to build, lessons/work/selectors.py, `exercise_of`); in its
# transaction, the class's work and the submission locked, the highlight stored, and the
# student's figures read and stored (lessons/insights/services.py, `figures_update`: three
# queries, and a fourth the first time a process meets the revision, to read its key); then
# the marked text that answers (one query: `marked_text`, the highlights on the pieces of the
# text drawn again, the count and the item after the new one). Seventeen before issue 12's
# work, fifteen with Django's queries for the reads.
SAVE_QUERIES = 13


def test_a_save_asks_the_database_no_more_than_it_needs(client, world):
    client.force_login(world.sam)
    doubt = world.assignment.lesson.taxonomy.techniques.get(code="Doubt")
    _begin(client, world, doubt)
    client.get(reverse("work:segment", args=[world.assignment.pk, 1]))

    with CaptureQueriesContext(connection) as queries:
        _save(client, world, doubt)

    asked = "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert len(queries.captured_queries) <= SAVE_QUERIES, asked

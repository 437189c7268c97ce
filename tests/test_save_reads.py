"""The exercise's reads in SQL written for them (lessons/work/selectors.py, `exercise_of` and
`marked_text`; the submission's lock, lessons/work/services.py): they read what Django's own
queries read, and nothing of anyone else's."""

from datetime import timedelta

import pytest
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone

from lessons.library.models import Technique
from lessons.work import selectors, services
from lessons.work.models import Assignment, Highlight

from . import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


def _fields(instance: Model) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def _as_django_reads_it(instance: Model) -> None:
    """`instance` has every column's value as Django's own query gives it (a date with its
    time zone, a boolean, a UUID, JSON), and is known as saved in the database."""
    again = type(instance)._default_manager.get(pk=instance.pk)
    assert _fields(instance) == _fields(again)
    assert (instance._state.adding, instance._state.db) == (False, "default")


@pytest.fixture
def begun(world):
    """Sam's highlight with a note, on a lesson due tomorrow that takes no late work."""
    Assignment.objects.filter(pk=world.assignment.pk).update(
        opens_at=timezone.now() - timedelta(days=1),
        due_at=timezone.now() + timedelta(days=1),
        accept_late=False,
    )
    return factories.make_highlight(
        world.assignment, world.sam, "traitors", occurrence=2, note="Twice."
    )


def test_the_exercise_is_read_as_django_reads_it(world, begun, django_assert_num_queries):
    technique = begun.technique
    with django_assert_num_queries(1):
        read = selectors.exercise_of(
            world.sam,
            world.assignment.pk,
            position=1,
            technique=technique.pk,
            highlight=begun.pk,
        )

    assert read is not None
    lesson = read.assignment.lesson
    for instance in (
        read.assignment,
        lesson,
        lesson.taxonomy,
        read.assignment.classroom,
        read.submission,
        read.segment,
        read.technique,
        read.highlight,
        read.highlight.segment,
        read.highlight.technique,
    ):
        _as_django_reads_it(instance)
    assert read.assignment.accept_late is False
    assert read.segment.position == 1 and read.technique == technique
    assert read.highlight == begun
    with django_assert_num_queries(0):  # what the exercise goes on to use comes with it
        assert read.submission.assignment is read.assignment
        assert read.submission.student == world.sam
        assert read.segment.lesson is lesson
        assert read.highlight.submission is read.submission
        assert read.highlight.segment.lesson is lesson
        assert read.highlight.technique.display_name == "Loaded language"


def test_a_student_who_has_not_begun_has_no_submission_yet(world):
    read = selectors.exercise_of(world.sam, world.assignment.pk, position=2)

    assert read is not None
    assert read.submission is None
    assert read.segment.position == 2
    assert (read.technique, read.highlight) == (None, None)


def test_another_class_s_assignment_is_not_read(world):
    assert selectors.exercise_of(world.olga, world.assignment.pk) is None
    assert selectors.exercise_of(world.sam, world.other_assignment.pk) is None


def test_no_other_list_s_technique_or_other_student_s_highlight_is_read(world, begun):
    others = factories.make_highlight(world.other_assignment, world.olga, "glorious leader")
    elsewhere = Technique.objects.exclude(taxonomy=world.assignment.lesson.taxonomy).first()

    read = selectors.exercise_of(
        world.sam, world.assignment.pk, technique=elsewhere.pk, highlight=others.pk
    )

    assert read is not None
    assert (read.technique, read.highlight) == (None, None)


def test_no_passage_is_read_beyond_the_lesson_s_or_any_column_s(world):
    assert selectors.exercise_of(world.sam, world.assignment.pk, position=99).segment is None
    assert selectors.exercise_of(world.sam, world.assignment.pk, position=10**30).segment is None
    assert selectors.exercise_of(world.sam, world.assignment.pk, highlight=-(10**30)) is not None
    assert selectors.exercise_of(world.sam, 10**30) is None


def test_the_lock_reads_the_submission_as_django_reads_it(world, begun):
    submission = begun.submission
    submission.position = 2  # as the page had it: the lock reads it as it is now

    with services._writing(submission):
        pass

    assert submission.position == 1
    _as_django_reads_it(submission)


# Where a new item goes in the list below the text (`marked_text`, the item after it): by
# where the words start, then end, then by id (HIGHLIGHT_ORDER).


def _save(client, world, quote, code, **fields):
    technique = world.assignment.lesson.taxonomy.techniques.get(code=code)
    url = reverse("work:highlight_add", args=[world.assignment.pk, 1])
    response = client.post(url, {"quote": quote, "technique": technique.pk, **fields}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def test_the_same_words_go_after_those_highlighted_before(client, world):
    client.force_login(world.sam)
    first = factories.make_highlight(world.assignment, world.sam, "glorious leader", "Doubt")
    after = factories.make_highlight(world.assignment, world.sam, "leader")

    html = _save(client, world, "glorious leader", "Repetition")

    assert f'data-hx-swap-oob="beforebegin:#highlight-{after.pk}"' in html
    assert f"#highlight-{first.pk}" not in html
    assert '<span id="highlight-count" data-hx-swap-oob="true">3</span>' in html


def test_shorter_words_from_the_same_place_go_before_longer(client, world):
    client.force_login(world.sam)
    longer = factories.make_highlight(world.assignment, world.sam, "glorious leader")

    html = _save(client, world, "glorious", "Doubt")

    assert f'data-hx-swap-oob="beforebegin:#highlight-{longer.pk}"' in html


def test_a_removal_counts_what_is_left(client, world):
    client.force_login(world.sam)
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    gone = factories.make_highlight(world.assignment, world.sam, "always fail")

    response = client.post(
        reverse("work:highlight_delete", args=[world.assignment.pk, gone.pk]), **HTMX
    )

    html = response.content.decode()
    assert '<span id="highlight-count" data-hx-swap-oob="true">1</span>' in html
    assert f'<li id="highlight-{gone.pk}" data-hx-swap-oob="delete">' in html
    assert not Highlight.objects.filter(pk=gone.pk).exists()
    assert "<mark" not in html  # nothing left on the piece of "always fail"


def test_a_technique_id_longer_than_python_reads_is_refused_as_any_other(client, world):
    client.force_login(world.sam)
    url = reverse("work:highlight_add", args=[world.assignment.pk, 1])

    response = client.post(url, {"quote": "glorious leader", "technique": "9" * 5000})

    assert response.status_code == 400
    assert b"Choose a technique from this lesson" in response.content
    assert not Highlight.objects.exists()

"""Work left on a revision its class is no longer on (saved while the class was being moved,
before moves locked the class's work): listed as work not carried over, never an error, and
repaired by `manage.py repair_orphaned_work`."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from lessons.library import services as library_services
from lessons.library.models import KeySpan, Lesson, Prompt, Segment
from lessons.work import selectors as work_selectors
from lessons.work import services as work_services
from lessons.work.models import Answer, Assignment, Highlight, Review, RevisionMove, UnplacedWork

from . import factories

ORPHANED = "saved while the class was being moved"


def _next_revision(lesson: Lesson) -> Lesson:
    draft = library_services.lesson_edit_draft(lesson=lesson, by=lesson.created_by)
    return library_services.lesson_publish(lesson=draft)


@pytest.fixture
def moved(world):
    """Class A worked on revision 1 and was moved to revision 2; then (as a write racing the
    move used to) a highlight, an answer and two reviews landed on revision 1."""
    lesson = world.assignment.lesson
    Lesson.objects.filter(pk=lesson.pk).update(created_by=world.alice)
    lesson.refresh_from_db()
    assignment = world.assignment
    factories.make_highlight(assignment, world.sam, "glorious leader", note="Praise.")
    factories.make_answer(assignment, world.sam, factories.prompt_of(assignment, 1, "text"), "Us.")
    old_segment = lesson.segments.get(position=1)
    old_prompt = factories.prompt_of(assignment, 1, "text")
    old_key = KeySpan.objects.get(segment=old_segment, quote="glorious leader")
    second = _next_revision(lesson)
    work_services.assignment_move(assignment=assignment, to=second, by=world.alice)
    assignment.refresh_from_db()
    submission = assignment.submissions.get(student=world.sam)
    orphans = {
        "highlight": Highlight.objects.create(
            submission=submission,
            segment=old_segment,
            technique=lesson.taxonomy.techniques.get(code="Doubt"),
            start=50,
            end=58,
            quote=old_segment.text[50:58],
            prefix=old_segment.text[18:50],
            suffix=old_segment.text[58:90],
            note="Saved during the move.",
        ),
        # The same question as the answer that moved: both must never meet on one prompt.
        "answer": Answer.objects.create(submission=submission, prompt=old_prompt, text="Late."),
        "review": Review.objects.create(submission=submission, key_span=old_key, comment="Hm."),
    }
    orphans["prompt_review"] = Review.objects.create(
        submission=submission, prompt=old_prompt, comment="Late review.", score=2
    )
    world.lesson, world.second, world.orphans = lesson, second, orphans
    return world


def test_work_left_on_an_old_revision_is_listed_when_moving_again_never_an_error(client, moved):
    third = _next_revision(moved.second)
    client.force_login(moved.alice)
    url = reverse("work:assignment_revision", args=[moved.assignment.pk])

    client.post(  # the dry run, worked out by the worker (at once in the tests)
        reverse("work:assignment_revision_plan", args=[moved.assignment.pk]), {"to": third.pk}
    )
    page = client.get(url)
    plan = work_selectors.plan_move(moved.assignment, third)

    assert page.status_code == 200
    assert {(u.kind, u.item.pk): u.reason for u in plan.unplaced} == {
        ("highlight", moved.orphans["highlight"].pk): ORPHANED,
        ("answer", moved.orphans["answer"].pk): ORPHANED,
        ("review", moved.orphans["review"].pk): ORPHANED,
        ("review", moved.orphans["prompt_review"].pk): ORPHANED,
    }
    assert len(plan.highlights) == 1 and len(plan.answers) == 1
    assert f"Why: {ORPHANED}." in page.content.decode()

    response = client.post(url, {"to": third.pk})

    assert response.status_code == 302
    assert Assignment.objects.get(pk=moved.assignment.pk).lesson == third
    work = Highlight.objects.filter(submission__assignment=moved.assignment)
    assert [h.segment.lesson_id for h in work] == [third.pk]
    answers = Answer.objects.filter(submission__assignment=moved.assignment)
    assert [(a.text, a.prompt.segment.lesson_id) for a in answers] == [("Us.", third.pk)]
    kept = UnplacedWork.objects.filter(move__to_lesson=third)
    assert sorted((k.kind, k.text) for k in kept) == [
        ("answer", "Late."),
        ("highlight", "Saved during the move."),
        ("review", "Hm."),
        ("review", "Late review."),
    ]
    assert {k.reason for k in kept} == {ORPHANED}


def _repair(*args: str) -> str:
    out = StringIO()
    call_command("repair_orphaned_work", *args, stdout=out)
    return out.getvalue()


def _state() -> dict:
    return {
        "highlights": sorted(Highlight.objects.values_list("pk", "segment")),
        "answers": sorted(Answer.objects.values_list("pk", "prompt")),
        "reviews": sorted(Review.objects.values_list("pk", "prompt", "key_span")),
        "unplaced": UnplacedWork.objects.count(),
    }


def test_the_dry_run_reports_the_work_left_behind_and_changes_nothing(moved):
    before = _state()

    out = _repair("--dry-run")

    assert _state() == before
    assert f"highlight {moved.orphans['highlight'].pk} of Sam Student" in out
    assert "Dry run, nothing changed. Would keep 4 pieces of work as not carried over." in out


def test_the_repair_keeps_the_work_left_behind_under_the_move_and_can_run_twice(client, moved):
    move = RevisionMove.objects.get(assignment=moved.assignment)
    placed = list(Highlight.objects.filter(segment__lesson=moved.second).values_list("pk"))

    out = _repair()

    assert "Kept 4 pieces of work as not carried over." in out
    for orphan in moved.orphans.values():
        assert not type(orphan).objects.filter(pk=orphan.pk).exists()
    kept = {k.kind + ":" + k.text: k for k in UnplacedWork.objects.filter(reason=ORPHANED)}
    assert set(kept) == {
        "highlight:Saved during the move.",
        "answer:Late.",
        "review:Hm.",
        "review:Late review.",
    }
    assert {k.move for k in kept.values()} == {move}
    highlight = kept["highlight:Saved during the move."]
    assert (highlight.segment_position, highlight.start, highlight.end) == (1, 50, 58)
    assert highlight.quote == moved.orphans["highlight"].quote
    assert highlight.technique.code == "Doubt"
    assert kept["review:Late review."].score == 2
    assert list(Highlight.objects.filter(segment__lesson=moved.second).values_list("pk")) == placed
    assert work_selectors.orphaned_work() == []

    before = _state()
    again = _repair()

    assert _state() == before
    assert "No work is left on a revision its class no longer uses." in again
    client.force_login(moved.alice)
    page = client.get(reverse("work:assignment_revision", args=[moved.assignment.pk]))
    assert f"Why: {ORPHANED}." in page.content.decode()


def test_work_on_another_revision_of_a_class_never_moved_is_reported_and_left(world):
    lesson = world.assignment.lesson
    Lesson.objects.filter(pk=lesson.pk).update(created_by=world.alice)
    lesson.refresh_from_db()
    second = _next_revision(lesson)
    classroom = factories.make_classroom(world.alice, "Class C")
    student = factories.make_student("Cleo Student", classroom)
    assignment = factories.make_assignment(classroom, second)
    submission = work_services.submission_for(assignment=assignment, student=student)
    old = Segment.objects.get(lesson=lesson, position=2)
    stray = Highlight.objects.create(
        submission=submission,
        segment=old,
        technique=lesson.taxonomy.techniques.get(code="Doubt"),
        start=0,
        end=8,
        quote=old.text[:8],
    )

    out = _repair()

    assert Highlight.objects.filter(pk=stray.pk).exists()
    assert f"highlight {stray.pk} of Cleo Student (assignment {assignment.pk}) left" in out
    assert "Kept 0 pieces of work" in out
    assert not Prompt.objects.filter(segment__lesson=second, answers__isnull=False).exists()

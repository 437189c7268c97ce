"""Revisions of a lesson: a published lesson is never changed, editing it makes a draft of
the next revision, publishing that draft replaces the earlier one and leaves the classes
that were given it where they are (moving them is tested in test_assignment_revision.py)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.refusals import Refusal
from lessons.library import services
from lessons.library import services as revisions
from lessons.library.models import Lesson, Segment
from lessons.library.rendering import plain_text, render_markdown
from lessons.work.models import Highlight

from . import factories


def _own_lesson(teacher, slug="owned") -> Lesson:
    lesson = factories.make_lesson(factories.SMALL_LESSON.format(title="Owned", slug=slug))
    lesson.created_by = teacher
    lesson.save()
    return lesson


def _content(lesson: Lesson) -> list:
    """Everything students see and the key, with the identities, in order."""
    return [
        (
            s.uid,
            s.position,
            s.title,
            s.body,
            s.text,
            [(p.uid, p.position, p.kind, p.text) for p in s.prompts.all()],
            [
                (k.uid, k.technique_id, k.start, k.end, k.quote, k.explanation)
                for k in s.key_spans.all()
            ],
        )
        for s in lesson.segments.prefetch_related("prompts", "key_spans")
    ]


def _rewrite(segment: Segment, body: str) -> None:
    html = render_markdown(body)
    segment.body, segment.body_html, segment.text = body, html, plain_text(html)
    segment.save()


@pytest.fixture
def assigned(world):
    """Alice's published lesson, assigned to her class; Sam has highlighted in it."""
    lesson = _own_lesson(world.alice)
    assignment = factories.make_assignment(world.class_a, lesson)
    highlight = factories.make_highlight(assignment, world.sam, "glorious leader", position=1)
    return lesson, assignment, highlight


def test_editing_a_published_lesson_makes_an_exact_draft_of_the_next_revision(world, assigned):
    lesson, _, _ = assigned
    before = _content(lesson)

    draft = revisions.lesson_edit_draft(lesson=lesson, by=world.alice)

    assert draft.pk != lesson.pk
    assert (draft.slug, draft.revision, draft.root_id) == (lesson.slug, 2, lesson.pk)
    assert not draft.is_published and draft.created_by == world.alice
    assert _content(draft) == before  # same words, prompts, key and identities
    assert services.lesson_to_data(draft) == services.lesson_to_data(lesson)
    lesson.refresh_from_db()
    assert lesson.is_published and not lesson.is_replaced and _content(lesson) == before
    # Asking again continues the same draft rather than starting a third revision.
    assert revisions.lesson_edit_draft(lesson=lesson, by=world.alice) == draft
    assert revisions.lesson_edit_draft(lesson=draft, by=world.alice) == draft


def test_only_the_author_edits_and_only_drafts_change(world, assigned):
    lesson, _, _ = assigned
    with pytest.raises(Refusal, match="Only the lesson's author"):
        revisions.lesson_edit_draft(lesson=lesson, by=world.bob)
    with pytest.raises(Refusal, match="published"):
        revisions.check_editable(lesson)
    draft = revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    revisions.check_editable(draft)  # no refusal
    assert Lesson.objects.filter(slug=lesson.slug).count() == 2


def test_publishing_a_revision_replaces_the_old_one_but_the_class_stays_on_it(
    client, world, assigned
):
    lesson, assignment, highlight = assigned
    draft = revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    first = draft.segments.get(position=1)
    _rewrite(first, "A new opening sentence. " + first.body.replace("will fail", "shall fail"))
    Segment.objects.filter(lesson=draft, position=2).update(title="Renamed")

    revisions.lesson_publish(lesson=draft)

    lesson.refresh_from_db()
    draft.refresh_from_db()
    assert draft.is_published and not draft.is_replaced
    assert lesson.is_published and lesson.is_replaced
    assert list(Lesson.objects.published().filter(slug=lesson.slug)) == [draft]
    assignment.refresh_from_db()
    assert assignment.lesson == lesson  # the class is not moved by the author
    highlight.refresh_from_db()
    assert highlight.segment.lesson == lesson
    assert highlight.segment.text[highlight.start : highlight.end] == "glorious leader"

    # What Sam sees is still revision 1, with his highlight on the same words.
    client.force_login(world.sam)
    page = client.get(reverse("work:segment", args=[assignment.pk, 1])).content.decode()
    assert "will fail" in page and "A new opening sentence" not in page
    assert "glorious leader</mark>" in page


def test_the_library_and_the_assign_form_offer_only_the_current_revision(client, world, assigned):
    lesson, _, _ = assigned
    draft = revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    client.force_login(world.alice)
    listed = client.get(reverse("library:library")).context["lessons"]
    # not the draft
    assert [x.lesson.pk for x in listed if x.lesson.slug == lesson.slug] == [lesson.pk]

    revisions.lesson_publish(lesson=draft)

    listed = client.get(reverse("library:library")).context["lessons"]
    assert [x.lesson.pk for x in listed if x.lesson.slug == lesson.slug] == [draft.pk]
    detail = client.get(reverse("library:lesson_detail", args=[lesson.slug]))
    assert detail.context["lesson"] == draft
    # Class A has revision 1: it is not offered revision 2 as a second assignment.
    page = client.get(reverse("work:classroom", args=[world.class_a.pk]))
    offered = page.context["assign_form"].fields["lesson"].queryset
    assert lesson not in offered and draft not in offered
    # Bob's class has neither: it is offered the current revision only.
    client.force_login(world.bob)
    page = client.get(reverse("work:classroom", args=[world.class_b.pk]))
    offered = page.context["assign_form"].fields["lesson"].queryset
    assert draft in offered and lesson not in offered
    response = client.post(
        reverse("work:classroom_assign", args=[world.class_b.pk]), {"lesson": lesson.pk}
    )
    assert response.status_code == 400  # a replaced revision cannot be assigned


def test_a_draft_that_is_not_ready_cannot_be_published(world, assigned):
    lesson, _, _ = assigned
    draft = revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    Lesson.objects.filter(pk=draft.pk).update(introduction=" ")
    Segment.objects.filter(lesson=draft, position=2).update(text="", body="")
    draft.refresh_from_db()

    with pytest.raises(Refusal) as refusal:
        revisions.lesson_publish(lesson=draft)

    assert "introduction" in str(refusal.value) and "Passage 2 has no text" in str(refusal.value)
    draft.refresh_from_db()
    lesson.refresh_from_db()
    assert not draft.is_published and not lesson.is_replaced
    Segment.objects.filter(lesson=draft).delete()
    assert "at least one passage" in " ".join(revisions.publish_problems(draft))


def test_unpublishing_a_later_revision_makes_the_earlier_one_current_again(world):
    lesson = _own_lesson(world.alice)
    draft = revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    revisions.lesson_publish(lesson=draft)

    revisions.lesson_unpublish(lesson=draft)

    lesson.refresh_from_db()
    draft.refresh_from_db()
    assert not draft.is_published and not lesson.is_replaced
    assert list(Lesson.objects.published().filter(slug=lesson.slug)) == [lesson]
    # The old revision, once replaced, stays as it is.
    revisions.lesson_publish(lesson=draft)
    with pytest.raises(Refusal, match="replaced"):
        revisions.lesson_unpublish(lesson=Lesson.objects.get(pk=lesson.pk))


def test_an_assigned_revision_or_one_with_a_draft_after_it_stays_published(world, assigned):
    lesson, _, _ = assigned
    with pytest.raises(Refusal, match="assigned"):
        revisions.lesson_unpublish(lesson=lesson)
    other = _own_lesson(world.alice, slug="unassigned")
    revisions.lesson_edit_draft(lesson=other, by=world.alice)
    with pytest.raises(Refusal, match="draft of the next revision"):
        revisions.lesson_unpublish(lesson=other)
    with pytest.raises(Refusal, match="assigned"):
        services.lesson_set_published(lesson=lesson, published=False)
    lesson.refresh_from_db()
    other.refresh_from_db()
    assert lesson.is_published and other.is_published


def test_a_replaced_revision_cannot_be_edited_again(world):
    lesson = _own_lesson(world.alice)
    revisions.lesson_publish(lesson=revisions.lesson_edit_draft(lesson=lesson, by=world.alice))
    with pytest.raises(Refusal, match="later revision"):
        revisions.lesson_edit_draft(lesson=Lesson.objects.get(pk=lesson.pk), by=world.alice)


def test_the_third_revision_continues_the_same_lineage(world):
    first = _own_lesson(world.alice)
    second = revisions.lesson_edit_draft(lesson=first, by=world.alice)
    revisions.lesson_publish(lesson=second)
    third = revisions.lesson_edit_draft(lesson=second, by=world.alice)
    assert (third.revision, third.root_id, third.lineage_id) == (3, first.pk, first.pk)
    revisions.lesson_publish(lesson=third)
    assert revisions.newer_revision(first) == third
    assert revisions.newer_revision(third) is None
    assert [x.revision for x in revisions.lineage(first).order_by("revision")] == [1, 2, 3]


def test_importing_over_a_lesson_with_revisions_is_refused(world):
    lesson = _own_lesson(world.alice)
    revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    data = services.lesson_to_data(lesson)
    with pytest.raises(services.LessonFormatError, match="has revisions"):
        services.lesson_import(data=data, replace=True)
    with pytest.raises(services.LessonFormatError, match="exists"):
        services.lesson_import(data=data)
    assert Lesson.objects.filter(slug=lesson.slug).count() == 2


def test_export_lesson_writes_the_current_revision(world, tmp_path):
    lesson = _own_lesson(world.alice)
    draft = revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    Lesson.objects.filter(pk=draft.pk).update(title="Owned, revised")
    output = tmp_path / "out.md"
    call_command("export_lesson", lesson.slug, output=str(output))
    assert "title: Owned\n" in output.read_text("utf-8")  # the draft is not current yet
    revisions.lesson_publish(lesson=Lesson.objects.get(pk=draft.pk))
    call_command("export_lesson", lesson.slug, output=str(output))
    assert "title: Owned, revised\n" in output.read_text("utf-8")


def test_the_highlights_of_a_class_never_change_when_the_author_publishes(world, assigned):
    lesson, assignment, _ = assigned
    factories.make_highlight(assignment, world.sam, "Join them", position=2)
    before = list(
        Highlight.objects.filter(submission__assignment=assignment).values_list(
            "segment_id", "start", "end", "quote", "prefix", "suffix"
        )
    )
    draft = revisions.lesson_edit_draft(lesson=lesson, by=world.alice)
    for segment in draft.segments.all():
        _rewrite(segment, "Inserted first. " + segment.body)
    revisions.lesson_publish(lesson=draft)

    after = list(
        Highlight.objects.filter(submission__assignment=assignment).values_list(
            "segment_id", "start", "end", "quote", "prefix", "suffix"
        )
    )
    assert after == before
    for highlight in Highlight.objects.filter(submission__assignment=assignment):
        assert highlight.segment.text[highlight.start : highlight.end] == highlight.quote

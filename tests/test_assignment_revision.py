"""Moving a class to a newer revision of its lesson: who may, what the teacher reads before
moving, and the proof that students' work stays on the same words after an author edits
the lesson, or is listed for the teacher, never dropped and never put on other words."""

import logging
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import User
from lessons.library import services as library_services
from lessons.library.anchoring import Unplaceable, anchor_at, occurrences, reanchor
from lessons.library.models import KeySpan, Lesson, Segment
from lessons.library.rendering import plain_text, render_markdown
from lessons.work import selectors as work_selectors
from lessons.work import services as lesson_services
from lessons.work import services as work_services
from lessons.work.models import (
    Answer,
    Assignment,
    Highlight,
    Review,
    RevisionMove,
    Submission,
    UnplacedWork,
)

from . import factories

PERSONAS = ("anonymous", "sam", "olga", "alice", "bob")

LESSON = """---
title: {title}
slug: {slug}
author: The Ministry of Truthiness (fictional)
date: 2024-05-01
place: Freedonia
audience: Citizens of Freedonia
language: en
taxonomy: semeval-2020
provenance: Written for Lens tests.
---

## Introduction

A short fictional text that its author will revise.

## Segment: Leader

Our glorious leader says the traitors will fail. The traitors always fail.

### Prompts

- text: Who are "the traitors"?
- choose: Which techniques are used here?

### Key

- Loaded_Language | "glorious leader" | Praise words that ask for admiration.
- Name_Calling,Labeling | "traitors" | A label instead of an argument.

## Segment: History

In 1950 the long Cold War began. The enemies of the pepole spread lies.

### Prompts

- text: When did the Cold War begin?

### Key

- Loaded_Language | "spread lies" | Strong words instead of evidence.

## Segment: War

The West wants war. Our nation wants peace.

### Prompts

- choose: Which technique is at work in the first sentence?

### Key

- Appeal_to_fear-prejudice | "The West wants war" | Fear of an enemy.

## Segment: Bread

The first half talks about bread. The second half talks about circuses.

## Segment: Chorus

Everyone agrees with us. Join them!

### Key

- Bandwagon,Reductio_ad_hitlerum | "Everyone agrees with us" | Join the crowd.
"""

# What the author changes in revision 2 (see `_revise`).
NEW_LEADER = (
    "Listen, citizens. Our glorious leader says the traitors will fail. The traitors always fail."
)
NEW_HISTORY = "In 1950 the long cold war began. The enemies of the people spread lies."
NEW_WAR = "Our nation wants peace."
NEW_BREAD = ("The first half talks about bread.", "The second half talks about circuses.")
NEW_CHORUS = "Everyone agrees with us. Join them! Everyone agrees with us. Join them!"
NEW_PROMPT = "Who are the traitors, in your own words?"

# Where each highlight must be after the move: (student, quote) → (passage, occurrence of
# the quote in that passage's new text); None: it cannot be placed, and why.
PLACED = {
    ("sam", "glorious leader"): (1, 1),  # a sentence was inserted before it
    ("sam", "traitors"): (1, 2),  # the second "traitors", as before
    ("sam", "enemies of the"): (2, 1),  # a typo fixed right after it: one side still agrees
    ("sam", "spread lies"): (2, 1),  # the same typo right before it
    ("sam", "wants peace"): (3, 1),  # the sentence before it was deleted
    ("sam", "bread"): (4, 1),  # the passage was split: first half
    ("sam", "circuses"): (5, 1),  # second half, now a passage of its own
    ("tom", "glorious leader"): (1, 1),
}
UNPLACED = {
    ("sam", "Cold War"): "the words are no longer in the text",  # now "cold war"
    ("sam", "wants war"): "the words are no longer in the text",  # sentence deleted
    ("sam", "Join them"): "the words now occur more than once in the same context",
    ("tom", "Everyone agrees with us"): "the words now occur more than once in the same context",
}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Building the story: a lesson, students' work on it, and an author's revision -----------


def _lesson(author: User) -> Lesson:
    n = Lesson.objects.count() + 1
    lesson = factories.make_lesson(LESSON.format(title=f"Revised {n}", slug=f"revised-{n}"))
    Lesson.objects.filter(pk=lesson.pk).update(created_by=author)
    lesson.refresh_from_db()
    return lesson


def _set_body(segment: Segment, body: str) -> None:
    """Change a draft passage's text as the editor does: Markdown, its HTML and plain text;
    key spans move with their words or go."""
    html = render_markdown(body)
    segment.body, segment.body_html, segment.text = body, html, plain_text(html)
    segment.save(update_fields=["body", "body_html", "text", "updated_at"])
    for key in segment.key_spans.all():
        found = occurrences(segment.text, key.quote)
        if found:
            key.start, key.end = found[0]
            key.save(update_fields=["start", "end"])
        else:
            key.delete()


def _split(draft: Lesson, position: int, first: str, second: str) -> Segment:
    """Split a draft passage in two: the second half becomes a new passage after it."""
    for later in draft.segments.filter(position__gt=position).order_by("-position"):
        later.position += 1
        later.save(update_fields=["position"])
    _set_body(draft.segments.get(position=position), first)
    html = render_markdown(second)
    return Segment.objects.create(
        lesson=draft, position=position + 1, body=second, body_html=html, text=plain_text(html)
    )


def _revise(lesson: Lesson) -> Lesson:
    """The author edits the lesson the ways authors do, and publishes revision 2."""
    draft = library_services.lesson_edit_draft(lesson=lesson, by=lesson.created_by)
    assert draft.revision == lesson.revision + 1 and not draft.is_published
    seg = {s.position: s for s in draft.segments.all()}
    _set_body(seg[1], NEW_LEADER)
    seg[1].prompts.filter(kind="text").update(text=NEW_PROMPT)
    _set_body(seg[2], NEW_HISTORY)
    seg[2].prompts.filter(kind="text").delete()
    _set_body(seg[3], NEW_WAR)
    seg[3].prompts.all().delete()
    _split(draft, 4, *NEW_BREAD)
    _set_body(seg[5], NEW_CHORUS)  # now passage 6
    return library_services.lesson_publish(lesson=draft)


def _highlight(assignment, student, quote, code, **kwargs) -> Highlight:
    return factories.make_highlight(assignment, student, quote, code, **kwargs)


def _do_work(assignment: Assignment, sam: User, tom: User, teacher: User) -> None:
    """Sam highlights in every passage, answers and is reviewed; Tom highlights twice."""
    _sams_work(assignment, sam, teacher)
    _highlight(assignment, tom, "glorious leader", "Exaggeration,Minimisation")
    _highlight(
        assignment, tom, "Everyone agrees with us", "Bandwagon,Reductio_ad_hitlerum", position=5
    )


def _sams_work(a: Assignment, sam: User, teacher: User) -> None:
    _highlight(a, sam, "glorious leader", "Loaded_Language", note="Praise for the leader.")
    _highlight(a, sam, "traitors", "Repetition", occurrence=2, note="Said again.")
    _highlight(a, sam, "Cold War", "Loaded_Language", position=2, note="A loaded name.")
    _highlight(a, sam, "enemies of the", "Name_Calling,Labeling", position=2)
    _highlight(a, sam, "spread lies", "Loaded_Language", position=2)
    _highlight(a, sam, "wants war", "Appeal_to_fear-prejudice", position=3, note="Fear.")
    _highlight(a, sam, "wants peace", "Flag-Waving", position=3)
    _highlight(a, sam, "bread", "Doubt", position=4)
    _highlight(a, sam, "circuses", "Doubt", position=4)
    _highlight(a, sam, "Join them", "Bandwagon,Reductio_ad_hitlerum", position=5, note="Crowd.")
    factories.make_answer(a, sam, factories.prompt_of(a, 1, "text"), "The opposition.")
    factories.make_answer(
        a,
        sam,
        factories.prompt_of(a, 1, "choose"),
        technique_codes=("Loaded_Language", "Repetition"),
    )
    factories.make_answer(a, sam, factories.prompt_of(a, 2, "text"), "In 1950.")
    factories.make_answer(
        a, sam, factories.prompt_of(a, 3, "choose"), technique_codes=("Appeal_to_fear-prejudice",)
    )
    submission = lesson_services.submission_for(assignment=a, student=sam)
    keys = {k.quote: k for k in KeySpan.objects.filter(segment__lesson=a.lesson)}

    def review(comment, score, **target):
        lesson_services.review_save(
            submission=submission, reviewer=teacher, comment=comment, score=score, **target
        )

    review("Good: name them.", 4, prompt=factories.prompt_of(a, 1, "text"))
    review("Check the year.", 3, prompt=factories.prompt_of(a, 2, "text"))
    review("Well found.", 5, key_span=keys["glorious leader"])
    review("You missed this one.", 1, key_span=keys["The West wants war"])
    review("A careful reading overall.", 4)


@dataclass
class Story:
    author: User
    lesson: Lesson  # revision 1, assigned to both classes
    assignment: Assignment  # Alice's class A
    other: Assignment  # Bob's class B: the same lesson
    sam: User
    tom: User
    olga: User
    alice: User
    bob: User
    new: Lesson  # revision 2, published after the students worked
    before: dict  # highlight pk → (student, segment pk, start, end, quote, prefix, suffix)


def _snapshot_highlights(assignment: Assignment) -> dict:
    return {
        h.pk: (h.submission.student, h.segment_id, h.start, h.end, h.quote, h.prefix, h.suffix)
        for h in Highlight.objects.filter(submission__assignment=assignment).select_related(
            "submission__student"
        )
    }


@pytest.fixture
def story(world) -> Story:
    author = factories.make_teacher("Ana Author")
    lesson = _lesson(author)
    assignment = factories.make_assignment(world.class_a, lesson)
    other = factories.make_assignment(world.class_b, lesson)
    tom = factories.make_student("Tom Student", world.class_a)
    _do_work(assignment, world.sam, tom, world.alice)
    _highlight(other, world.olga, "glorious leader", "Loaded_Language")
    _highlight(other, world.olga, "Cold War", "Loaded_Language", position=2)
    before = _snapshot_highlights(assignment)
    new = _revise(lesson)
    return Story(
        author=author,
        lesson=lesson,
        assignment=assignment,
        other=other,
        sam=world.sam,
        tom=tom,
        olga=world.olga,
        alice=world.alice,
        bob=world.bob,
        new=new,
        before=before,
    )


def _name(story: Story, user: User) -> str:
    return "sam" if user == story.sam else "tom"


def _totals(assignment: Assignment) -> dict:
    return {
        "highlight": Highlight.objects.filter(submission__assignment=assignment).count(),
        "answer": Answer.objects.filter(submission__assignment=assignment).count(),
        "review": Review.objects.filter(submission__assignment=assignment)
        .exclude(prompt__isnull=True, key_span__isnull=True)
        .count(),
    }


def _everything(assignment: Assignment) -> dict:
    """All of a class's work as it is stored, to prove a request changed nothing."""
    work = Highlight.objects.filter(submission__assignment=assignment)
    return {
        "lesson": Assignment.objects.get(pk=assignment.pk).lesson_id,
        "highlights": list(work.order_by("pk").values_list("pk", "segment", "start", "end")),
        "answers": list(
            Answer.objects.filter(submission__assignment=assignment)
            .order_by("pk")
            .values_list("pk", "prompt", "text")
        ),
        "reviews": list(
            Review.objects.filter(submission__assignment=assignment)
            .order_by("pk")
            .values_list("pk", "prompt", "key_span", "comment")
        ),
        "submissions": list(
            Submission.objects.filter(assignment=assignment)
            .order_by("pk")
            .values_list("pk", "position", "reached")
        ),
        "moves": RevisionMove.objects.filter(assignment=assignment).count(),
        "unplaced": UnplacedWork.objects.filter(submission__assignment=assignment).count(),
    }


# The proof: students' work after an author's edit --------------------------------------


def test_before_the_move_every_highlight_stays_on_its_words_in_revision_1(story):
    story.assignment.refresh_from_db()

    assert story.new.revision == 2 and story.new.is_published
    assert story.assignment.lesson == story.lesson
    assert Lesson.objects.get(pk=story.lesson.pk).is_replaced
    assert _snapshot_highlights(story.assignment) == story.before
    for highlight in Highlight.objects.filter(submission__assignment=story.assignment):
        assert highlight.segment.lesson_id == story.lesson.pk
        assert highlight.segment.text[highlight.start : highlight.end] == highlight.quote


def test_a_published_revision_is_not_changed_by_the_authors_edit(story):
    texts = list(story.lesson.segments.values_list("text", flat=True))

    assert texts[0] == "Our glorious leader says the traitors will fail. The traitors always fail."
    assert len(texts) == 5
    assert story.new.segments.count() == 6


def test_the_dry_run_says_where_everything_would_go_and_writes_nothing(story):
    before = _everything(story.assignment)

    plan = work_selectors.plan_move(story.assignment, story.new)

    assert _everything(story.assignment) == before
    placed = {(_name(story, h.submission.student), h.quote) for h, _, _ in plan.highlights}
    assert placed == set(PLACED)
    unplaced = {
        (_name(story, u.submission.student), u.item.quote)
        for u in plan.unplaced
        if u.kind == "highlight"
    }
    assert unplaced == set(UNPLACED)
    assert len(plan.answers) == 2 and len(plan.reviews) == 2


def test_after_the_move_every_highlight_is_on_the_same_words_or_listed(story):
    totals = _totals(story.assignment)

    move = work_services.assignment_move(assignment=story.assignment, to=story.new, by=story.alice)

    story.assignment.refresh_from_db()
    assert story.assignment.lesson == story.new
    assert move.placed == len(PLACED)
    new_texts = {s.position: s.text for s in story.new.segments.all()}
    highlights = Highlight.objects.filter(submission__assignment=story.assignment).select_related(
        "segment", "technique", "submission__student"
    )
    for highlight in highlights:
        student, _, _, _, quote, prefix, suffix = story.before[highlight.pk]
        position, occurrence = PLACED[(_name(story, student), quote)]
        text = new_texts[position]
        assert highlight.segment.lesson == story.new
        assert highlight.segment.position == position
        assert highlight.quote == quote == text[highlight.start : highlight.end]
        assert (highlight.start, highlight.end) == occurrences(text, quote)[occurrence - 1]
        new = anchor_at(text, highlight.start, highlight.end)
        assert (highlight.prefix, highlight.suffix) == (new.prefix, new.suffix)
        # The words next to it still agree on at least one side (the re-anchoring rule).
        assert highlight.prefix.endswith(prefix[-8:]) or highlight.suffix.startswith(suffix[:8])
    # Where the edit was far away, the words around are exactly the same.
    for quote in ("traitors", "circuses"):
        highlight = highlights.get(submission__student=story.sam, quote=quote)
        student, _, _, _, _, prefix, suffix = story.before[highlight.pk]
        assert prefix.endswith(highlight.prefix[-20:]) and highlight.suffix == suffix
    # Nothing dropped: what is not in the text is listed.
    rows = UnplacedWork.objects.filter(move=move).select_related("submission__student")
    kept = {(_name(story, r.submission.student), r.quote): r for r in rows if r.kind == "highlight"}
    assert {key: row.reason for key, row in kept.items()} == UNPLACED
    assert sum(1 for r in rows if r.kind == "answer") == 2
    assert sum(1 for r in rows if r.kind == "review") == 2
    after = _totals(story.assignment)
    for kind, count in totals.items():
        assert after[kind] + sum(1 for r in rows if r.kind == kind) == count, kind


def test_a_move_is_logged_with_what_it_placed_and_who_moved(story, caplog):
    caplog.set_level(logging.INFO, logger="lessons.work.services")

    move = work_services.assignment_move(assignment=story.assignment, to=story.new, by=story.alice)

    [record] = [r for r in caplog.records if r.name == "lessons.work.services"]
    assert record.levelno == logging.INFO
    assert (record.assignment_id, record.from_revision, record.to_revision) == (
        story.assignment.pk,
        1,
        2,
    )
    assert (record.placed, record.unplaced) == (move.placed, move.unplaced.count())
    assert record.user_id == story.alice.pk
    assert f"Moved assignment {story.assignment.pk} from revision 1 to revision 2" in (
        record.getMessage()
    )


def test_unplaced_work_is_kept_whole_with_its_reason(story):
    move = work_services.assignment_move(assignment=story.assignment, to=story.new, by=story.alice)

    rows = {(r.kind, r.quote or r.prompt_text): r for r in UnplacedWork.objects.filter(move=move)}
    cold_war = rows[("highlight", "Cold War")]
    assert cold_war.submission.student == story.sam
    assert cold_war.technique.code == "Loaded_Language"
    assert cold_war.text == "A loaded name."
    assert cold_war.segment_position == 2
    assert cold_war.prefix.endswith("In 1950 the long ") and cold_war.suffix.startswith(" began")
    assert (cold_war.start, cold_war.end) == (17, 25)
    answer = rows[("answer", "When did the Cold War begin?")]
    assert (answer.text, answer.reason) == (
        "In 1950.",
        "its question was removed or changed kind in the new revision",
    )
    choice = rows[("answer", "Which technique is at work in the first sentence?")]
    assert [t.code for t in choice.techniques.all()] == ["Appeal_to_fear-prejudice"]
    review = rows[("review", "When did the Cold War begin?")]
    assert (review.text, review.score) == ("Check the year.", 3)
    key_review = rows[("review", "The West wants war")]
    assert (key_review.text, key_review.score, key_review.technique.code) == (
        "You missed this one.",
        1,
        "Appeal_to_fear-prejudice",
    )
    assert key_review.reason == "its key span was removed in the new revision"


def test_answers_and_reviews_follow_their_question_and_key_span(story):
    old_prompt = factories.prompt_of(story.assignment, 1, "text")
    old_key = KeySpan.objects.get(segment__lesson=story.lesson, quote="glorious leader")

    work_services.assignment_move(assignment=story.assignment, to=story.new, by=story.alice)

    story.assignment.refresh_from_db()
    submission = Submission.objects.get(assignment=story.assignment, student=story.sam)
    answers = {a.prompt.uid: a for a in submission.answers.select_related("prompt__segment")}
    answer = answers[old_prompt.uid]
    assert answer.prompt.segment.lesson == story.new
    assert (answer.prompt.text, answer.text) == (NEW_PROMPT, "The opposition.")
    choose = factories.prompt_of(story.assignment, 1, "choose")
    assert choose.segment.lesson == story.new
    assert {t.code for t in answers[choose.uid].techniques.all()} == {
        "Loaded_Language",
        "Repetition",
    }
    reviews = submission.reviews.select_related("prompt__segment", "key_span__segment")
    by_comment = {r.comment: r for r in reviews}
    assert set(by_comment) == {"Good: name them.", "Well found.", "A careful reading overall."}
    assert by_comment["Good: name them."].prompt == answer.prompt
    key_review = by_comment["Well found."]
    assert key_review.key_span.uid == old_key.uid
    assert key_review.key_span.segment.lesson == story.new
    assert key_review.score == 5
    overall = by_comment["A careful reading overall."]
    assert overall.prompt is None and overall.key_span is None


def test_another_class_on_the_same_lesson_is_not_moved(story):
    before = _everything(story.other)

    work_services.assignment_move(assignment=story.assignment, to=story.new, by=story.alice)

    assert _everything(story.other) == before
    story.other.refresh_from_db()
    assert story.other.lesson == story.lesson
    for highlight in Highlight.objects.filter(submission__assignment=story.other):
        assert highlight.segment.lesson == story.lesson
        assert highlight.segment.text[highlight.start : highlight.end] == highlight.quote


def test_words_that_were_edited_are_not_matched_loosely(story):
    work_services.assignment_move(assignment=story.assignment, to=story.new, by=story.alice)

    assert "cold war" in story.new.segments.get(position=2).text
    assert not Highlight.objects.filter(
        submission__assignment=story.assignment, quote__iexact="cold war"
    ).exists()
    assert UnplacedWork.objects.filter(kind="highlight", quote="Cold War").count() == 1


def test_two_highlights_that_would_land_on_the_same_words_keep_the_second_listed(world):
    author = factories.make_teacher("Ana Author")
    front, _, _ = LESSON.partition("## Segment: Leader")
    twins = (
        front + "## Segment: One\n\nJoin them! Join us.\n\n## Segment: Two\n\nJoin them! Join us.\n"
    )
    lesson = factories.make_lesson(twins.format(title="Twins", slug="twins"))
    Lesson.objects.filter(pk=lesson.pk).update(created_by=author)
    assignment = factories.make_assignment(world.class_a, lesson)
    for position in (1, 2):
        _highlight(
            assignment, world.sam, "Join them", "Bandwagon,Reductio_ad_hitlerum", position=position
        )
    draft = library_services.lesson_edit_draft(lesson=Lesson.objects.get(pk=lesson.pk), by=author)
    draft.segments.get(position=2).delete()  # the author merges the repeated passage away
    new = library_services.lesson_publish(lesson=draft)

    move = work_services.assignment_move(assignment=assignment, to=new, by=world.alice)

    placed = Highlight.objects.get(submission__assignment=assignment)
    assert (placed.segment.lesson, placed.segment.position, placed.start) == (new, 1, 0)
    kept = move.unplaced.get()
    assert (kept.quote, kept.segment_position) == ("Join them", 2)
    assert kept.reason == "the same words already carry this highlight"


def test_positions_are_kept_within_a_revision_with_fewer_passages(world):
    author = factories.make_teacher("Ana Author")
    lesson = _lesson(author)
    assignment = factories.make_assignment(world.class_a, lesson)
    tom = factories.make_student("Tom Student", world.class_a)
    ann = factories.make_student("Ann Student", world.class_a)
    factories.open_at(assignment, world.sam, 5)
    factories.open_at(assignment, tom, 4)
    factories.open_at(assignment, tom, 2)
    factories.open_at(assignment, ann, 1)
    draft = library_services.lesson_edit_draft(lesson=lesson, by=author)
    draft.segments.filter(position__gt=3).delete()
    new = library_services.lesson_publish(lesson=draft)

    work_services.assignment_move(assignment=assignment, to=new, by=world.alice)

    where = {
        s.student: (s.position, s.reached) for s in Submission.objects.filter(assignment=assignment)
    }
    assert where == {world.sam: (3, 3), tom: (2, 3), ann: (1, 1)}


def test_the_student_sees_revision_1_until_the_move_then_the_same_words_marked(client, story):
    client.force_login(story.sam)
    url = reverse("work:segment", args=[story.assignment.pk, 1])
    page = client.get(url).content.decode()
    assert "Listen, citizens" not in page

    work_services.assignment_move(assignment=story.assignment, to=story.new, by=story.alice)

    page = client.get(url).content.decode()
    assert "Listen, citizens" in page
    for quote in ("glorious leader", "traitors"):
        highlight = Highlight.objects.get(submission__student=story.sam, quote=quote)
        assert f'data-marks="highlight-{highlight.pk}">{quote}</mark>' in page


# Re-anchoring, the rule on its own ------------------------------------------------------


def _anchor(text: str, quote: str, occurrence: int = 1):
    start, end = occurrences(text, quote)[occurrence - 1]
    return anchor_at(text, start, end)


def test_reanchor_places_words_at_a_passage_edge_after_text_is_added_before_them():
    old = _anchor("Traitors always fail.", "Traitors")

    place = reanchor(old.quote, old.prefix, old.suffix, ["Beware. Traitors always fail."])

    assert (place.index, place.anchor.start, place.anchor.end) == (0, 8, 16)


def test_reanchor_places_words_at_the_end_of_a_passage():
    old = _anchor("Join the winning side", "winning side")

    place = reanchor(old.quote, old.prefix, old.suffix, ["Join the winning side today."])

    assert place.anchor.quote == "winning side" and place.anchor.start == 9


def test_reanchor_finds_words_in_merged_passages():
    first, second = "Our leader is glorious.", "The traitors will fail."
    old = _anchor(second, "traitors")

    place = reanchor(old.quote, old.prefix, old.suffix, [f"{first} {second}"], preferred=None)

    assert place.anchor.start == len(first) + 1 + len("The ")


def test_reanchor_prefers_the_same_passage_among_identical_paragraphs():
    text = "Everyone agrees with us. Join them!"
    old = _anchor(text, "Join them")

    place = reanchor(old.quote, old.prefix, old.suffix, [text, text], preferred=1)

    assert place.index == 1


def test_reanchor_refuses_a_tie_it_cannot_break():
    text = "Everyone agrees with us. Join them!"
    old = _anchor(text, "Join them")

    with pytest.raises(Unplaceable, match="more than once"):
        reanchor(old.quote, old.prefix, old.suffix, [text, text], preferred=None)
    with pytest.raises(Unplaceable, match="more than once"):
        reanchor(old.quote, old.prefix, old.suffix, [f"{text} {text}"], preferred=0)


def test_reanchor_places_a_unique_quote_whose_context_changed_on_one_side():
    old_text = "In 1950 the long war began in earnest."
    old = _anchor(old_text, "long war")
    new_text = "In 1950 the long war started."

    place = reanchor(old.quote, old.prefix, old.suffix, [new_text], old_text=old_text)

    assert place.anchor.start == 12
    # Without the old passage it cannot know the words were unique there: both sides needed.
    with pytest.raises(Unplaceable, match="words around them have changed"):
        reanchor(old.quote, old.prefix, old.suffix, [new_text])


def test_reanchor_refuses_a_quote_whose_context_changed_on_both_sides():
    old = _anchor("In 1950 the long war began in earnest.", "long war")

    with pytest.raises(Unplaceable, match="words around them have changed"):
        reanchor(old.quote, old.prefix, old.suffix, ["Back then a long war started."])


def test_reanchor_refuses_words_that_changed_case():
    old = _anchor("In 1950 the Cold War began.", "Cold War")

    with pytest.raises(Unplaceable, match="no longer in the text"):
        reanchor(old.quote, old.prefix, old.suffix, ["In 1950 the cold war began."])


def test_reanchor_does_not_move_a_highlight_to_another_occurrence_of_its_words():
    old_text = "In 1950 the long Cold War began. In 1991 the long Cold War ended."
    old = _anchor(old_text, "Cold War", 1)  # the student chose the first
    new_text = "In 1950 the long cold war began. In 1991 the long Cold War ended."

    with pytest.raises(Unplaceable):
        reanchor(old.quote, old.prefix, old.suffix, [new_text], preferred=0, old_text=old_text)


# The teacher's page ---------------------------------------------------------------------


def _url(assignment: Assignment) -> str:
    return reverse("work:assignment_revision", args=[assignment.pk])


@pytest.mark.parametrize(
    ("persona", "expected"),
    list(zip(PERSONAS, ("login", 404, 404, 200, 404), strict=True)),
)
def test_only_the_classs_teacher_sees_the_revision_page(client, story, persona, expected):
    if persona != "anonymous":
        client.force_login(getattr(story, persona))

    response = client.get(_url(story.assignment))

    if expected == "login":
        assert response.status_code == 302
        assert response.url == f"{reverse('core:login')}?next={_url(story.assignment)}"
    else:
        assert response.status_code == expected


@pytest.mark.parametrize(
    ("persona", "expected"),
    list(zip(PERSONAS, ("login", 404, 404, 302, 404), strict=True)),
)
def test_only_the_classs_teacher_can_move_it(client, story, persona, expected):
    if persona != "anonymous":
        client.force_login(getattr(story, persona))
    before = _everything(story.assignment)

    response = client.post(_url(story.assignment), {"to": story.new.pk})

    assert response.status_code == (302 if expected == "login" else expected)
    story.assignment.refresh_from_db()
    if persona == "alice":
        assert story.assignment.lesson == story.new
    else:
        assert _everything(story.assignment) == before
        assert story.assignment.lesson == story.lesson


def test_bobs_class_on_the_same_lesson_is_untouched_when_alice_moves_hers(client, story):
    before = _everything(story.other)
    client.force_login(story.alice)

    client.post(_url(story.assignment), {"to": story.new.pk})

    assert _everything(story.other) == before
    assert Assignment.objects.get(pk=story.assignment.pk).lesson == story.new


def test_the_page_shows_the_dry_run_and_the_list_before_moving(client, story):
    client.force_login(story.alice)
    before = _everything(story.assignment)

    page = client.get(_url(story.assignment)).content.decode()

    assert _everything(story.assignment) == before
    assert f"is on <strong>revision 1</strong> of “{story.lesson.title}”" in page
    assert "Revision 2 is published" in page
    assert "8 highlights from 2 students will be re-anchored" in page
    assert "2 answers and 2 reviews follow their questions" in page
    assert "these 8 pieces of work cannot be placed and will be kept in a list below" in page
    assert "<h4>Sam Student</h4>" in page and "<h4>Tom Student</h4>" in page
    assert "<strong>Highlight</strong> in passage 2 on <q>Cold War</q> — Loaded language" in page
    assert "Why: the words are no longer in the text." in page
    assert "to <q>When did the Cold War begin?</q>" in page
    assert f'<input type="hidden" name="to" value="{story.new.pk}">' in page
    assert "Move this class to revision 2</button>" in page


def test_moving_says_what_happened_and_lists_what_was_kept(client, story):
    client.force_login(story.alice)

    response = client.post(_url(story.assignment), {"to": story.new.pk}, follow=True)

    assert response.redirect_chain == [(_url(story.assignment), 302)]
    page = response.content.decode()
    assert (
        "Class A is now on revision 2. 8 highlights re-anchored; 2 answers and 2 reviews "
        "followed their questions. 8 pieces of work could not be placed: listed below."
    ) in page
    assert "This class is on the newest revision of this lesson." in page
    assert "Move this class" not in page
    assert "Work that could not be carried over (8)" in page
    assert "<h3>Sam Student</h3>" in page and "<h3>Tom Student</h3>" in page
    assert "Note: A loaded name." in page
    assert "Answer: In 1950." in page
    assert "Comment: Check the year." in page and "Score: 3 of 5" in page
    assert "of the key span <q>The West wants war</q>" in page
    assert "from revision 1 to revision 2 by Alice Teacher, 8 highlights re-anchored." in page


def test_posting_the_same_move_twice_changes_nothing_the_second_time(client, story):
    client.force_login(story.alice)
    client.post(_url(story.assignment), {"to": story.new.pk})
    after_first = _everything(story.assignment)

    response = client.post(_url(story.assignment), {"to": story.new.pk})

    assert response.status_code == 409
    assert "This class is already on revision 2. Nothing was changed." in response.content.decode()
    assert _everything(story.assignment) == after_first
    assert RevisionMove.objects.filter(assignment=story.assignment).count() == 1


@pytest.mark.parametrize(
    ("which", "message"),
    [
        ("unknown", "That revision does not exist."),
        ("text", "That revision does not exist."),
        ("superscript", "That revision does not exist."),
        ("huge", "That revision does not exist."),
        ("missing", "That revision does not exist."),
        ("other_lesson", "That is not a revision of this class&#x27;s lesson."),
        ("current", "This class is already on revision 1."),
        ("draft", "Revision 3 is a draft: a class only moves to a published revision."),
        ("replaced", "Revision 2 has been replaced: move to the newest revision."),
    ],
)
def test_a_move_to_anything_but_the_newest_revision_is_refused(client, story, which, message):
    if which == "draft":
        library_services.lesson_edit_draft(lesson=story.new, by=story.author)
    if which == "replaced":
        library_services.lesson_publish(
            lesson=library_services.lesson_edit_draft(lesson=story.new, by=story.author)
        )
    to = {
        "unknown": "999999",
        "text": "revision two",
        "superscript": "²",
        "huge": "9" * 40,
        "missing": "",
        "other_lesson": str(factories.make_lesson().pk),
        "current": str(story.lesson.pk),
        "draft": str(Lesson.objects.filter(revision=3).values_list("pk", flat=True).first()),
        "replaced": str(story.new.pk),
    }[which]
    client.force_login(story.alice)
    before = _everything(story.assignment)

    response = client.post(_url(story.assignment), {"to": to})

    assert response.status_code == (409 if which == "current" else 400)
    page = response.content.decode()
    assert f"{message} Nothing was changed." in page
    assert 'role="alert"' in page
    assert _everything(story.assignment) == before


def test_moving_back_to_an_older_revision_is_refused(client, story):
    client.force_login(story.alice)
    client.post(_url(story.assignment), {"to": story.new.pk})
    before = _everything(story.assignment)

    response = client.post(_url(story.assignment), {"to": story.lesson.pk})

    assert response.status_code == 400
    assert "Revision 1 is older than revision 2" in response.content.decode()
    assert _everything(story.assignment) == before


def test_without_a_newer_revision_the_page_says_the_class_is_on_the_newest(client, world):
    client.force_login(world.alice)

    page = client.get(_url(world.assignment)).content.decode()

    assert "This class is on the newest revision of this lesson." in page
    assert "Move this class" not in page
    assert "could not be carried over" not in page


# Notices on the teacher's other pages --------------------------------------------------


@pytest.mark.parametrize("view", ["dashboard", "assignment_settings"])
def test_the_dashboard_and_settings_point_to_a_newer_revision_only_when_there_is_one(
    client, story, view
):
    client.force_login(story.alice)
    notice = "A newer revision of this lesson is published"

    page = client.get(
        reverse(
            ("insights:" if view == "dashboard" else "work:") + view, args=[story.assignment.pk]
        )
    ).content.decode()
    assert notice in page
    assert f'<a href="{_url(story.assignment)}">see what moving changes</a>' in page

    client.post(_url(story.assignment), {"to": story.new.pk})
    page = client.get(
        reverse(
            ("insights:" if view == "dashboard" else "work:") + view, args=[story.assignment.pk]
        )
    ).content.decode()
    assert notice not in page
    assert (
        f'<a href="{_url(story.assignment)}#kept-heading">8 pieces of work could not be '
        "carried over</a>"
    ) in page

    client.force_login(story.bob)
    page = client.get(
        reverse(("insights:" if view == "dashboard" else "work:") + view, args=[story.other.pk])
    ).content.decode()
    assert notice in page and "could not be carried over" not in page


def test_the_students_work_page_lists_that_students_work_not_carried_over(client, story):
    client.force_login(story.alice)
    client.post(_url(story.assignment), {"to": story.new.pk})

    sam = client.get(reverse("insights:student_work", args=[story.assignment.pk, story.sam.pk]))
    tom = client.get(reverse("insights:student_work", args=[story.assignment.pk, story.tom.pk]))

    sam, tom = sam.content.decode(), tom.content.decode()
    assert "Work not carried over to revision 2" in sam
    cold_war = "<strong>Highlight</strong> in passage 2 on <q>Cold War</q>"
    chorus = "<strong>Highlight</strong> in passage 5 on <q>Everyone agrees with us</q>"
    assert cold_war in sam and chorus not in sam
    assert "Comment: You missed this one." in sam and "Chose: Appeal to fear / prejudice" in sam
    assert chorus in tom and cold_war not in tom


# Query counts ---------------------------------------------------------------------------

MAX_QUERIES = {"plan": 16, "kept": 7, "student_work": 14, "dashboard": 11}


def _class_with_work(size: int) -> tuple[User, Assignment, Lesson]:
    """A class of `size` students who all did Sam's work, and revision 2 of its lesson."""
    teacher = factories.make_teacher("Teacher")
    classroom = factories.make_classroom(teacher, "Class")
    lesson = _lesson(factories.make_teacher("Author"))
    assignment = factories.make_assignment(classroom, lesson)
    for n in range(size):
        _sams_work(assignment, factories.make_student(f"Student {n}", classroom), teacher)
    return teacher, assignment, _revise(lesson)


PAGES = {
    "plan": lambda a: _url(a),
    "kept": lambda a: _url(a),
    "student_work": lambda a: reverse(
        "insights:student_work", args=[a.pk, a.submissions.order_by("pk").first().student_id]
    ),
    "dashboard": lambda a: reverse("insights:dashboard", args=[a.pk]),
}
# Each of Sam's copies: 7 highlights placed; 3 highlights, 2 answers and 2 reviews kept.
EVIDENCE = {
    "plan": "{n7} highlights from {n} students will be re-anchored",
    "kept": "Work that could not be carried over ({n7})",
    "student_work": "Work not carried over to revision 2",
    "dashboard": "{n7} pieces of work could not be carried over",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_revision_pages_run_as_many_queries_for_30_students_as_for_3(
    client, db, django_assert_max_num_queries, page
):
    counts = []
    for size in (3, 30):
        teacher, assignment, new = _class_with_work(size)
        if page != "plan":
            work_services.assignment_move(assignment=assignment, to=new, by=teacher)
        client.force_login(teacher)
        url = PAGES[page](assignment)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert EVIDENCE[page].format(n=size, n7=7 * size) in response.content.decode()
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        client.get(url)

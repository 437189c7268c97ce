"""Moving a class to a newer revision of its lesson: who may, what the teacher reads before
moving, and the proof that students' work stays on the same words after an author edits
the lesson, or is listed for the teacher, never dropped and never put on other words."""

import logging
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Job, User
from lessons.authoring import services as authoring
from lessons.library import services as library_services
from lessons.library.anchoring import anchor_at, occurrences
from lessons.library.models import KeySpan, Lesson, Prompt
from lessons.work import selectors as work_selectors
from lessons.work import services as lesson_services
from lessons.work import services as work_services
from lessons.work.models import (
    Answer,
    Assignment,
    AuditEvent,
    Highlight,
    Review,
    RevisionMove,
    Submission,
    UnplacedWork,
)
from lessons.work.views import revision as revision_views

from . import factories
from .conftest import PERSONAS
from .html import assert_in_fragment

LESSON = (
    factories.FRONT_MATTER
    + """## Introduction

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
)

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
# the quote in that passage's new text); or, unplaced, why.
PLACED = {
    ("sam", "glorious leader"): (1, 1),  # a sentence was inserted before it
    ("sam", "traitors"): (1, 2),  # the second "traitors", as before
    ("sam", "enemies of the"): (2, 1),  # a typo fixed right after it
    ("sam", "spread lies"): (2, 1),  # the same typo right before it
    ("sam", "wants peace"): (3, 1),  # the sentence before it was deleted
    ("sam", "bread"): (4, 1),  # the passage was split: first half
    ("sam", "circuses"): (5, 1),  # second half, now a passage of its own
    ("sam", "Join them"): (6, 1),  # the author repeated the passage after it: the original
    ("tom", "glorious leader"): (1, 1),
    ("tom", "Everyone agrees with us"): (6, 1),
}
CHANGED = "its words were changed or removed in the new revision"
UNPLACED = {
    ("sam", "Cold War"): CHANGED,  # now "cold war"
    ("sam", "wants war"): CHANGED,  # sentence deleted
    ("tom", "The West"): CHANGED,  # the same sentence
}


# Building the story: a lesson, students' work on it, and an author's revision -----------


def _lesson(author: User) -> Lesson:
    n = Lesson.objects.count() + 1
    lesson = factories.make_lesson(LESSON.format(title=f"Revised {n}", slug=f"revised-{n}"))
    Lesson.objects.filter(pk=lesson.pk).update(created_by=author)
    lesson.refresh_from_db()
    return lesson


def _edit(draft: Lesson, position: int, body: str) -> None:
    """The author saves a passage's new text in the passage editor, agreeing to remove the
    key spans whose words are gone."""
    segment = draft.segments.get(position=position)
    authoring.segment_update(
        segment=segment,
        title=segment.title,
        body=body,
        remove=list(segment.key_spans.values_list("pk", flat=True)),
    )


def _revise(lesson: Lesson) -> Lesson:
    """The author edits the lesson with the editor, the ways authors do, and publishes
    revision 2."""
    draft = library_services.lesson_edit_draft(lesson=lesson, by=lesson.created_by)
    assert draft.revision == lesson.revision + 1 and not draft.is_published
    _edit(draft, 1, NEW_LEADER)
    prompt = Prompt.objects.get(segment__lesson=draft, segment__position=1, kind="text")
    authoring.prompt_update(prompt=prompt, kind="text", text=NEW_PROMPT)
    _edit(draft, 2, NEW_HISTORY.replace("cold war", "Cold War"))  # a typo fixed, then
    _edit(draft, 2, NEW_HISTORY)  # "Cold War" made lower case, in another save
    authoring.prompt_delete(prompt=Prompt.objects.get(segment__lesson=draft, segment__position=2))
    _edit(draft, 3, NEW_WAR)
    for prompt in Prompt.objects.filter(segment__lesson=draft, segment__position=3):
        authoring.prompt_delete(prompt=prompt)
    _edit(draft, 4, "\n\n".join(NEW_BREAD))  # a paragraph break, then the passage is split
    authoring.segment_split(lesson=draft, position=4, paragraph=1)
    _edit(draft, 6, NEW_CHORUS)  # was passage 5
    return library_services.lesson_publish(lesson=draft)


def _highlight(assignment, student, quote, code="Loaded_Language", **kwargs) -> Highlight:
    return factories.make_highlight(assignment, student, quote, code, **kwargs)


def _do_work(assignment: Assignment, sam: User, tom: User, teacher: User) -> None:
    """Sam highlights in every passage, answers and is reviewed; Tom highlights three times."""
    _sams_work(assignment, sam, teacher)
    _highlight(assignment, tom, "glorious leader", "Exaggeration,Minimisation")
    _highlight(assignment, tom, "The West", "Name_Calling,Labeling", position=3)
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


def _two_passages(world, first: str, second: str) -> tuple[Lesson, Assignment, User]:
    """A lesson of two passages assigned to class A, and its author."""
    author = factories.make_teacher("Ana Author")
    front, _, _ = LESSON.partition("## Segment: Leader")
    source = front + f"## Segment: One\n\n{first}\n\n## Segment: Two\n\n{second}\n"
    n = Lesson.objects.count() + 1
    lesson = factories.make_lesson(source.format(title=f"Two {n}", slug=f"two-{n}"))
    Lesson.objects.filter(pk=lesson.pk).update(created_by=author)
    lesson.refresh_from_db()
    return lesson, factories.make_assignment(world.class_a, lesson), author


def _moved(world, assignment: Assignment, draft: Lesson) -> tuple[RevisionMove, dict]:
    """Publish the draft, move the class; where each highlight is now, by its quote:
    (passage, start, end), or the reason it was not placed."""
    new = library_services.lesson_publish(lesson=draft)
    move = work_services.assignment_move(assignment=assignment, to=new, by=world.alice)
    where: dict = {
        h.quote: (h.segment.position, h.start, h.end)
        for h in Highlight.objects.filter(submission__assignment=assignment).select_related(
            "segment"
        )
    }
    for row in move.unplaced.all():
        where.setdefault(row.quote, row.reason)
    return move, where


# The four ways searching for the words put highlights on other words (issue 9): placing
# by what the author did, none of them does.


def test_a_phrase_that_also_stands_in_another_passage_stays_on_its_own_words(world):
    same = "Remember: the enemy lies to you. Stay calm."
    lesson, assignment, author = _two_passages(world, same, same + " Read on.")
    _highlight(assignment, world.sam, "enemy lies", position=1)
    draft = library_services.lesson_edit_draft(lesson=lesson, by=author)
    # A word right after the highlighted words: the copy in passage 2 now has the old
    # context on both sides, the highlight's own words only on one.
    _edit(draft, 1, same.replace("lies to", "lies always to"))

    _, where = _moved(world, assignment, draft)

    assert where == {"enemy lies": (1, 14, 24)}


def test_a_highlight_at_the_start_of_a_passage_whose_words_were_deleted_is_listed(world):
    lesson, assignment, author = _two_passages(
        world, "Our enemies are weak. We stand firm.", "Never forget: Our enemies are weak."
    )
    _highlight(assignment, world.sam, "Our enemies", position=1)
    draft = library_services.lesson_edit_draft(lesson=lesson, by=author)
    _edit(draft, 1, "We stand firm.")

    _, where = _moved(world, assignment, draft)

    assert where == {"Our enemies": CHANGED}


def test_a_highlight_in_a_deleted_passage_is_listed_even_if_its_words_stand_elsewhere(world):
    lesson, assignment, author = _two_passages(
        world, "The West wants war.", "The West wants war, they say."
    )
    _highlight(assignment, world.sam, "West wants war", position=1)
    draft = library_services.lesson_edit_draft(lesson=lesson, by=author)
    authoring.segment_delete(lesson=draft, position=1)

    move, where = _moved(world, assignment, draft)

    assert where == {"West wants war": CHANGED}
    assert move.unplaced.get().segment_position == 1


def test_a_sentence_the_author_repeats_leaves_the_highlight_on_the_original(world):
    lesson, assignment, author = _two_passages(world, "Join them! Everyone agrees.", "Read on.")
    _highlight(assignment, world.sam, "Join them", "Bandwagon,Reductio_ad_hitlerum", position=1)
    draft = library_services.lesson_edit_draft(lesson=lesson, by=author)
    # Typed before or after the original, the text is the same: the edit is read as made as
    # late as possible, so the original is the first "Join them!".
    _edit(draft, 1, "Join them! Join them! Everyone agrees.")

    _, where = _moved(world, assignment, draft)

    assert where == {"Join them": (1, 0, 9)}


# A revision the editor did not record (imported from a lesson file): words are placed only
# where they stand exactly once in the whole revision, the same on both sides.


def _unrecorded(lesson: Lesson, author: User, texts: dict[int, str]) -> Lesson:
    """A draft of the next revision with these passage texts and no record of the edits."""
    draft = library_services.lesson_edit_draft(lesson=lesson, by=author)
    for position, text in texts.items():
        draft.segments.filter(position=position).update(body=text, body_html=text, text=text)
    draft.segments.update(origin=None)
    return draft


def test_without_the_editors_record_words_are_placed_only_when_unique_with_both_sides_same(
    world,
):
    first = "Our enemies are weak. The traitors lie. We stand firm and we win."
    lesson, assignment, author = _two_passages(world, first, "Glory to the nation, always.")
    for quote in ("Our enemies", "traitors lie", "stand firm", "we win"):
        _highlight(assignment, world.sam, quote, position=1)
    _highlight(assignment, world.sam, "Glory", position=2)
    # "Our enemies" no longer starts the passage; "traitors lie" has a changed side;
    # "stand firm" is now in passage 2 too; "we win" has the same words around it.
    new_first = "Listen. Our enemies are weak. The traitors lie now. We stand firm and we win."
    draft = _unrecorded(
        lesson, author, {1: new_first, 2: "Glory to the nation, always. We stand firm."}
    )

    _, where = _moved(world, assignment, draft)

    reason = work_selectors.NOT_FOUND
    win = new_first.index("we win")
    assert where == {
        "Our enemies": reason,
        "traitors lie": reason,
        "stand firm": reason,
        "we win": (1, win, win + 6),
        "Glory": (2, 0, 5),
    }


def test_without_the_editors_record_two_highlights_on_the_same_words_keep_the_second_listed(
    world,
):
    lesson, assignment, author = _two_passages(world, "Join them! Join us.", "Join them! Join us.")
    for position in (1, 2):
        _highlight(
            assignment, world.sam, "Join them", "Bandwagon,Reductio_ad_hitlerum", position=position
        )
    draft = _unrecorded(lesson, author, {})
    draft.segments.get(position=2).delete()

    move, _ = _moved(world, assignment, draft)

    placed = Highlight.objects.get(submission__assignment=assignment)
    assert (placed.segment.position, placed.start) == (1, 0)
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


@pytest.mark.parametrize(
    ("persona", "expected"),
    list(zip(PERSONAS, ("login", 404, 404, 302, 404), strict=True)),
)
def test_only_the_classs_teacher_can_ask_for_the_dry_run(client, story, persona, expected):
    url = reverse("work:assignment_revision_plan", args=[story.assignment.pk])
    if persona != "anonymous":
        client.force_login(getattr(story, persona))
    before = _everything(story.assignment)

    response = client.post(url, {"to": story.new.pk})
    got = client.get(url)

    assert response.status_code == (302 if expected == "login" else expected)
    assert got.status_code == (302 if expected == "login" else 405)  # a POST only
    assert _everything(story.assignment) == before  # a dry run writes no work
    jobs = Job.objects.filter(kind=Job.Kind.PLAN)
    assert [job.owner for job in jobs] == ([story.alice] if persona == "alice" else [])
    if persona not in ("alice", "anonymous"):
        assert work_selectors.plan_cached(story.assignment, story.new) is None


def test_bobs_class_on_the_same_lesson_is_untouched_when_alice_moves_hers(client, story):
    before = _everything(story.other)
    client.force_login(story.alice)

    client.post(_url(story.assignment), {"to": story.new.pk})

    assert _everything(story.other) == before
    assert Assignment.objects.get(pk=story.assignment.pk).lesson == story.new


def _dry_run(client, assignment: Assignment, to: Lesson):
    """The teacher asks for the dry run (the worker makes it: at once, in the tests)."""
    return client.post(
        reverse("work:assignment_revision_plan", args=[assignment.pk]), {"to": to.pk}
    )


def test_the_page_shows_the_dry_run_and_the_list_before_moving(client, story):
    client.force_login(story.alice)
    before = _everything(story.assignment)

    page = client.get(_url(story.assignment)).content.decode()

    assert_in_fragment(page, "#no-dry-run", "Lens reads every student's work")
    assert "Move this class" not in page
    response = _dry_run(client, story.assignment, story.new)
    job = Job.objects.get(owner=story.alice, kind=Job.Kind.PLAN)
    assert response.status_code == 302
    assert response.url == reverse("core:job", args=[job.pk])
    done = client.get(response.url).content.decode()
    assert_in_fragment(done, "#job-message", "Lens has worked out what moving Class A")
    assert_in_fragment(done, "#job-result", "See what moving would do")
    page = client.get(_url(story.assignment)).content.decode()

    assert _everything(story.assignment) == before
    assert f"is on <strong>revision 1</strong> of “{story.lesson.title}”" in page
    assert "Revision 2 is published" in page
    assert "10 highlights from 2 students will be re-anchored" in page
    assert "2 answers and 2 reviews follow their questions" in page
    assert "these 7 pieces of work cannot be placed and will be kept in a list below" in page
    assert_in_fragment(page, "#unplaced-heading", "What cannot be placed, by student (2 students)")
    assert "<h5>Sam Student</h5>" in page and "<h5>Tom Student</h5>" in page
    assert "<strong>Highlight</strong> in passage 2 on <q>Cold War</q> — Loaded language" in page
    assert f"Why: {CHANGED}." in page
    assert "to <q>When did the Cold War begin?</q>" in page
    assert f'<input type="hidden" name="to" value="{story.new.pk}">' in page
    assert "Move this class to revision 2</button>" in page
    assert "dry-run-age" not in page  # made from the work as it is


def test_the_work_that_cannot_be_placed_is_listed_a_page_of_students_at_a_time(
    client, story, monkeypatch
):
    monkeypatch.setattr(revision_views, "STUDENTS_PER_PAGE", 1)  # two students: two pages
    client.force_login(story.alice)
    _dry_run(client, story.assignment, story.new)

    first = client.get(_url(story.assignment)).content.decode()
    second = client.get(_url(story.assignment) + "?page=2").content.decode()
    past_the_end = client.get(_url(story.assignment) + "?page=9").content.decode()
    not_a_number = client.get(_url(story.assignment) + "?page=x%00").content.decode()

    assert "<h5>Sam Student</h5>" in first and "Tom Student" not in first, first
    assert "<h5>Tom Student</h5>" in second and "Sam Student" not in second, second
    assert_in_fragment(first, "#unplaced-heading", "(2 students)")
    assert_in_fragment(first, "#unplaced-next", "Next")
    assert 'href="?page=2#unplaced-heading"' in first.replace(_url(story.assignment), "")
    assert_in_fragment(second, "#unplaced-previous", "Previous")
    assert "<h5>Tom Student</h5>" in past_the_end  # the last page
    assert "<h5>Sam Student</h5>" in not_a_number  # the first


def test_a_get_of_the_revision_page_never_works_out_the_move(client, story, monkeypatch):
    client.force_login(story.alice)
    _dry_run(client, story.assignment, story.new)

    def planned(*args, **kwargs):
        raise AssertionError("a GET planned the move")

    monkeypatch.setattr(work_selectors, "plan_move", planned)
    monkeypatch.setattr(work_selectors, "prepare_move", planned)
    page = client.get(_url(story.assignment)).content.decode()

    assert "10 highlights from 2 students will be re-anchored" in page


def test_the_dry_run_says_when_students_changed_their_work_since(client, story):
    client.force_login(story.alice)
    _dry_run(client, story.assignment, story.new)
    _highlight(story.assignment, story.tom, "traitors", "Doubt", occurrence=1)

    page = client.get(_url(story.assignment)).content.decode()

    assert_in_fragment(page, "#dry-run-age", "Students have changed their work since")
    assert "10 highlights from 2 students will be re-anchored" in page  # as it was worked out
    _dry_run(client, story.assignment, story.new)
    page = client.get(_url(story.assignment)).content.decode()
    assert "dry-run-age" not in page
    assert "11 highlights from 2 students will be re-anchored" in page


def test_a_dry_run_of_another_revision_or_class_is_not_shown(client, story):
    client.force_login(story.bob)
    _dry_run(client, story.other, story.new)
    client.force_login(story.alice)

    page = client.get(_url(story.assignment)).content.decode()

    assert "will be re-anchored" not in page
    assert_in_fragment(page, "#no-dry-run", "Lens reads every student's work")


def test_moving_says_what_happened_and_lists_what_was_kept(client, story):
    client.force_login(story.alice)
    _dry_run(client, story.assignment, story.new)

    response = client.post(_url(story.assignment), {"to": story.new.pk}, follow=True)

    job = Job.objects.get(owner=story.alice, kind=Job.Kind.MOVE)
    assert response.redirect_chain == [(reverse("core:job", args=[job.pk]), 302)]
    done = response.content.decode()
    assert_in_fragment(
        done,
        "#job-message",
        "Class A is now on revision 2. 10 highlights re-anchored; 2 answers and 2 reviews "
        "followed their questions. 7 pieces of work could not be placed: listed on the "
        "revision page.",
    )
    assert "job-bar" not in done and "job-retry" not in done
    page = client.get(_url(story.assignment)).content.decode()
    assert "This class is on the newest revision of this lesson." in page
    assert "Move this class" not in page
    assert "Work that could not be carried over (7)" in page
    assert "<h3>Sam Student</h3>" in page and "<h3>Tom Student</h3>" in page
    assert "Note: A loaded name." in page
    assert "Answer: In 1950." in page
    assert "Comment: Check the year." in page and "Score: 3 of 5" in page
    assert "of the key span <q>The West wants war</q>" in page
    assert "from revision 1 to revision 2 by Alice Teacher, 10 highlights re-anchored." in page
    event = AuditEvent.objects.get(actor=story.alice, object_type="revisionmove")
    assert event.detail.endswith("from revision 1 to revision 2")


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
        f'<a href="{_url(story.assignment)}#kept-heading">7 pieces of work could not be '
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
    west = "<strong>Highlight</strong> in passage 3 on <q>The West</q>"
    assert cold_war in sam and west not in sam
    assert "Comment: You missed this one." in sam and "Chose: Appeal to fear / prejudice" in sam
    assert west in tom and cold_war not in tom


# Query counts ---------------------------------------------------------------------------

# student_work includes the one INSERT that records the view in the audit log.
MAX_QUERIES = {"plan": 10, "kept": 7, "student_work": 15, "dashboard": 11}


def _class_with_work(size: int) -> tuple[User, Assignment, Lesson]:
    """A class of `size` students who all did Sam's work, and revision 2 of its lesson."""
    teacher = factories.make_teacher("Teacher")
    classroom = factories.make_classroom(teacher, "Class")
    lesson = _lesson(factories.make_teacher("Author"))
    assignment = factories.make_assignment(classroom, lesson)
    factories.grow_class(
        classroom, size, lambda student, n: _sams_work(assignment, student, teacher)
    )
    return teacher, assignment, _revise(lesson)


PAGES = {
    "plan": lambda a: _url(a),
    "kept": lambda a: _url(a),
    "student_work": lambda a: reverse(
        "insights:student_work", args=[a.pk, a.submissions.order_by("pk").first().student_id]
    ),
    "dashboard": lambda a: reverse("insights:dashboard", args=[a.pk]),
}
# Each of Sam's copies: 8 highlights placed; 2 highlights, 2 answers and 2 reviews kept.
EVIDENCE = {
    "plan": "{n8} highlights from {n} students will be re-anchored",
    "kept": "Work that could not be carried over ({n6})",
    "student_work": "Work not carried over to revision 2",
    "dashboard": "{n6} pieces of work could not be carried over",
}


@pytest.mark.parametrize("page", list(PAGES))
def test_the_revision_pages_run_as_many_queries_for_30_students_as_for_3(
    client, db, django_assert_max_num_queries, page
):
    counts = []
    for size in (3, 30):
        teacher, assignment, new = _class_with_work(size)
        client.force_login(teacher)
        if page == "plan":
            _dry_run(client, assignment, new)
        else:
            work_services.assignment_move(assignment=assignment, to=new, by=teacher)
        url = PAGES[page](assignment)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert EVIDENCE[page].format(n=size, n8=8 * size, n6=6 * size) in (
            response.content.decode()
        )
        counts.append(len(queries.captured_queries))

    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(MAX_QUERIES[page]):
        client.get(url)

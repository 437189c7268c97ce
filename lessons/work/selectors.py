"""Reads on students' work. Planning the move of an assignment to a later revision of its lesson.

The guarantees (docs/revisions.md):

1. A published revision is never changed. Editing it starts a draft of the next revision, an
   exact copy (passages, prompts and key spans keep their identity, `uid`).
2. Publishing that draft marks the earlier revision replaced; assignments stay on the
   revision they were given, so students' highlights keep pointing at the words they chose.
3. A teacher may move an assignment to the newer revision. Every highlight is re-anchored
   by its quote and the words around it (`anchoring.reanchor`); answers and reviews follow
   their prompt and key span by identity. Whatever cannot be placed with confidence is kept
   whole as `UnplacedWork` and listed for the teacher: never dropped, never put on other words.
"""

from dataclasses import dataclass, field

from lessons.library.anchoring import Anchor, Unplaceable, reanchor
from lessons.library.models import KeySpan, Lesson, Prompt, Segment
from lessons.library.services import RevisionRefused

from .models import Answer, Assignment, Highlight, Review, Submission

# Moving an assignment -------------------------------------------------------------------


@dataclass
class Unplaced:
    kind: str
    submission: Submission
    reason: str
    item: Highlight | Answer | Review


@dataclass
class MovePlan:
    assignment: Assignment
    to: Lesson
    highlights: list[tuple[Highlight, Segment, Anchor]] = field(default_factory=list)
    answers: list[tuple[Answer, Prompt]] = field(default_factory=list)
    reviews: list[tuple[Review, Prompt | None, KeySpan | None]] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)


def _check_move(assignment: Assignment, to: Lesson) -> None:
    current = assignment.lesson
    if to.lineage_id != current.lineage_id:
        raise RevisionRefused("That is not a revision of this assignment's lesson.")
    if not to.is_published or to.revision <= current.revision:
        raise RevisionRefused("An assignment can only move to a later, published revision.")
    if to.taxonomy_id != current.taxonomy_id:
        raise RevisionRefused("The new revision uses another taxonomy, so work cannot move.")


def plan_move(assignment: Assignment, to: Lesson) -> MovePlan:
    """Where every piece of the class's work would go in revision `to` (writes nothing).
    Reads only the columns it needs: a class of 200 has thousands of highlights and answers."""
    _check_move(assignment, to)
    plan = MovePlan(assignment=assignment, to=to)
    new_segments = list(to.segments.only("id", "uid", "position", "text"))
    texts = [s.text for s in new_segments]
    index_by_uid = {s.uid: i for i, s in enumerate(new_segments)}
    prompts = {p.uid: p for p in Prompt.objects.filter(segment__lesson=to)}
    key_spans = {k.uid: k for k in KeySpan.objects.filter(segment__lesson=to)}
    lost: dict[str, dict[int, str]] = {"highlight": {}, "answer": {}, "review": {}}
    old_texts = dict(Segment.objects.filter(lesson=assignment.lesson_id).values_list("id", "text"))

    highlights = (
        Highlight.objects.filter(submission__assignment=assignment)
        .select_related("segment")
        .only(
            "id",
            "submission_id",
            "technique_id",
            "start",
            "end",
            "quote",
            "prefix",
            "suffix",
            "segment__uid",
            "segment__position",
        )
        .order_by("submission", "segment__position", "start", "end", "id")
    )
    taken = set()
    for highlight in highlights:
        try:
            place = reanchor(
                highlight.quote,
                highlight.prefix,
                highlight.suffix,
                texts,
                preferred=index_by_uid.get(highlight.segment.uid),
                old_text=old_texts[highlight.segment_id],
            )
        except Unplaceable as problem:
            lost["highlight"][highlight.pk] = str(problem)
            continue
        segment = new_segments[place.index]
        key = (
            highlight.submission_id,
            segment.pk,
            highlight.technique_id,
            place.anchor.start,
            place.anchor.end,
        )
        if key in taken:
            lost["highlight"][highlight.pk] = "the same words already carry this highlight"
            continue
        taken.add(key)
        plan.highlights.append((highlight, segment, place.anchor))

    gone = "its question was removed or changed kind in the new revision"
    answers = (
        Answer.objects.filter(submission__assignment=assignment)
        .select_related("prompt")
        .only("id", "submission_id", "prompt__uid", "prompt__kind")
    )
    for answer in answers:
        prompt = prompts.get(answer.prompt.uid)
        if prompt is None or prompt.kind != answer.prompt.kind:
            lost["answer"][answer.pk] = gone
        else:
            plan.answers.append((answer, prompt))
    reviews = (
        Review.objects.filter(submission__assignment=assignment)
        .select_related("prompt", "key_span")
        .only("id", "submission_id", "prompt__uid", "prompt__kind", "key_span__uid")
    )
    for review in reviews:
        if review.prompt_id:
            prompt = prompts.get(review.prompt.uid)
            if prompt is None or prompt.kind != review.prompt.kind:
                lost["review"][review.pk] = gone
            else:
                plan.reviews.append((review, prompt, None))
        elif review.key_span_id:
            key_span = key_spans.get(review.key_span.uid)
            if key_span is None:
                lost["review"][review.pk] = "its key span was removed in the new revision"
            else:
                plan.reviews.append((review, None, key_span))

    # What cannot be placed is read whole: it is shown to the teacher and kept.
    whole = {
        "highlight": Highlight.objects.select_related(
            "segment", "technique", "submission__student"
        ),
        "answer": Answer.objects.select_related(
            "prompt__segment", "submission__student"
        ).prefetch_related("techniques"),
        "review": Review.objects.select_related(
            "prompt__segment", "key_span__segment", "key_span__technique", "submission__student"
        ),
    }
    for kind, reasons in lost.items():
        if reasons:
            for item in whole[kind].filter(pk__in=reasons).order_by("submission", "pk"):
                plan.unplaced.append(Unplaced(kind, item.submission, reasons[item.pk], item))
    return plan

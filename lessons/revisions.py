"""Revisions of a lesson, and moving an assignment to a later revision.

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

from django.db import transaction
from django.db.models import F, Max, Prefetch
from django.db.models.functions import Least
from django.utils import timezone

from core.models import User

from .anchoring import Anchor, Unplaceable, reanchor
from .models import (
    Answer,
    Assignment,
    Highlight,
    KeySpan,
    Lesson,
    Prompt,
    Review,
    RevisionMove,
    Segment,
    Submission,
    UnplacedWork,
)


class RevisionRefused(Exception):
    """A revision action that cannot be carried out; the message is for the teacher."""

    status = 400


def check_editable(lesson: Lesson) -> None:
    """Every authoring write calls this first: only drafts change."""
    if lesson.is_published:
        raise RevisionRefused(
            "This lesson is published, so it is not changed: edit it to start a new revision."
        )


def lineage(lesson: Lesson):
    """Every revision of this lesson, oldest first."""
    root = lesson.root_id or lesson.pk
    return Lesson.objects.filter(pk=root) | Lesson.objects.filter(root_id=root)


def newer_revision(lesson: Lesson) -> Lesson | None:
    """The current published revision of this lesson's lineage, when it is a later one."""
    return (
        lineage(lesson)
        .filter(is_published=True, replaced_at__isnull=True, revision__gt=lesson.revision)
        .order_by("-revision")
        .first()
    )


def draft_revision(lesson: Lesson) -> Lesson | None:
    """The draft of a later revision being written, if there is one."""
    return (
        lineage(lesson)
        .filter(is_published=False, revision__gt=lesson.revision)
        .order_by("-revision")
        .first()
    )


def _copy_content(source: Lesson, target: Lesson) -> None:
    """Copy passages, prompts and key spans, keeping their identity (`uid`)."""
    segments = list(
        source.segments.prefetch_related(
            "prompts", Prefetch("key_spans", queryset=KeySpan.objects.order_by("position"))
        )
    )
    copies = Segment.objects.bulk_create(
        Segment(
            lesson=target,
            uid=s.uid,
            position=s.position,
            title=s.title,
            body=s.body,
            body_html=s.body_html,
            text=s.text,
        )
        for s in segments
    )
    prompts, keys = [], []
    for original, copy in zip(segments, copies, strict=True):
        prompts += [
            Prompt(segment=copy, uid=p.uid, position=p.position, kind=p.kind, text=p.text)
            for p in original.prompts.all()
        ]
        keys += [
            KeySpan(
                segment=copy,
                uid=k.uid,
                position=k.position,
                technique_id=k.technique_id,
                start=k.start,
                end=k.end,
                quote=k.quote,
                explanation=k.explanation,
            )
            for k in original.key_spans.all()
        ]
    Prompt.objects.bulk_create(prompts)
    KeySpan.objects.bulk_create(keys)


@transaction.atomic
def lesson_edit_draft(*, lesson: Lesson, by: User) -> Lesson:
    """The draft in which `by` edits `lesson`: the lesson itself when it is a draft; for a
    published lesson, the draft of its next revision (made now, an exact copy, if needed)."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if lesson.created_by_id != by.pk:
        raise RevisionRefused("Only the lesson's author can edit it. Duplicate it to adapt it.")
    if not lesson.is_published:
        return lesson
    if lesson.is_replaced:
        raise RevisionRefused("A later revision of this lesson exists: edit that one.")
    existing = draft_revision(lesson)
    if existing:
        return existing
    latest = lineage(lesson).aggregate(n=Max("revision"))["n"]
    draft = Lesson.objects.get(pk=lesson.pk)
    draft.pk = draft.id = None
    draft._state.adding = True
    draft.root_id = lesson.lineage_id
    draft.revision = latest + 1
    draft.is_published = False
    draft.replaced_at = None
    draft.save()
    _copy_content(lesson, draft)
    return draft


def publish_problems(lesson: Lesson) -> list[str]:
    """What must be fixed before the lesson can be published (empty when it can)."""
    problems = []
    for name in ("title", "author", "audience", "provenance", "introduction"):
        if not getattr(lesson, name).strip():
            label = Lesson._meta.get_field(name).verbose_name
            problems.append(f"The lesson needs its {label}.")
    segments = list(lesson.segments.all())
    if not segments:
        problems.append("The lesson needs at least one passage.")
    for segment in segments:
        if not segment.text.strip():
            problems.append(f"Passage {segment.position} has no text.")
    return problems


@transaction.atomic
def lesson_publish(*, lesson: Lesson) -> Lesson:
    """Publish a draft. A draft of a later revision replaces the revision before it."""
    locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if not locked.is_published:
        problems = publish_problems(locked)
        if problems:
            raise RevisionRefused(" ".join(problems))
        now = timezone.now()
        lineage(locked).filter(is_published=True, replaced_at__isnull=True).exclude(
            pk=locked.pk
        ).update(replaced_at=now, updated_at=now)
        locked.is_published, locked.replaced_at = True, None
        locked.save(update_fields=["is_published", "replaced_at", "updated_at"])
    lesson.is_published, lesson.replaced_at = locked.is_published, locked.replaced_at
    return lesson


@transaction.atomic
def lesson_unpublish(*, lesson: Lesson) -> Lesson:
    """Make a published lesson a draft again: refused while it is assigned. Unpublishing a
    later revision makes the revision before it current again."""
    given, lesson = lesson, Lesson.objects.select_for_update().get(pk=lesson.pk)
    if not lesson.is_published:
        given.is_published = False
        return given
    if lesson.assignments.exists():
        raise RevisionRefused("This lesson is assigned to a class, so it cannot be unpublished.")
    if lesson.is_replaced:
        raise RevisionRefused("A later revision replaced this one; it is kept as it is.")
    if draft_revision(lesson):
        raise RevisionRefused(
            "A draft of the next revision exists; publish or delete it before unpublishing."
        )
    previous = (
        lineage(lesson)
        .filter(is_published=True, revision__lt=lesson.revision)
        .order_by("-revision")
        .first()
    )
    if previous:
        previous.replaced_at = None
        previous.save(update_fields=["replaced_at", "updated_at"])
    lesson.is_published = False
    lesson.save(update_fields=["is_published", "updated_at"])
    given.is_published = False
    return given


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


def _unplaced_row(move: RevisionMove, item: Unplaced) -> UnplacedWork:
    row = UnplacedWork(move=move, submission=item.submission, kind=item.kind, reason=item.reason)
    obj = item.item
    if isinstance(obj, Highlight):
        row.segment_position = obj.segment.position
        row.quote, row.prefix, row.suffix = obj.quote, obj.prefix, obj.suffix
        row.start, row.end = obj.start, obj.end
        row.technique_id, row.text = obj.technique_id, obj.note
    elif isinstance(obj, Answer):
        row.segment_position = obj.prompt.segment.position
        row.prompt_text, row.text = obj.prompt.text, obj.text
    else:
        if obj.prompt_id:
            row.segment_position = obj.prompt.segment.position
            row.prompt_text = obj.prompt.text
        else:
            row.segment_position = obj.key_span.segment.position
            row.quote = obj.key_span.quote
            row.technique_id = obj.key_span.technique_id
        row.text, row.score = obj.comment, obj.score
    return row


@transaction.atomic
def assignment_move(*, assignment: Assignment, to: Lesson, by: User) -> RevisionMove:
    """Move the assignment and all its work to revision `to` (see the module docstring)."""
    assignment = (
        Assignment.objects.select_for_update().select_related("lesson").get(pk=assignment.pk)
    )
    plan = plan_move(assignment, to)
    move = RevisionMove.objects.create(
        assignment=assignment,
        from_lesson=assignment.lesson,
        to_lesson=to,
        moved_by=by,
        placed=len(plan.highlights),
    )
    rows = UnplacedWork.objects.bulk_create(_unplaced_row(move, item) for item in plan.unplaced)
    UnplacedWork.techniques.through.objects.bulk_create(
        UnplacedWork.techniques.through(unplacedwork_id=row.pk, technique_id=technique.pk)
        for row, item in zip(rows, plan.unplaced, strict=True)
        if isinstance(item.item, Answer)
        for technique in item.item.techniques.all()
    )
    for model in (Highlight, Answer, Review):
        ids = [item.item.pk for item in plan.unplaced if isinstance(item.item, model)]
        if ids:
            model.objects.filter(pk__in=ids).delete()

    # Highlights whose words and context are unchanged move by passage and shift, in a few
    # updates; only those whose context changed are written one by one.
    shifts: dict[tuple[int, int], list[int]] = {}
    rewritten = []
    for highlight, segment, anchor in plan.highlights:
        if (anchor.prefix, anchor.suffix) == (highlight.prefix, highlight.suffix):
            shifts.setdefault((segment.pk, anchor.start - highlight.start), []).append(highlight.pk)
        else:
            rewritten.append((highlight.pk, segment.pk, anchor))
    for (segment_id, delta), ids in shifts.items():
        Highlight.objects.filter(pk__in=ids).update(
            segment_id=segment_id, start=F("start") + delta, end=F("end") + delta
        )
    for pk, segment_id, anchor in rewritten:
        Highlight.objects.filter(pk=pk).update(
            segment_id=segment_id,
            start=anchor.start,
            end=anchor.end,
            prefix=anchor.prefix,
            suffix=anchor.suffix,
        )
    by_prompt: dict[int, list[int]] = {}
    for answer, prompt in plan.answers:
        by_prompt.setdefault(prompt.pk, []).append(answer.pk)
    for prompt_id, ids in by_prompt.items():
        Answer.objects.filter(pk__in=ids).update(prompt_id=prompt_id)
    by_target: dict[tuple[int | None, int | None], list[int]] = {}
    for review, prompt, key_span in plan.reviews:
        target = (prompt.pk if prompt else None, key_span.pk if key_span else None)
        by_target.setdefault(target, []).append(review.pk)
    for (prompt_id, key_span_id), ids in by_target.items():
        Review.objects.filter(pk__in=ids).update(prompt_id=prompt_id, key_span_id=key_span_id)

    count = to.segments.count()
    Submission.objects.filter(assignment=assignment, reached__gt=count).update(
        reached=count, position=Least("position", count), updated_at=timezone.now()
    )
    assignment.lesson = to
    assignment.save(update_fields=["lesson", "updated_at"])
    return move

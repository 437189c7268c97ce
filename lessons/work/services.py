"""Writes on students' work: assignments, submissions, highlights, answers, hand-in, the
teacher's settings, extensions and reviews, and moving an assignment to a later revision.
A write that cannot be made raises `core.refusals.Refusal` with the reason."""

import logging
from collections.abc import Iterable, Mapping

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Least
from django.utils import timezone

from core.models import Classroom, User
from core.refusals import Refusal
from lessons.library.anchoring import Anchor
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Technique

from .models import Answer, Assignment, Highlight, Review, RevisionMove, Submission, UnplacedWork
from .selectors import Unplaced, plan_move

logger = logging.getLogger(__name__)


def _duplicate(quote: str, technique: Technique) -> Refusal:
    return Refusal(f"You have already highlighted “{quote}” as {technique.name}.", status=409)


# Assignments ---------------------------------------------------------------------------


def assignment_create(
    *,
    classroom: Classroom,
    lesson: Lesson,
    opens_at=None,
    due_at=None,
    feedback_release: str = Assignment.Release.ON_SUBMIT,
) -> tuple[Assignment, bool]:
    return Assignment.objects.get_or_create(
        classroom=classroom,
        lesson=lesson,
        defaults={"opens_at": opens_at, "due_at": due_at, "feedback_release": feedback_release},
    )


# Students' work ------------------------------------------------------------------------


def submission_for(*, assignment: Assignment, student: User) -> Submission:
    """The student's submission, created on first use (its `assignment` is the one given)."""
    submission, _ = assignment.submissions.get_or_create(student=student)
    return submission


def submission_move(*, submission: Submission, position: int) -> None:
    """Remember where the student is, so they resume there."""
    if submission.is_submitted:
        return
    fields = {"position": position, "reached": max(submission.reached, position)}
    if (submission.position, submission.reached) != (fields["position"], fields["reached"]):
        Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now(), **fields)
        submission.position, submission.reached = fields["position"], fields["reached"]


def highlight_create(
    *,
    submission: Submission,
    segment: Segment,
    technique: Technique,
    anchor: Anchor,
    note: str = "",
) -> Highlight:
    submission.check_open()
    duplicate = submission.highlights.filter(
        segment=segment, technique=technique, start=anchor.start, end=anchor.end
    ).exists()
    if duplicate:
        raise _duplicate(anchor.quote, technique)
    try:
        with transaction.atomic():
            return Highlight.objects.create(
                submission=submission,
                segment=segment,
                technique=technique,
                start=anchor.start,
                end=anchor.end,
                quote=anchor.quote,
                prefix=anchor.prefix,
                suffix=anchor.suffix,
                note=note,
            )
    except IntegrityError as error:  # a double submit that raced the check above
        raise _duplicate(anchor.quote, technique) from error


def highlight_update(*, highlight: Highlight, technique: Technique, note: str) -> Highlight:
    highlight.submission.check_open()
    clash = (
        Highlight.objects.filter(
            submission=highlight.submission_id,
            segment=highlight.segment_id,
            technique=technique,
            start=highlight.start,
            end=highlight.end,
        )
        .exclude(pk=highlight.pk)
        .exists()
    )
    if clash:
        raise _duplicate(highlight.quote, technique)
    highlight.technique, highlight.note = technique, note
    highlight.save(update_fields=["technique", "note", "updated_at"])
    return highlight


def highlight_delete(*, highlight: Highlight) -> None:
    highlight.submission.check_open()
    highlight.delete()


def _answer_create(submission: Submission, prompt: Prompt, text: str = "") -> Answer:
    """A new answer; when a concurrent save of the same form (the autosave racing "Save and
    continue") created it first, that one, brought up to date: the last save wins."""
    try:
        with transaction.atomic():
            return Answer.objects.create(submission=submission, prompt=prompt, text=text)
    except IntegrityError:
        answer = Answer.objects.select_for_update().get(submission=submission, prompt=prompt)
        if answer.text != text:
            answer.text = text
            answer.save(update_fields=["text", "updated_at"])
        return answer


@transaction.atomic
def answers_save(
    *,
    submission: Submission,
    texts: Mapping[Prompt, str],
    choices: Mapping[Prompt, Iterable[Technique]],
) -> None:
    """Save the answers to a segment's prompts (one Answer per student and prompt)."""
    submission.check_open()
    existing = {
        a.prompt_id: a
        for a in Answer.objects.select_for_update().filter(
            submission=submission, prompt__in=[*texts, *choices]
        )
    }
    for prompt, text in texts.items():
        answer = existing.get(prompt.pk)
        if answer is None:
            if text:
                _answer_create(submission, prompt, text=text)
        elif answer.text != text:
            answer.text = text
            answer.save(update_fields=["text", "updated_at"])
    for prompt, techniques in choices.items():
        answer = existing.get(prompt.pk)
        chosen = set(techniques)
        if answer is None:
            if not chosen:
                continue
            answer = _answer_create(submission, prompt)
        elif set(answer.techniques.all()) == chosen:
            continue
        else:
            answer.save(update_fields=["updated_at"])
        answer.techniques.set(chosen)
    Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now())


def submission_submit(*, submission: Submission) -> bool:
    """Hand the work in. Returns False when it had been handed in already (a double submit).
    Refused after the due date when the assignment takes no late work."""
    if not submission.is_submitted:
        submission.check_open()
    updated = Submission.objects.filter(pk=submission.pk, submitted_at__isnull=True).update(
        submitted_at=timezone.now()
    )
    submission.refresh_from_db(fields=["submitted_at"])
    return bool(updated)


# Feedback and review --------------------------------------------------------------------


def assignment_update(
    *,
    assignment: Assignment,
    opens_at,
    due_at,
    accept_late: bool,
    feedback_release: str,
) -> Assignment:
    assignment.opens_at, assignment.due_at = opens_at, due_at
    assignment.accept_late, assignment.feedback_release = accept_late, feedback_release
    assignment.save(
        update_fields=["opens_at", "due_at", "accept_late", "feedback_release", "updated_at"]
    )
    return assignment


def feedback_release(*, assignment: Assignment) -> bool:
    """Release feedback now (for manual release). False if it was released already."""
    updated = Assignment.objects.filter(pk=assignment.pk, feedback_released_at__isnull=True).update(
        feedback_release=Assignment.Release.MANUAL,
        feedback_released_at=timezone.now(),
        updated_at=timezone.now(),
    )
    assignment.refresh_from_db(fields=["feedback_release", "feedback_released_at"])
    return bool(updated)


def submission_extend(*, assignment: Assignment, student: User, due_at) -> Submission:
    """A later due date for one student (None takes the extension away)."""
    submission = submission_for(assignment=assignment, student=student)
    submission.extended_due_at = due_at
    submission.save(update_fields=["extended_due_at", "updated_at"])
    return submission


def review_save(
    *,
    submission: Submission,
    reviewer: User,
    comment: str,
    score: int | None,
    prompt: Prompt | None = None,
    key_span: KeySpan | None = None,
    reviewed: bool = True,
) -> Review:
    """Create or update the teacher's review of one answer, one key span, or the whole work."""
    with transaction.atomic():
        review, _ = Review.objects.select_for_update().get_or_create(
            submission=submission, prompt=prompt, key_span=key_span
        )
        review.comment, review.score, review.reviewer = comment, score, reviewer
        review.reviewed_at = timezone.now() if reviewed else None
        review.save()
    return review


# Moving an assignment to a later revision ---------------------------------------------


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
    """Move the assignment and all its work to revision `to` (see `selectors`). Refused
    (`selectors.move_refusal`) unless `to` is the newest published revision of its lesson."""
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
    from_revision = assignment.lesson.revision
    assignment.lesson = to
    assignment.save(update_fields=["lesson", "updated_at"])
    logger.info(
        "Moved assignment %s from revision %s to revision %s: %s highlights placed, "
        "%s pieces of work unplaced, by user %s",
        assignment.pk,
        from_revision,
        to.revision,
        move.placed,
        len(plan.unplaced),
        by.pk,
        extra={
            "assignment_id": assignment.pk,
            "from_revision": from_revision,
            "to_revision": to.revision,
            "placed": move.placed,
            "unplaced": len(plan.unplaced),
            "user_id": by.pk,
        },
    )
    return move

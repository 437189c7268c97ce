"""Writes on students' work: assignments, submissions, highlights, answers, hand-in, the
teacher's settings, extensions and reviews, and moving an assignment to a later revision.
A write that cannot be made raises `core.refusals.Refusal` with the reason.

No write on a class's work can fall between the plan of a move and the move
(docs/revisions.md): the move locks the assignment's row for update and reads the work
inside that lock; every write on the work (a highlight, answers, a hand-in, a review) first
takes a lock on the same row that other students' writes share but a move does not
(`_lock_for_work`), then checks that the passage or question it writes to is still on the
revision the class is on. A write either completes before the move reads the work, and
moves with it, or waits for the move and is refused (409): the student reloads and finds
their work on the new revision.

No highlight or answer is saved after the work is handed in: a student's write locks, after
the assignment, the student's submission row (`_lock_submission`; the hand-in takes the same
lock) and checks inside the lock whether the work is handed in or past its due date
(`_writing`). A student's first write creates the submission; reading a page never does."""

import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from core.models import Classroom, User
from core.refusals import Refusal
from lessons.library.anchoring import Anchor
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Technique

from . import signals
from .access import classes_in_care_of
from .models import (
    Answer,
    Assignment,
    AuditEvent,
    Highlight,
    Review,
    RevisionMove,
    Submission,
    UnplacedWork,
)
from .selectors import (
    PLAN_CACHE_SECONDS,
    CachedPlan,
    PreparedMove,
    Unplaced,
    columns_of,
    deletion_plan,
    model_from_row,
    orphaned_work,
    plan_cache_key,
    plan_move,
    replan_changed,
    summarise,
    who,
)

logger = logging.getLogger(__name__)


def _duplicate(quote: str, technique: Technique) -> Refusal:
    return Refusal(
        gettext("You have already highlighted “%(quote)s” as %(technique)s.")
        % {"quote": quote, "technique": technique.display_name},
        status=409,
    )


MOVED = gettext_noop(
    "Your teacher has just moved this class to a new version of the lesson. "
    "Reload the page: your work is there."
)


def _assignment_sql(tail: str) -> str:
    ops = connection.ops
    table = ops.quote_name(Assignment._meta.db_table)
    lesson = ops.quote_name(Assignment._meta.get_field("lesson").column)
    pk_column = Assignment._meta.pk.column
    assert pk_column is not None  # a primary key always has its column
    pk = ops.quote_name(pk_column)
    return tail.format(table=table, lesson=lesson, pk=pk)


def _lock_for_work(assignment_id: int) -> int:
    """Inside the caller's transaction, lock the assignment for a write on its work, and
    return the revision (lesson id) the class is on, read inside the lock.

    PostgreSQL: `FOR KEY SHARE`, which writes of other students share and which a move's
    `FOR UPDATE` waits for (and makes wait). SQLite has no row locks and one writer at a
    time: the write takes the database's write lock first, with an update that changes
    nothing, so that it waits for a move rather than failing to turn its read into a write."""
    if connection.vendor == "postgresql":
        sql = "SELECT {lesson} FROM {table} WHERE {pk} = %s FOR KEY SHARE"
    else:
        sql = "UPDATE {table} SET {lesson} = {lesson} WHERE {pk} = %s RETURNING {lesson}"
    with connection.cursor() as cursor:
        cursor.execute(_assignment_sql(sql), [assignment_id])
        row = cursor.fetchone()
    if row is None:
        raise Refusal(gettext("This lesson is no longer assigned to your class."), status=404)
    return row[0]


def _check_current(lesson_id: int, *written_on: int) -> None:
    """Refuse (409) a write on a revision the class has just been moved from."""
    if any(lesson != lesson_id for lesson in written_on):
        raise Refusal(gettext(MOVED), status=409)


def _lock_submission(submission: Submission) -> None:
    """Inside the caller's transaction, after `_lock_for_work` (the assignment first, then
    the submission, in every write: no two writes wait for each other in opposite orders),
    lock the student's submission row (`FOR UPDATE`; on SQLite the write lock is held
    already) and read its state into `submission`, as it is now. An unsaved `submission`
    (the student's first write: reading a page never creates one) is created here, or, when
    the student's other write has just created it, that one is locked.

    The hand-in takes the same lock, so a highlight or an answer and the hand-in of the same
    work take turns: the one that comes second sees what the first did, and a write that
    finds the work handed in is refused (`Submission.check_open`)."""
    rows = Submission.objects.select_for_update().filter(
        assignment_id=submission.assignment_id, student_id=submission.student_id
    )
    locked = None if submission.pk is None else _locked(submission.pk)
    for _ in range(3):
        if locked is not None:
            break
        try:
            with transaction.atomic():
                submission.save(force_insert=True)
            return  # a new row: no one else's until this transaction ends
        except IntegrityError:  # created by the student's other write, committed since
            # (on SQLite's shared in-memory test database, an insert can also clash with
            # the other write's row before that write is rolled back: then try again)
            locked = rows.first()
    if locked is None:
        raise Refusal(
            gettext("Your work could not be saved just now. Please try again."), status=409
        )
    for column in Submission._meta.concrete_fields:
        setattr(submission, column.attname, getattr(locked, column.attname))
    submission._state.adding = False


def _locked(pk: int) -> Submission:
    """The submission `pk`, locked (`FOR UPDATE`, as `select_for_update` asks; SQLite has no
    such clause), read as it is now: in SQL written here, as `_lock_for_work`'s is (Django
    took 0.3 ms of CPU to build the query, in every write)."""
    sql = f'SELECT {columns_of(Submission, "s")} FROM "work_submission" s WHERE s."id" = %s'
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk])
        row = cursor.fetchone()
    locked = None if row is None else model_from_row(Submission, row)
    if locked is None:  # deleted (the student's data, by their teacher)
        raise Submission.DoesNotExist
    return locked


@contextmanager
def _writing(submission: Submission) -> Iterator[int]:
    """A write on the student's work, in one transaction: the assignment locked
    (`_lock_for_work`), then the submission (`_lock_submission`), its state read inside the
    locks; gives the revision (lesson id) the class is on. A write that fails leaves
    `submission` as it found it: unsaved, if the write was to create it."""
    unsaved = submission.pk is None
    try:
        with transaction.atomic():
            lesson_id = _lock_for_work(submission.assignment_id)
            _lock_submission(submission)
            yield lesson_id
    except BaseException:
        if unsaved:  # its creation was rolled back with the write
            submission.pk = None
            submission._state.adding = True
        raise


def _place(submission: Submission, position: int) -> dict[str, int]:
    """Where the student resumes, and how far they have got, once they are at `position`."""
    return {"position": position, "reached": max(submission.reached, position)}


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
    """The student's submission, created on first use (its `assignment` is the one given).
    For the teacher's writes and the demo; a student's own writes create it themselves,
    inside their locks (`_lock_submission`)."""
    submission, _ = assignment.submissions.get_or_create(student=student)
    return submission


def submission_move(*, submission: Submission, position: int) -> None:
    """Remember where the student is, so they resume there (the student's own page does it
    as it saves their answers: `answers_save`)."""
    if submission.pk is not None and (submission.is_submitted or submission.position == position):
        return  # nothing to change (the position is never beyond how far they got)
    with _writing(submission) as lesson_id:
        if submission.is_submitted:
            return
        if lesson_id != submission.assignment.lesson_id:
            return  # the move has just brought the student's place within the new revision
        fields = _place(submission, position)
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
    """Store a highlight. `submission` may be unsaved: the student's first write creates it.
    Refused (409) once the work is handed in or past its due date without late work, as
    read inside the locks."""
    try:
        with _writing(submission) as lesson_id:
            submission.check_open()
            _check_current(lesson_id, segment.lesson_id)
            highlight = Highlight.objects.create(
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
            signals.highlights_changed.send(
                Highlight, submission_ids=[submission.pk], where=_where(highlight)
            )
            return highlight
    except IntegrityError as error:  # the same words with the same technique (a double
        # submit too): `highlight_unique` says so, with no query to ask first
        raise _duplicate(anchor.quote, technique) from error


def highlight_update(*, highlight: Highlight, technique: Technique, note: str) -> Highlight:
    """Change a highlight's technique and note (its words stay)."""
    try:
        with _writing(highlight.submission) as lesson_id:
            highlight.submission.check_open()
            _check_current(lesson_id, highlight.segment.lesson_id)
            changed = Highlight.objects.filter(pk=highlight.pk).update(
                technique=technique, note=note, updated_at=timezone.now()
            )
            if not changed:  # removed in another tab
                raise Refusal(
                    gettext("That highlight is no longer there: it was removed."), status=404
                )
            if technique.pk != highlight.technique_id:  # a note alone changes no figure
                signals.highlights_changed.send(
                    Highlight, submission_ids=[highlight.submission_id], where=_where(highlight)
                )
    except IntegrityError as error:  # these words have this technique already
        raise _duplicate(highlight.quote, technique) from error
    highlight.technique, highlight.note = technique, note
    return highlight


def highlight_delete(*, highlight: Highlight) -> None:
    with _writing(highlight.submission) as lesson_id:
        highlight.submission.check_open()
        _check_current(lesson_id, highlight.segment.lesson_id)
        if Highlight.objects.filter(pk=highlight.pk).delete()[0]:
            signals.highlights_changed.send(
                Highlight, submission_ids=[highlight.submission_id], where=_where(highlight)
            )


def _where(highlight: Highlight) -> tuple[int, int, int]:
    """Where a highlight is, as `signals.highlights_changed` says it: passage, start, end."""
    return (highlight.segment_id, highlight.start, highlight.end)


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


def answers_save(
    *,
    submission: Submission,
    texts: Mapping[Prompt, str],
    choices: Mapping[Prompt, Iterable[Technique]],
    position: int | None = None,
) -> None:
    """Save the answers to a segment's prompts (one Answer per student and prompt), and,
    given a `position`, remember that the student is there (where they resume, how far they
    got). `submission` may be unsaved: the student's first write creates it. Refused (409)
    once the work is handed in or past its due date without late work, as read inside the
    locks: an autosave racing the hand-in is saved before it (and handed in) or refused."""
    with _writing(submission) as lesson_id:
        submission.check_open()
        _check_current(lesson_id, *{prompt.segment.lesson_id for prompt in [*texts, *choices]})
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
        fields: dict[str, int] = {}
        # A place on the revision the class has just left is not kept: the move has brought
        # the student's place within the new one.
        if position is not None and lesson_id == submission.assignment.lesson_id:
            fields = _place(submission, position)
        Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now(), **fields)
    for name, value in fields.items():
        setattr(submission, name, value)


def submission_submit(*, submission: Submission) -> bool:
    """Hand the work in. Returns False when it had been handed in already (a double submit).
    `submission` may be unsaved (nothing written yet): it is created, handed in. Refused
    after the due date when the assignment takes no late work, and (409) when the class was
    moved to another revision since the student's page was read. Every highlight or answer
    acknowledged before this returns is part of what is handed in; any later one is refused
    (`_lock_submission`)."""
    with _writing(submission) as lesson_id:
        if not submission.is_submitted:
            submission.check_open()
        _check_current(lesson_id, submission.assignment.lesson_id)
        if submission.is_submitted:
            return False
        now = timezone.now()
        # Only if not handed in yet: a double submit stays harmless, lock or no lock.
        updated = Submission.objects.filter(pk=submission.pk, submitted_at__isnull=True).update(
            submitted_at=now
        )
        if updated:
            submission.submitted_at = now
            if submission.assignment.feedback_release == Assignment.Release.ON_SUBMIT:
                signals.grades_changed.send(
                    sender=Submission, assignment_id=submission.assignment_id
                )
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
    if updated:
        signals.grades_changed.send(sender=Assignment, assignment_id=assignment.pk)
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
    """Create or update the teacher's review of one answer, one key span, or the whole work.
    Refused (409) when the answer's question or the key span is on a revision the class has
    just been moved from."""
    with transaction.atomic():
        lesson_id = _lock_for_work(submission.assignment_id)
        _check_current(lesson_id, *(t.segment.lesson_id for t in (prompt, key_span) if t))
        review, _ = Review.objects.select_for_update().get_or_create(
            submission=submission, prompt=prompt, key_span=key_span
        )
        review.comment, review.score, review.reviewer = comment, score, reviewer
        review.reviewed_at = timezone.now() if reviewed else None
        review.save()
        signals.grades_changed.send(sender=Review, assignment_id=submission.assignment_id)
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
        if obj.prompt is not None:
            row.segment_position = obj.prompt.segment.position
            row.prompt_text = obj.prompt.text
        else:
            key_span = obj.key_span
            assert key_span is not None, "a review of the whole work is never unplaced"
            row.segment_position = key_span.segment.position
            row.quote = key_span.quote
            row.technique_id = key_span.technique_id
        row.text, row.score = obj.comment, obj.score
    return row


def _keep_unplaced(move: RevisionMove, unplaced: list[Unplaced]) -> None:
    """Keep each piece of work whole as UnplacedWork of `move`, then take it off its passage."""
    rows = UnplacedWork.objects.bulk_create(_unplaced_row(move, item) for item in unplaced)
    UnplacedWork.techniques.through.objects.bulk_create(
        UnplacedWork.techniques.through(unplacedwork_id=row.pk, technique_id=technique.pk)
        for row, item in zip(rows, unplaced, strict=True)
        if isinstance(item.item, Answer)
        for technique in item.item.techniques.all()
    )
    for model in (Highlight, Answer, Review):
        ids = [item.item.pk for item in unplaced if isinstance(item.item, model)]
        if ids:
            model.objects.filter(pk__in=ids).delete()


def _lock_for_move(assignment_id: int) -> Assignment:
    """Inside the move's transaction, lock the assignment (`FOR UPDATE`: writes on its work
    wait, and a move waits for those under way; see `_lock_for_work`). On SQLite, the
    database's write lock is taken first."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                _assignment_sql("UPDATE {table} SET {lesson} = {lesson} WHERE {pk} = %s"),
                [assignment_id],
            )
    return Assignment.objects.select_for_update().select_related("lesson").get(pk=assignment_id)


def assignment_lock(*, assignment_id: int) -> Assignment:
    """Inside the caller's transaction, lock the class's work as a move does: every write on
    it waits until the transaction ends (insights stores a whole class's figures under it,
    `lessons.insights.services.figures_rebuild`)."""
    return _lock_for_move(assignment_id)


@transaction.atomic
def assignment_move(
    *, assignment: Assignment, to: Lesson, by: User, prepared: PreparedMove | None = None
) -> RevisionMove:
    """Move the assignment and all its work to revision `to` (see `selectors.plan_move`), in
    one transaction that holds the assignment's lock from reading the work to the end, so
    that no write on the work falls between the plan and the move: all of it moves, or
    none. Refused (`selectors.move_refusal`) unless `to` is the newest published revision
    of its lesson: the same move posted twice is refused the second time and changes
    nothing.

    With a plan `prepared` outside the lock (`selectors.prepare_move`, in the worker), only
    the work of students who wrote since their part was planned is planned again inside the
    lock (`selectors.replan_changed`), so the class waits for the writes, not the plan."""
    assignment = _lock_for_move(assignment.pk)
    if prepared is not None and prepared.plan.to == to:
        plan = replan_changed(assignment, prepared)
    else:
        plan = plan_move(assignment, to)
    move = RevisionMove.objects.create(
        assignment=assignment,
        from_lesson=assignment.lesson,
        to_lesson=to,
        moved_by=by,
        placed=len(plan.highlights),
    )
    _keep_unplaced(move, plan.unplaced)

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
    for answer, new_prompt in plan.answers:
        by_prompt.setdefault(new_prompt.pk, []).append(answer.pk)
    for new_prompt_id, ids in by_prompt.items():
        Answer.objects.filter(pk__in=ids).update(prompt_id=new_prompt_id)
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
    signals.class_moved.send(Assignment, assignment_id=assignment.pk)
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


def plan_cache_store(*, prepared: PreparedMove, version: str) -> CachedPlan:
    """Keep the dry run of a move for the revision page (`selectors.plan_cached`), as made
    from the class's work at `version` (`selectors.work_version`, read before planning)."""
    plan = prepared.plan
    cached = CachedPlan(version=version, made_at=timezone.now(), summary=summarise(plan))
    cache.set(plan_cache_key(plan.assignment, plan.to), cached, PLAN_CACHE_SECONDS)
    return cached


# Repairs -------------------------------------------------------------------------------


@dataclass
class Repair:
    """What `orphaned_work_repair` found: the pieces of work, and those it could not keep
    (their class was never moved: no move to list them under)."""

    found: list[Unplaced]
    left: list[Unplaced]


@transaction.atomic
def orphaned_work_repair() -> Repair:
    """Keep every piece of work left on a revision its class is no longer on (saved while the
    class was being moved, before moves locked the class's work: `selectors.orphaned_work`)
    as UnplacedWork, listed for the teacher under the move from that revision, and take it
    off the old revision. Running it again finds nothing."""
    found = orphaned_work()
    moves: dict[tuple[int, int], RevisionMove] = {}
    assignments = {item.submission.assignment_id for item in found}
    for move in RevisionMove.objects.filter(assignment__in=assignments).order_by("moved_at", "pk"):
        moves[(move.assignment_id, move.from_lesson_id)] = move  # the latest from each revision
    by_move: dict[RevisionMove, list[Unplaced]] = {}
    left: list[Unplaced] = []
    for item in found:
        item_move = moves.get((item.submission.assignment_id, _lesson_of(item)))
        if item_move is None:
            left.append(item)
        else:
            by_move.setdefault(item_move, []).append(item)
    for move, items in by_move.items():
        _keep_unplaced(move, items)
    set_aside = {
        item.submission.pk
        for items in by_move.values()
        for item in items
        if isinstance(item.item, Highlight)
    }
    if set_aside:
        signals.highlights_changed.send(Highlight, submission_ids=sorted(set_aside))
    if found:
        logger.warning(
            "Repaired %s pieces of work left on an earlier revision; %s without a move left",
            len(found) - len(left),
            len(left),
            extra={"repaired": len(found) - len(left), "left": len(left)},
        )
    return Repair(found=found, left=left)


def _lesson_of(item: Unplaced) -> int:
    """The revision (lesson id) a piece of work is on."""
    obj = item.item
    if isinstance(obj, Highlight):
        return obj.segment.lesson_id
    if isinstance(obj, Answer):
        return obj.prompt.segment.lesson_id
    target = obj.prompt or obj.key_span
    assert target is not None, "a review of the whole work is never unplaced"
    return target.segment.lesson_id


# Privacy: the audit log, and deleting a student's data ---------------------------------


def audit_record(
    *,
    actor: User | None,
    action: str,
    student_id: int | None = None,
    classroom_id: int | None = None,
    obj: Model | None = None,
    detail: str = "",
    student_ref: int | None = None,
) -> AuditEvent:
    """Note in the audit log that `actor` viewed, exported, changed or deleted
    (`AuditEvent.Action`) students' work: about one student (`student_id`) or a whole class
    (none), in a class, on an object. One INSERT, nothing read. `student_ref` names a
    student without linking the account (the one being deleted). `actor=None`: the
    operator, from the command line."""
    object_type = (obj._meta.model_name or "") if obj is not None else ""
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=who(actor)[:220],
        action=action,
        student_id=student_id,
        student_ref=student_ref or student_id,
        classroom_id=classroom_id,
        object_type=object_type,
        object_id=obj.pk if obj is not None else None,
        detail=detail[:300],
    )


NOT_ALL_YOURS = gettext_noop(
    "%(name)s is also in a class (or has work in a class) that you do not answer for, so you "
    "cannot delete their account: their teacher there still has their work. You can remove "
    "%(name)s from your class instead; %(who)s can delete the account."
)


@transaction.atomic
def student_delete(*, student: User, by: User | None, classroom: Classroom | None) -> str:
    """Delete a student's account and everything of theirs: enrolments, submissions,
    highlights, answers and the techniques they chose, their teachers' reviews of their work,
    work kept aside by moves. Audit events about them (or by them) stay, without their name
    (`AuditEvent.student_ref`), and one more records the deletion.

    Refused (403) unless every class the student is in, or has work in, is in the care of
    `by` (`access.classes_in_care_of`): a teacher deletes a student of their own classes
    only, a school's admin a student of the school's classes only; the operator
    (`by=None`, `manage.py delete_student_data`) any student. The student's row is
    locked first, so that they cannot join another class while it is deleted. Returns the
    summary written in the audit log."""
    locked = User.objects.select_for_update().filter(pk=student.pk, role=User.Role.STUDENT)
    if not list(locked.values_list("pk", flat=True)):
        raise Refusal(gettext("This student's data has been deleted already."), status=404)
    plan = deletion_plan(student, care=classes_in_care_of(by) if by is not None else None)
    if by is not None and not plan.allowed:
        who_can = (
            gettext("the team that runs Lens")
            if by.administers_school
            else gettext("your school's admin (if the other classes are your school's)")
        )
        raise Refusal(
            gettext(NOT_ALL_YOURS) % {"name": student.display_name, "who": who_can}, status=403
        )
    summary = (
        f"Deleted student no. {student.pk}: the account and all their work "
        f"({plan.submissions} lesson{'s' if plan.submissions != 1 else ''} started, "
        f"{plan.highlights} highlight{'s' if plan.highlights != 1 else ''}, "
        f"{plan.answers} answer{'s' if plan.answers != 1 else ''}, "
        f"{plan.reviews} review{'s' if plan.reviews != 1 else ''}, "
        f"{plan.unplaced} piece{'s' if plan.unplaced != 1 else ''} kept aside)"
    )
    pk = student.pk
    audit_record(
        actor=by,
        action=AuditEvent.Action.DELETED,
        student_ref=pk,
        classroom_id=classroom.pk if classroom is not None else None,
        obj=student,
        detail=summary,
    )
    # What the student did themselves (downloading their work) stays, without their name.
    AuditEvent.objects.filter(actor=student).update(actor_name=f"Deleted student no. {pk}")
    student.delete()
    logger.info(
        "Deleted the data of student %s, by user %s",
        pk,
        by.pk if by is not None else "(the operator)",
        extra={
            "student_id": pk,
            "user_id": by.pk if by is not None else None,
            "classroom_id": classroom.pk if classroom is not None else None,
        },
    )
    return summary

"""Moving an assignment to a later revision of its lesson (teachers).

GET shows which revision the class is on and, when a newer one is published, a dry run of
the move (`revisions.plan_move`, which writes nothing). POST moves the class
(`revisions.assignment_move`). Work that could not be carried over by earlier moves is
listed, grouped by student, so the teacher can see it and talk to the student.
"""

from dataclasses import dataclass, field
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from core.models import User
from lessons.library.models import Lesson
from lessons.library.services import RevisionRefused, newer_revision

from ..access import get_assignment_for_teacher
from ..models import (
    MAX_SCORE,
    Answer,
    Assignment,
    Highlight,
    Review,
    RevisionMove,
    Submission,
    UnplacedWork,
)
from ..selectors import MovePlan, Unplaced, plan_move
from ..services import assignment_move

KIND_LABELS = {"highlight": "Highlight", "answer": "Answer", "review": "Your review"}
KIND_ORDER = {"highlight": 0, "answer": 1, "review": 2}


@dataclass
class WorkItem:
    """One piece of work that cannot be (or could not be) carried over, as the teacher
    reads it: the same shape for a dry run and for what an earlier move kept."""

    student: User
    kind: str
    reason: str
    passage: int | None = None
    quote: str = ""
    prompt: str = ""
    techniques: list[str] = field(default_factory=list)
    text: str = ""
    score: int | None = None
    start: int = 0  # where a highlight was, to list them in text order

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


def _planned_item(item: Unplaced) -> WorkItem:
    """What `plan_move` could not place (its objects come with their relations loaded)."""
    work = WorkItem(student=item.submission.student, kind=item.kind, reason=item.reason)
    obj = item.item
    if isinstance(obj, Highlight):
        work.passage, work.start = obj.segment.position, obj.start
        work.quote, work.text = obj.quote, obj.note
        work.techniques = [obj.technique.name]
    elif isinstance(obj, Answer):
        work.passage = obj.prompt.segment.position
        work.prompt, work.text = obj.prompt.text, obj.text
        work.techniques = [t.name for t in obj.techniques.all()]
    elif obj.prompt_id:  # a review of an answer
        work.passage = obj.prompt.segment.position
        work.prompt, work.text, work.score = obj.prompt.text, obj.comment, obj.score
    else:  # a review of the student's work on a key span
        work.passage = obj.key_span.segment.position
        work.quote, work.techniques = obj.key_span.quote, [obj.key_span.technique.name]
        work.text, work.score = obj.comment, obj.score
    return work


def _kept_item(row: UnplacedWork) -> WorkItem:
    """What an earlier move kept as UnplacedWork."""
    techniques = [row.technique.name] if row.technique_id else []
    techniques += [t.name for t in row.techniques.all()]
    return WorkItem(
        student=row.submission.student,
        kind=row.kind,
        reason=row.reason,
        passage=row.segment_position,
        quote=row.quote,
        prompt=row.prompt_text,
        techniques=techniques,
        text=row.text,
        score=row.score,
        start=row.start or 0,
    )


def _in_order(items: list[WorkItem]) -> list[WorkItem]:
    """By passage; in a passage highlights (in text order), then answers, then reviews."""
    return sorted(items, key=lambda w: (w.passage or 0, KIND_ORDER[w.kind], w.start))


def _by_student(items: list[WorkItem]) -> list[tuple[User, list[WorkItem]]]:
    items = sorted(_in_order(items), key=lambda w: (w.student.display_name, w.student.pk))
    return [(student, list(group)) for student, group in groupby(items, key=lambda w: w.student)]


def unplaced_items(submission: Submission | None) -> list[WorkItem]:
    """One student's work that earlier moves could not carry over. Only a move leaves work
    behind, and a move always goes to revision 2 or later: on revision 1, no query."""
    if submission is None or submission.assignment.lesson.revision == 1:
        return []
    rows = (
        submission.unplaced.select_related("technique", "submission__student")
        .prefetch_related("techniques")
        .order_by("segment_position", "start", "id")
    )
    return _in_order([_kept_item(row) for row in rows])


@dataclass
class PlanSummary:
    """The numbers the teacher reads before moving."""

    highlights: int
    students: int
    answers: int
    reviews: int
    unplaced: list[tuple[User, list[WorkItem]]]
    unplaced_count: int


def _summarise(plan: MovePlan) -> PlanSummary:
    return PlanSummary(
        highlights=len(plan.highlights),
        students=len({h.submission_id for h, _, _ in plan.highlights}),
        answers=len(plan.answers),
        reviews=len(plan.reviews),
        unplaced=_by_student([_planned_item(item) for item in plan.unplaced]),
        unplaced_count=len(plan.unplaced),
    )


def _page(
    request: HttpRequest,
    assignment: Assignment,
    *,
    refused: str = "",
    status: int = 200,
) -> HttpResponse:
    lesson = assignment.lesson
    newer = newer_revision(lesson)
    summary, cannot_move = None, ""
    if newer is not None:
        try:
            summary = _summarise(plan_move(assignment, newer))
        except RevisionRefused as refusal:
            cannot_move = str(refusal)
    moves = list(
        RevisionMove.objects.filter(assignment=assignment).select_related(
            "from_lesson", "to_lesson", "moved_by"
        )
    )
    kept = []
    if moves:
        rows = (
            UnplacedWork.objects.filter(move__assignment=assignment)
            .select_related("technique", "submission__student")
            .prefetch_related("techniques")
            .order_by("segment_position", "start", "id")
        )
        kept = [_kept_item(row) for row in rows]
    return render(
        request,
        "work/assignment_revision.html",
        {
            "assignment": assignment,
            "lesson": lesson,
            "newer": newer,
            "summary": summary,
            "cannot_move": cannot_move,
            "refused": refused,
            "moves": moves,
            "kept": _by_student(kept),
            "kept_count": len(kept),
            "max_score": MAX_SCORE,
        },
        status=status,
    )


class AlreadyMoved(RevisionRefused):
    """The class is already on that revision: most often the same move posted twice."""

    status = 409


def _target(assignment: Assignment, posted: str) -> Lesson:
    """The revision the teacher asked for (the `to` field), if this class can move to it:
    only the newest published revision of its own lesson, later than the one it is on."""
    current = assignment.lesson
    is_id = posted.isascii() and posted.isdigit() and len(posted) <= 18  # fits a bigint
    target = Lesson.objects.filter(pk=int(posted)).first() if is_id else None
    if target is None:
        raise RevisionRefused("That revision does not exist.")
    if target.lineage_id != current.lineage_id:
        raise RevisionRefused("That is not a revision of this class's lesson.")
    if target.pk == current.pk:
        raise AlreadyMoved(f"This class is already on revision {current.revision}.")
    if not target.is_published:
        raise RevisionRefused(
            f"Revision {target.revision} is a draft: a class only moves to a published revision."
        )
    if target.revision < current.revision:
        raise RevisionRefused(
            f"Revision {target.revision} is older than revision {current.revision}, which "
            "this class is on: a class only moves forward."
        )
    if target.pk != getattr(newer_revision(current), "pk", None):
        raise RevisionRefused(
            f"Revision {target.revision} has been replaced: move to the newest revision."
        )
    return target


def _moved_message(assignment: Assignment, move: RevisionMove) -> str:
    answers = Answer.objects.filter(submission__assignment=assignment).count()
    reviews = (
        Review.objects.filter(submission__assignment=assignment)
        .exclude(prompt__isnull=True, key_span__isnull=True)
        .count()
    )
    unplaced = move.unplaced.count()
    message = (
        f"{assignment.classroom.name} is now on revision {move.to_lesson.revision}. "
        f"{move.placed} highlight{'s' if move.placed != 1 else ''} re-anchored; "
        f"{answers} answer{'s' if answers != 1 else ''} and "
        f"{reviews} review{'s' if reviews != 1 else ''} followed their questions."
    )
    if unplaced:
        message += (
            f" {unplaced} piece{'s' if unplaced != 1 else ''} of work could not be placed: "
            "listed below."
        )
    return message


@login_required
@require_http_methods(["GET", "POST"])
def assignment_revision(request: HttpRequest, pk: int) -> HttpResponse:
    """Which revision the class is on; the dry run of moving to a newer one; the move."""
    assignment = get_assignment_for_teacher(request.user, pk)
    if request.method == "GET":
        return _page(request, assignment)
    try:
        target = _target(assignment, request.POST.get("to", "").strip())
        move = assignment_move(assignment=assignment, to=target, by=request.user)
    except RevisionRefused as refusal:
        assignment = get_assignment_for_teacher(request.user, pk)
        message = f"{refusal} Nothing was changed."
        return _page(request, assignment, refused=message, status=refusal.status)
    messages.success(request, _moved_message(assignment, move))
    return redirect("work:assignment_revision", assignment.pk)

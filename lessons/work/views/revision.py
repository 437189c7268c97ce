"""Moving an assignment to a later revision of its lesson (teachers).

GET shows which revision the class is on and, when a newer one is published, a dry run of
the move (`selectors.plan_move`, which writes nothing). POST moves the class
(`services.assignment_move`; `selectors.move_refusal` says where a class may move). Work
that could not be carried over by earlier moves is listed, grouped by student, so the
teacher can see it and talk to the student.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals

from .. import selectors, services
from ..access import get_assignment_for_teacher
from ..forms import MoveForm, form_refusal
from ..models import MAX_SCORE, Assignment, AuditEvent, RevisionMove


def _page(request: HtmxHttpRequest, assignment: Assignment, *, refused: str = "") -> HttpResponse:
    return render(
        request,
        "work/assignment_revision.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "overview": selectors.revision_overview(assignment),
            "refused": refused,
            "max_score": MAX_SCORE,
        },
    )


def _refused(request: AuthenticatedRequest, pk: int, *, refusal: Refusal) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    return _page(request, assignment, refused=f"{refusal.message} Nothing was changed.")


def _moved_message(assignment: Assignment, move: RevisionMove) -> str:
    outcome = selectors.move_outcome(move)
    placed, answers, reviews = outcome.placed, outcome.answers, outcome.reviews
    message = (
        f"{assignment.classroom.name} is now on revision {move.to_lesson.revision}. "
        f"{placed} highlight{'s' if placed != 1 else ''} re-anchored; "
        f"{answers} answer{'s' if answers != 1 else ''} and "
        f"{reviews} review{'s' if reviews != 1 else ''} followed their questions."
    )
    if outcome.unplaced:
        message += (
            f" {outcome.unplaced} piece{'s' if outcome.unplaced != 1 else ''} of work could "
            "not be placed: listed below."
        )
    return message


@login_required
@require_http_methods(["GET", "POST"])
@refusals(_refused, shows_message=True)
def assignment_revision(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Which revision the class is on; the dry run of moving to a newer one; the move."""
    assignment = get_assignment_for_teacher(request.user, pk)
    if request.method == "GET":
        return _page(request, assignment)
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise form_refusal(form)
    move = services.assignment_move(
        assignment=assignment, to=form.cleaned_data["to"], by=request.user
    )
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.CHANGED,
        classroom_id=assignment.classroom_id,
        obj=move,
        detail=(
            f"Moved the class's work on “{assignment.lesson.title}” from revision "
            f"{move.from_lesson.revision} to revision {move.to_lesson.revision}"
        ),
    )
    return done(
        request,
        _moved_message(assignment, move),
        redirect_to=reverse("work:assignment_revision", args=[assignment.pk]),
    )

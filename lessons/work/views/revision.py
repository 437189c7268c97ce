"""Moving an assignment to a later revision of its lesson (teachers).

GET shows which revision the class is on and, when a newer one is published, the dry run of
the move as the worker last worked it out (`selectors.revision_overview` reads it from the
cache, and says whether the class's work changed since: a GET never plans). "Work out what
moving would do" (`assignment_revision_plan`) asks the worker for a fresh dry run; "Move"
asks it to move the class (`tasks.move_class`). Both answer with the job's page, which
shows a progress bar, then the outcome (`core.views.job`). A move the class cannot make is
refused at once, on this page (`selectors.move_refusal`). Work that could not be carried
over by earlier moves is listed, grouped by student, so the teacher can see it and talk to
the student.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import jobs
from core.models import Job
from core.paging import Pager, pager
from core.refusals import Refusal
from core.responses import AuthenticatedRequest, refusals

from .. import selectors, tasks
from ..access import get_assignment_for_teacher
from ..forms import MoveForm, form_refusal
from ..models import MAX_SCORE, Assignment

STUDENTS_PER_PAGE = 10  # in each list of work by student (each with all its pieces)


def _page(
    request: AuthenticatedRequest, assignment: Assignment, *, refused: str = ""
) -> HttpResponse:
    overview = selectors.revision_overview(assignment, request.user)
    return render(
        request,
        "work/assignment_revision.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "overview": overview,
            # The work a move would leave aside, and the work earlier moves left aside, by
            # student: a page of students each, as the class's other lists
            "unplaced": _students(
                request,
                overview.summary.unplaced if overview.summary else [],
                param="page",
                name="unplaced",
                label=_("Pages of the work that cannot be placed"),
                fragment="#unplaced-heading",
            ),
            "kept": _students(
                request,
                overview.kept,
                param="kept",
                name="kept",
                label=_("Pages of the work that could not be carried over"),
                fragment="#kept-heading",
            ),
            "refused": refused,
            "max_score": MAX_SCORE,
        },
    )


def _students(request: AuthenticatedRequest, groups: list, *, param: str, **labels) -> Pager:
    """One page of a list of work by student (`?page=`, `?kept=`; a page past the end, or not
    a number, shows the last or the first)."""
    page = Paginator(groups, STUDENTS_PER_PAGE).get_page(request.GET.get(param))
    return pager(request.path, request.GET, page, param=param, **labels)


def _refused(request: AuthenticatedRequest, pk: int, *, refusal: Refusal) -> HttpResponse:
    assignment = get_assignment_for_teacher(request.user, pk)
    return _page(
        request,
        assignment,
        refused=_("%(refusal)s Nothing was changed.") % {"refusal": refusal.message},
    )


def _start(request: AuthenticatedRequest, assignment: Assignment, kind: str) -> HttpResponse:
    """The dry run or the move, to the worker, unless one is under way already: the job's
    page either way. Refused at once when the class cannot move to the revision posted."""
    form = MoveForm(request.POST)
    if not form.is_valid():
        raise form_refusal(form)
    to = form.cleaned_data["to"]
    if refusal := selectors.move_refusal(assignment, to):
        raise refusal
    subject = selectors.move_subject(assignment)
    job = jobs.job_under_way(request.user, subject, kind)
    if job is None:
        moving = kind == Job.Kind.MOVE
        job = jobs.job_start(
            task=tasks.move_class if moving else tasks.plan_move,
            owner=request.user,
            kind=kind,
            title=(
                _("Moving %(class)s to revision %(revision)s of “%(title)s”")
                if moving
                else _("What moving would do: %(class)s, to revision %(revision)s of “%(title)s”")
            )
            % {
                "class": assignment.classroom.name,
                "revision": to.revision,
                "title": assignment.lesson.title,
            },
            subject=subject,
            params={"assignment": assignment.pk, "to": to.pk},
        )
    return redirect("core:job", job.pk)


@login_required
@require_http_methods(["GET", "POST"])
@refusals(_refused, shows_message=True)
def assignment_revision(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Which revision the class is on; the dry run of moving to a newer one; the move."""
    assignment = get_assignment_for_teacher(request.user, pk)
    if request.method == "GET":
        return _page(request, assignment)
    return _start(request, assignment, Job.Kind.MOVE)


@login_required
@require_POST
@refusals(_refused, shows_message=True)
def assignment_revision_plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Work out, in the worker, what moving the class would do (writes none of its work)."""
    return _start(request, get_assignment_for_teacher(request.user, pk), Job.Kind.PLAN)

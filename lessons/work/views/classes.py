"""The pages where classes meet their lessons: the home page (a student's assignments, a
teacher's classes) and a class's page with its assignments, roster and the assign form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import (
    NOT_APPROVED,
    get_classroom_for_student,
    get_classroom_for_teacher,
    may_assign,
)
from core.forms import JoinForm
from core.models import Classroom
from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, refusals
from lessons.library.models import Lesson

from .. import selectors, services
from ..forms import AssignForm


def home(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/welcome.html")
    if user.is_teacher:
        return render(
            request, "work/teacher_home.html", {"classes": selectors.classes_taught(user)}
        )
    return render(
        request,
        "work/student_home.html",
        {
            "rows": selectors.assignments_for_student(user),
            "classrooms": Classroom.objects.attended_by(user).select_related("teacher"),
            "join_form": JoinForm(),
        },
    )


@login_required
def classroom(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    if request.user.is_teacher:
        return _classroom_for_teacher(request, get_classroom_for_teacher(request.user, pk))
    classroom = get_classroom_for_student(request.user, pk)
    return render(
        request,
        "work/classroom_student.html",
        {
            "classroom": classroom,
            "rows": selectors.assignments_for_student(request.user, classroom),
        },
    )


def _classroom_for_teacher(
    request: HtmxHttpRequest,
    classroom: Classroom,
    *,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    assignments = selectors.class_assignments(classroom)
    lessons = selectors.assignable_lessons(assignments)
    return render(
        request,
        "work/classroom_teacher.html",
        {
            "classroom": classroom,
            "assignments": assignments,
            "roster": selectors.class_roster(classroom, assignments),
            "assign_form": assign_form or AssignForm(lessons=lessons),
        },
        status=status,
    )


def _assign_refused(request: AuthenticatedRequest, pk: int, *, refusal: Refusal) -> HttpResponse:
    return _classroom_for_teacher(request, get_classroom_for_teacher(request.user, pk))


@login_required
@require_POST
@refusals(_assign_refused)
def classroom_assign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_teacher(request.user, pk)
    if not may_assign(request.user):
        raise Refusal(
            f"{NOT_APPROVED} {_('Assigning lessons waits for the approval.')}", status=403
        )
    form = AssignForm(request.POST, lessons=Lesson.objects.published())
    if not form.is_valid():
        return _classroom_for_teacher(request, classroom, assign_form=form, status=400)
    assignment, created = services.assignment_create(
        classroom=classroom,
        lesson=form.cleaned_data["lesson"],
        opens_at=form.cleaned_data["opens_at"],
        due_at=form.cleaned_data["due_at"],
        feedback_release=form.cleaned_data["feedback_release"],
    )
    if created:
        messages.success(
            request,
            _("“%(title)s” is assigned to %(class)s.")
            % {"title": assignment.lesson.title, "class": classroom.name},
        )
    else:
        messages.info(
            request,
            _("“%(title)s” was already assigned to this class.")
            % {"title": assignment.lesson.title},
        )
    return redirect("work:classroom", classroom.pk)

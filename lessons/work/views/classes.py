"""The pages where classes meet their lessons: the home page (a student's assignments, a
teacher's classes) and a class's page with its assignments, roster and the assign form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.access import get_classroom_for_student, get_classroom_for_teacher
from core.forms import JoinForm
from core.models import Classroom
from lessons.library.models import Lesson

from .. import services
from ..forms import AssignForm
from ..models import Assignment, Submission


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/welcome.html")
    if user.is_teacher:
        classrooms = Classroom.objects.taught_by(user).annotate(
            student_count=Count("enrollments", distinct=True),
            assignment_count=Count("assignments", distinct=True),
        )
        return render(request, "work/teacher_home.html", {"classrooms": classrooms})
    assignments = (
        Assignment.objects.for_student(user)
        .select_related("lesson", "classroom", "classroom__teacher")
        .prefetch_related(
            Prefetch(
                "submissions",
                queryset=Submission.objects.filter(student=user),
                to_attr="mine",
            )
        )
        .annotate(segment_count=Count("lesson__segments", distinct=True))
    )
    classrooms = Classroom.objects.attended_by(user).select_related("teacher")
    return render(
        request,
        "work/student_home.html",
        {"assignments": assignments, "classrooms": classrooms, "join_form": JoinForm()},
    )


@login_required
def classroom(request: HttpRequest, pk: int) -> HttpResponse:
    if request.user.is_teacher:
        return _classroom_for_teacher(request, get_classroom_for_teacher(request.user, pk))
    classroom = get_classroom_for_student(request.user, pk)
    assignments = (
        classroom.assignments.select_related("lesson")
        .annotate(segment_count=Count("lesson__segments", distinct=True))
        .prefetch_related(
            Prefetch(
                "submissions",
                queryset=Submission.objects.filter(student=request.user),
                to_attr="mine",
            )
        )
    )
    return render(
        request,
        "work/classroom_student.html",
        {"classroom": classroom, "assignments": assignments},
    )


def _classroom_for_teacher(
    request: HttpRequest, classroom: Classroom, *, assign_form=None, status: int = 200
) -> HttpResponse:
    assignments = list(
        classroom.assignments.select_related("lesson").annotate(
            segment_count=Count("lesson__segments", distinct=True)
        )
    )
    enrollments = list(classroom.enrollments.select_related("student"))
    submissions = (
        Submission.objects.filter(assignment__classroom=classroom)
        .annotate(highlight_count=Count("highlights", distinct=True))
        .values("assignment_id", "student_id", "reached", "submitted_at", "highlight_count")
    )
    by_key = {(s["assignment_id"], s["student_id"]): s for s in submissions}
    roster = [
        {
            "student": e.student,
            "joined_at": e.joined_at,
            "work": [(a, by_key.get((a.pk, e.student_id))) for a in assignments],
        }
        for e in enrollments
    ]
    assigned = {a.lesson.lineage_id for a in assignments}  # any revision of them
    lessons = Lesson.objects.published().exclude(pk__in=assigned).exclude(root__in=assigned)
    return render(
        request,
        "work/classroom_teacher.html",
        {
            "classroom": classroom,
            "assignments": assignments,
            "roster": roster,
            "assign_form": assign_form or AssignForm(lessons=lessons),
        },
        status=status,
    )


@login_required
@require_POST
def classroom_assign(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_teacher(request.user, pk)
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
        messages.success(request, f"“{assignment.lesson.title}” is assigned to {classroom.name}.")
    else:
        messages.info(request, f"“{assignment.lesson.title}” was already assigned to this class.")
    return redirect("work:classroom", classroom.pk)

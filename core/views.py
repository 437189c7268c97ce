from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lessons import services as lesson_services
from lessons.forms import AssignForm
from lessons.models import Assignment, Lesson, Submission

from . import services
from .access import (
    get_classroom_for_student,
    get_classroom_for_teacher,
    get_student_in_classroom,
)
from .forms import ClassroomForm, JoinForm, NewStudentForm, TeacherSignupForm
from .models import Classroom


def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/welcome.html")
    if user.is_teacher:
        classrooms = Classroom.objects.taught_by(user).annotate(
            student_count=Count("enrollments", distinct=True),
            assignment_count=Count("assignments", distinct=True),
        )
        return render(request, "core/teacher_home.html", {"classrooms": classrooms})
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
        "core/student_home.html",
        {"assignments": assignments, "classrooms": classrooms, "join_form": JoinForm()},
    )


def join(request: HttpRequest) -> HttpResponse:
    """Join a class with its code. A newcomer also chooses a name and a password."""
    user = request.user
    if user.is_authenticated and not user.is_student:
        messages.error(request, "Teachers cannot join a class as a student.")
        return redirect("home")
    form_class = JoinForm if user.is_authenticated else NewStudentForm
    initial = {"code": request.GET.get("code", "")}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not user.is_authenticated:
            user = services.student_register(
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
            )
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            services.student_enroll(classroom=form.classroom, student=user)
            return redirect("classroom_welcome", form.classroom.pk)
        _, created = services.student_enroll(classroom=form.classroom, student=user)
        if created:
            messages.success(request, f"You joined {form.classroom.name}.")
        else:
            messages.info(request, f"You are already in {form.classroom.name}.")
        return redirect("classroom", form.classroom.pk)
    status = 400 if form.is_bound else 200
    return render(request, "core/join.html", {"form": form}, status=status)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = TeacherSignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = services.teacher_register(
            username=form.cleaned_data["username"],
            display_name=form.cleaned_data["display_name"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome to Lens. Create your first class.")
        return redirect("classroom_new")
    return render(request, "core/signup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def classroom_new(request: HttpRequest) -> HttpResponse:
    if not request.user.is_teacher:
        raise Http404
    form = ClassroomForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        classroom = services.classroom_create(teacher=request.user, name=form.cleaned_data["name"])
        messages.success(request, f"Class created. Its join code is {classroom.join_code_display}.")
        return redirect("classroom", classroom.pk)
    return render(
        request, "core/classroom_new.html", {"form": form}, status=400 if form.errors else 200
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
        "core/classroom_student.html",
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
        "core/classroom_teacher.html",
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
def classroom_new_code(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_teacher(request.user, pk)
    classroom.regenerate_join_code()
    messages.success(
        request,
        f"New join code: {classroom.join_code_display}. The old code no longer works.",
    )
    return redirect("classroom", classroom.pk)


@login_required
@require_POST
def classroom_assign(request: HttpRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_teacher(request.user, pk)
    form = AssignForm(request.POST, lessons=Lesson.objects.published())
    if not form.is_valid():
        return _classroom_for_teacher(request, classroom, assign_form=form, status=400)
    assignment, created = lesson_services.assignment_create(
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
    return redirect("classroom", classroom.pk)


@login_required
@require_POST
def classroom_student_password(request: HttpRequest, pk: int, student_pk: int) -> HttpResponse:
    """A new password for a student who forgot theirs, shown once to the teacher."""
    classroom = get_classroom_for_teacher(request.user, pk)
    student = get_student_in_classroom(classroom, student_pk)
    password = services.student_reset_password(student=student)
    return render(
        request,
        "core/student_password.html",
        {"classroom": classroom, "student": student, "password": password},
    )


@login_required
@require_POST
def classroom_student_remove(request: HttpRequest, pk: int, student_pk: int) -> HttpResponse:
    classroom = get_classroom_for_teacher(request.user, pk)
    student = get_student_in_classroom(classroom, student_pk)
    services.student_unenroll(classroom=classroom, student=student)
    messages.success(request, f"{student.display_name} is no longer in {classroom.name}.")
    return redirect("classroom", classroom.pk)


@login_required
def classroom_welcome(request: HttpRequest, pk: int) -> HttpResponse:
    """After joining: the student's login name, to write down."""
    classroom = get_classroom_for_student(request.user, pk)
    return render(request, "core/welcome_student.html", {"classroom": classroom})

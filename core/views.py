import logging

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import services
from .access import get_classroom_for_student, get_classroom_for_teacher, get_student_in_classroom
from .forms import ClassroomForm, JoinForm, NewStudentForm, TeacherSignupForm

security_log = logging.getLogger("lens.security")


def client_fields(request: HttpRequest) -> dict[str, str]:
    """Where a request came from, for a security log: the peer's address, and what a proxy
    in front says the client was (unchecked: anyone can send X-Forwarded-For)."""
    fields = {"client_ip": request.META.get("REMOTE_ADDR", "")}
    if forwarded := request.META.get("HTTP_X_FORWARDED_FOR"):
        fields["forwarded_for"] = forwarded[:200]
    return fields


def log_failed_login(request: HttpRequest, username: str) -> None:
    """A login refused: the name tried and where from, never the password."""
    username = username[:150]  # the longest a username can be; the rest is noise
    where = client_fields(request)
    security_log.warning(
        "Failed login for %r from %s",
        username,
        where["client_ip"],
        extra={"event": "login_failed", "username": username, "path": request.path, **where},
    )


class LoginView(auth_views.LoginView):
    def form_invalid(self, form):
        log_failed_login(self.request, form.data.get("username", ""))
        return super().form_invalid(form)


def join(request: HttpRequest) -> HttpResponse:
    """Join a class with its code. A newcomer also chooses a name and a password."""
    user = request.user
    if user.is_authenticated and not user.is_student:
        messages.error(request, "Teachers cannot join a class as a student.")
        return redirect("work:home")
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
            return redirect("core:classroom_welcome", form.classroom.pk)
        _, created = services.student_enroll(classroom=form.classroom, student=user)
        if created:
            messages.success(request, f"You joined {form.classroom.name}.")
        else:
            messages.info(request, f"You are already in {form.classroom.name}.")
        return redirect("work:classroom", form.classroom.pk)
    if form.has_error("code") and form.data.get("code", "").strip():
        # Where wrong codes come from, to spot someone guessing; the page says the same as ever.
        where = client_fields(request)
        security_log.warning(
            "Join refused: no class has the code typed, from %s",
            where["client_ip"],
            extra={"event": "join_code_wrong", "user_id": user.pk, **where},
        )
    status = 400 if form.is_bound else 200
    return render(request, "core/join.html", {"form": form}, status=status)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("work:home")
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
        return redirect("core:classroom_new")
    return render(request, "core/signup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def classroom_new(request: HttpRequest) -> HttpResponse:
    if not request.user.is_teacher:
        raise Http404
    form = ClassroomForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        classroom = services.classroom_create(teacher=request.user, name=form.cleaned_data["name"])
        messages.success(request, f"Class created. Its join code is {classroom.join_code_display}.")
        return redirect("work:classroom", classroom.pk)
    return render(
        request, "core/classroom_new.html", {"form": form}, status=400 if form.errors else 200
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
    return redirect("work:classroom", classroom.pk)


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
    return redirect("work:classroom", classroom.pk)


@login_required
def classroom_welcome(request: HttpRequest, pk: int) -> HttpResponse:
    """After joining: the student's login name, to write down."""
    classroom = get_classroom_for_student(request.user, pk)
    return render(request, "core/welcome_student.html", {"classroom": classroom})

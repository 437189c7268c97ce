import logging
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import DatabaseError, connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import jobs, services, throttle
from .access import (
    get_classroom_for_student,
    get_classroom_for_teacher,
    get_invitation_for_admin,
    get_pending_teacher_for_admin,
    get_school_for_admin,
    get_student_in_classroom,
    pending_teachers_of,
)
from .forms import (
    ClassroomForm,
    InvitationAcceptForm,
    InviteForm,
    JoinForm,
    LanguageForm,
    LoginForm,
    NewStudentForm,
    TeacherPasswordResetForm,
    TeacherSignupForm,
)
from .models import INVITATION_LIFETIME, Invitation, Job, User, normalize_join_code
from .refusals import Refusal
from .responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals

security_log = logging.getLogger("lens.security")
health_log = logging.getLogger("lens.health")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For the load balancer: 200 when this app server answers and reaches the database,
    503 when it cannot, so the balancer sends its requests to another. No login, no data."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        health_log.exception("health check: the database does not answer")
        return HttpResponse("database unavailable\n", content_type="text/plain", status=503)
    return HttpResponse("ok\n", content_type="text/plain")


def client_fields(request: HttpRequest) -> dict[str, str]:
    """Where a request came from, for a security log: the client's address (the peer's, or
    behind TRUSTED_PROXIES the one the proxy saw), and the whole X-Forwarded-For header (its
    leftmost entries are whatever the client wrote)."""
    fields = {"client_ip": throttle.client_address(request)}
    if forwarded := request.META.get("HTTP_X_FORWARDED_FOR"):
        fields["forwarded_for"] = forwarded[:200]
    return fields


def failed_login(request: HttpRequest, username: str) -> None:
    """A login refused, on the site's page or the admin's: logged with the name tried and
    where from, never the password, and counted against the client's address (the throttle
    `login_ip`; django-axes counts it against the username)."""
    username = username[:150]  # the longest a username can be; the rest is noise
    throttle.count_failure(request, "login_ip", throttle.client_key(request))
    where = client_fields(request)
    security_log.warning(
        "Failed login for %r from %s",
        username,
        where["client_ip"],
        extra={"event": "login_failed", "username": username, "path": request.path, **where},
    )


class LoginView(auth_views.LoginView):
    """The login page. Its URL wraps it in `throttle.limit_failed_logins`; a locked-out
    username gets django-axes' lockout (the 429 page, from `throttle.login_locked_out`).

    A teacher who has not confirmed their e-mail address gets the right password refused
    with a message saying so, and the confirmation link again (as often as sign-ups to that
    address are allowed, `signup_email`); that is not a failed login."""

    form_class = LoginForm

    def form_invalid(self, form):
        if form.has_error(NON_FIELD_ERRORS, "unverified"):
            user = form.unverified_user
            if not throttle.try_once(self.request, "signup_email", user.email.lower()):
                send_email_verification(self.request, user)
        else:
            failed_login(self.request, form.data.get("username", ""))
        return super().form_invalid(form)


@require_POST
def language(request: HtmxHttpRequest) -> HttpResponse:
    """The switcher on every page (a plain form): the language is kept in a cookie, and on the
    account of a signed-in user, whose choice then follows them to any browser."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "400.html",
            {"message": _("Lens does not have that language.")},
            status=400,
        )
    chosen = form.cleaned_data["language"]
    user = request.user
    if user.is_authenticated and isinstance(user, User) and user.language != chosen:
        user.language = chosen
        user.save(update_fields=["language"])
    back = form.cleaned_data["next"]
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("work:home")  # only a page of Lens's own, by its path
    translation.activate(chosen)
    response = HttpResponseRedirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        chosen,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
    )
    return response


def join(request: HtmxHttpRequest) -> HttpResponse:
    """Join a class with its code. A newcomer also chooses a name and a password."""
    user = request.user
    if user.is_authenticated and not user.is_student:
        messages.error(request, _("Teachers cannot join a class as a student."))
        return redirect("work:home")
    address = throttle.client_key(request)
    if request.method == "POST":
        # Over a limit, the answer is the same whether the code exists or not: the code is not
        # even looked up.
        seconds = throttle.blocked(request, "join_ip", address)
        typed = normalize_join_code(str(request.POST.get("code", "")))[:40]
        if not seconds and typed:
            seconds = throttle.try_once(request, "join_code", typed)
        if seconds:
            return throttle.too_many(request, "join", seconds)
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
        _enrolment, created = services.student_enroll(classroom=form.classroom, student=user)
        if created:
            messages.success(request, _("You joined %(class)s.") % {"class": form.classroom.name})
        else:
            messages.info(
                request, _("You are already in %(class)s.") % {"class": form.classroom.name}
            )
        return redirect("work:classroom", form.classroom.pk)
    if form.has_error("code") and form.data.get("code", "").strip():
        # Where wrong codes come from, to spot someone guessing; the page says the same as ever.
        throttle.count_failure(request, "join_ip", address)
        where = client_fields(request)
        security_log.warning(
            "Join refused: no class has the code typed, from %s",
            where["client_ip"],
            extra={"event": "join_code_wrong", "user_id": user.pk, **where},
        )
    status = 400 if form.is_bound else 200
    return render(request, "core/join.html", {"form": form}, status=status)


def signup(request: HtmxHttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("work:home")
    if request.method == "POST":
        seconds = throttle.try_once(request, "signup_ip", throttle.client_key(request))
        email = str(request.POST.get("email", "")).strip().lower()[:254]
        if not seconds and email:
            seconds = throttle.try_once(request, "signup_email", email)
        if seconds:
            return throttle.too_many(request, "signup", seconds)
    form = TeacherSignupForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        # A teacher who signs up waits for their school's admin, and signs in once the
        # e-mail address is confirmed (docs/security.md, "Schools and answer keys").
        user = services.teacher_register(
            username=form.cleaned_data["username"],
            display_name=form.cleaned_data["display_name"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
            school=form.cleaned_data.get("school"),
        )
        send_email_verification(request, user)
        return redirect("core:signup_sent")
    return render(request, "core/signup.html", {"form": form}, status=400 if form.errors else 200)


def send_email_verification(request: HttpRequest, user: User) -> None:
    token = services.email_verification_token(user)
    link = request.build_absolute_uri(reverse("core:signup_confirm", args=[token]))
    services.email_verification_send(user=user, link=link)


@require_GET
def signup_sent(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "core/signup_sent.html")


def _link_refused(request: HtmxHttpRequest, token: str, *, refusal: Refusal) -> HttpResponse:
    """A link from an e-mail that does not work (any more): why, in plain words."""
    return render(request, "core/link_refused.html", {"message": refusal.message})


@require_http_methods(["GET", "POST"])
@refusals(_link_refused, shows_message=True)
def signup_confirm(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail sent on sign-up. GET shows a button (opening a link changes
    nothing: mail scanners open links too); POST confirms the address."""
    user = services.email_verification_user(token)
    if user.email_verified:
        messages.info(request, _("Your e-mail address is confirmed already. Log in."))
        return redirect("core:login")
    if request.method == "POST":
        services.email_verify(user=user)
        messages.success(request, _("Your e-mail address is confirmed. Log in."))
        return redirect("core:login")
    return render(request, "core/signup_confirm.html", {"confirmed_user": user})


# Schools: invitations and approvals -------------------------------------------------------


@require_http_methods(["GET", "POST"])
@refusals(_link_refused, shows_message=True)
def invitation_accept(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """An invitation's link: the invited teacher chooses a username and a password, and is a
    teacher of the school. Tries of links that do not work are limited per address."""
    address = throttle.client_key(request)
    seconds = throttle.blocked(request, "invitation_ip", address)
    if seconds:
        return throttle.too_many(request, "invitation", seconds)
    try:
        invitation = services.invitation_open(token=token)
    except Refusal:
        throttle.count_failure(request, "invitation_ip", address)
        where = client_fields(request)
        security_log.warning(
            "Invitation link refused from %s",
            where["client_ip"],
            extra={"event": "invitation_refused", **where},
        )
        raise
    if request.user.is_authenticated:
        context = {"invitation": invitation}
        return render(request, "core/invitation_signed_in.html", context, status=409)
    form = InvitationAcceptForm(
        request.POST if request.method == "POST" else None,
        initial={"username": invitation.username},
        email=invitation.email,
    )
    if request.method == "POST" and form.is_valid():
        user = services.invitation_accept(
            invitation=invitation,
            username=form.cleaned_data["username"],
            display_name=form.cleaned_data["display_name"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("Welcome to Lens: you are a teacher of %(school)s.") % {"school": invitation.school},
        )
        return redirect("work:home")
    return render(
        request,
        "core/invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )


def _school_page(
    request: AuthenticatedRequest, *, form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    school = get_school_for_admin(request.user)
    teachers = school.teachers.filter(role=User.Role.TEACHER, status=User.Status.APPROVED)
    return render(
        request,
        "core/school.html",
        {
            "school": school,
            "pending": list(pending_teachers_of(school).order_by("date_joined", "pk")),
            "teachers": list(teachers.order_by("display_name", "pk")),
            "invitations": list(Invitation.objects.open().filter(school=school)),
            "form": form or InviteForm(),
            "days": INVITATION_LIFETIME.days,
        },
        status=status,
    )


@login_required
@require_GET
def school(request: AuthenticatedRequest) -> HttpResponse:
    """A school admin's page: teachers waiting for approval, invitations, the school's
    teachers."""
    return _school_page(request)


@login_required
@require_POST
def school_invite(request: AuthenticatedRequest) -> HttpResponse:
    school = get_school_for_admin(request.user)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _school_page(request, form=form, status=400)
    invitation, token = services.invitation_create(
        school=school,
        email=form.cleaned_data["email"],
        by=request.user,
        as_admin=form.cleaned_data["as_admin"],
    )
    link = request.build_absolute_uri(reverse("core:invitation_accept", args=[token]))
    services.invitation_send(invitation=invitation, link=link)
    return done(
        request,
        ngettext(
            "Invitation sent to %(email)s. The link works once, for %(days)d day.",
            "Invitation sent to %(email)s. The link works once, for %(days)d days.",
            INVITATION_LIFETIME.days,
        )
        % {"email": invitation.email, "days": INVITATION_LIFETIME.days},
        redirect_to=reverse("core:school"),
    )


@login_required
@require_POST
def school_invitation_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    invitation = get_invitation_for_admin(request.user, pk)
    services.invitation_withdraw(invitation=invitation)
    return done(
        request,
        _("The invitation to %(email)s is withdrawn: its link no longer works.")
        % {"email": invitation.email},
        redirect_to=reverse("core:school"),
    )


@login_required
@require_POST
def school_teacher_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    teacher = get_pending_teacher_for_admin(request.user, pk)
    services.teacher_approve(teacher=teacher)
    return done(
        request,
        _("%(name)s is approved: they now see answer keys and assign lessons.")
        % {"name": teacher.display_name},
        redirect_to=reverse("core:school"),
    )


@login_required
@require_POST
def school_teacher_refuse(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    teacher = get_pending_teacher_for_admin(request.user, pk)
    services.teacher_refuse(teacher=teacher)
    return done(
        request,
        _(
            "%(name)s's request is refused: they are no longer listed for your school, and "
            "see no answer key but their own."
        )
        % {"name": teacher.display_name},
        redirect_to=reverse("core:school"),
    )


@login_required
def classroom_new(request: AuthenticatedRequest) -> HttpResponse:
    if not request.user.is_teacher:
        raise Http404
    form = ClassroomForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        classroom = services.classroom_create(teacher=request.user, name=form.cleaned_data["name"])
        messages.success(
            request,
            _("Class created. Its join code is %(code)s.") % {"code": classroom.join_code_display},
        )
        return redirect("work:classroom", classroom.pk)
    return render(
        request, "core/classroom_new.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def classroom_new_code(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    classroom = get_classroom_for_teacher(request.user, pk)
    classroom.regenerate_join_code()
    messages.success(
        request,
        _("New join code: %(code)s. The old code no longer works.")
        % {"code": classroom.join_code_display},
    )
    return redirect("work:classroom", classroom.pk)


# The one-time password waits in the (server-side) session between the POST that makes it
# and the page that shows it, which takes it out: a refresh shows nothing and makes nothing.
_NEW_PASSWORD = "new_student_password"


@login_required
@require_POST
def classroom_student_password(
    request: AuthenticatedRequest, pk: int, student_pk: int
) -> HttpResponse:
    """A new password for a student who forgot theirs; the page it redirects to shows it
    once to the teacher."""
    classroom = get_classroom_for_teacher(request.user, pk)
    student = get_student_in_classroom(classroom, student_pk)
    password = services.student_reset_password(student=student)
    request.session[_NEW_PASSWORD] = {
        "classroom": classroom.pk,
        "student": student.pk,
        "password": password,
    }
    return redirect("core:classroom_student_password_shown", classroom.pk, student.pk)


@login_required
@require_GET
@never_cache
def classroom_student_password_shown(
    request: AuthenticatedRequest, pk: int, student_pk: int
) -> HttpResponse:
    """The student's new password, shown once: reading the page takes it out of the session,
    so a second visit (a refresh, the back button) shows it no more and makes no other."""
    classroom = get_classroom_for_teacher(request.user, pk)
    student = get_student_in_classroom(classroom, student_pk)
    waiting = request.session.get(_NEW_PASSWORD)
    if not (
        isinstance(waiting, dict)
        and waiting.get("classroom") == classroom.pk
        and waiting.get("student") == student.pk
    ):
        messages.info(
            request,
            _("The new password for %(name)s has been shown already; make another if it was lost.")
            % {"name": student.display_name},
        )
        return redirect("work:classroom", classroom.pk)
    del request.session[_NEW_PASSWORD]
    return render(
        request,
        "core/student_password.html",
        {"classroom": classroom, "student": student, "password": waiting["password"]},
    )


@login_required
@require_POST
def classroom_student_remove(
    request: AuthenticatedRequest, pk: int, student_pk: int
) -> HttpResponse:
    classroom = get_classroom_for_teacher(request.user, pk)
    student = get_student_in_classroom(classroom, student_pk)
    services.student_unenroll(classroom=classroom, student=student)
    messages.success(
        request,
        _("%(name)s is no longer in %(class)s.")
        % {"name": student.display_name, "class": classroom.name},
    )
    return redirect("work:classroom", classroom.pk)


@login_required
def classroom_welcome(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """After joining: the student's login name, to write down."""
    classroom = get_classroom_for_student(request.user, pk)
    return render(request, "core/welcome_student.html", {"classroom": classroom})


class PasswordResetView(auth_views.PasswordResetView):
    """A teacher asks for a link to choose a new password, by e-mail. The page that follows
    says the same whether or not the address belongs to a teacher (TeacherPasswordResetForm);
    requests are limited per address and per e-mail address."""

    form_class = TeacherPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = throttle.try_once(request, "password_reset_ip", throttle.client_key(request))
        email = str(request.POST.get("email", "")).strip().lower()[:254]
        if not seconds and email:
            seconds = throttle.try_once(request, "password_reset_email", email)
        if seconds:
            return throttle.too_many(request, "password_reset", seconds)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: PasswordResetForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the e-mail: choose a new password. Choosing one also lifts a lockout of
    the account after failed logins."""

    success_url = reverse_lazy("core:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        throttle.lift_login_lockout(form.user.get_username())
        # The link reached the address: it is confirmed, as by the sign-up's link.
        services.email_verify(user=form.user)
        return response

    def form_invalid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


# Long work in the worker: its page, a retry, a file it made ---------------------------------


def _job_page(request: AuthenticatedRequest, job: Job, *, status: int = 200) -> HttpResponse:
    """The job's page; with htmx (the page polling itself) only its progress, and 286, which
    tells htmx to stop polling, once the work is finished or has stalled (its Retry button
    then stays put, for the keyboard's focus)."""
    template = "core/job.html"
    if request.htmx:
        template += "#progress"
        if (job.is_finished or job.may_retry) and status == 200:
            status = 286
    return render(request, template, {"job": job}, status=status)


def _job_refused(request: AuthenticatedRequest, pk: UUID, *, refusal: Refusal) -> HttpResponse:
    return _job_page(request, jobs.job_for_user(request.user, pk))


@login_required
@require_GET
def job(request: AuthenticatedRequest, pk: UUID) -> HttpResponse:
    """Where long work has got (a progress bar, polled with htmx; without JavaScript, a link
    to check again), then its outcome. Only for the person who started it. Reads only."""
    return _job_page(request, jobs.job_for_user(request.user, pk))


@login_required
@require_POST
@refusals(_job_refused)
def job_retry(request: AuthenticatedRequest, pk: UUID) -> HttpResponse:
    """Start stopped work again (after an error, or a worker that stopped)."""
    job = jobs.job_retry(job=jobs.job_for_user(request.user, pk))
    return done(
        request,
        "",
        redirect_to=reverse("core:job", args=[job.pk]),
        fragment=lambda: _job_page(request, job),
    )


@login_required
@require_GET
def job_download(request: AuthenticatedRequest, pk: UUID) -> HttpResponse:
    """The file the work made (a large export), for the person who asked for it."""
    job = jobs.job_for_user(request.user, pk)
    if job.state != job.State.DONE or not job.output_name:
        raise Http404(_("This work made no file."))
    response = HttpResponse(bytes(job.output), content_type=job.output_type)
    response["Content-Disposition"] = content_disposition_header(True, job.output_name)
    return response

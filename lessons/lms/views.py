"""The LTI endpoints an LMS calls (login, launch, key set), the teacher's pages for an LMS
course (picking a lesson for deep linking, roster, grades), and the school admin's page of
registered LMSs."""

import contextlib
from typing import Any

from django.conf import settings
from django.contrib.auth import login as sign_in
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from lti_tool.models import Key

from core.access import get_school_for_admin
from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals

from . import lti, selectors, services, tasks
from .access import get_course_for_teacher, get_link_for_teacher, get_platform_for_admin
from .forms import DeepLinkForm, GradeSourceForm, PlatformForm
from .middleware import SESSION_KEY
from .models import Platform, origin_of
from .throttles import launch_limited, login_limited

DEEP_LINK_KEY = "lms_deep_link"  # a deep linking request waiting for the teacher's choice


def _refused(request: HtmxHttpRequest, *args: Any, refusal: Refusal, **kwargs: Any) -> HttpResponse:
    """A launch or login Lens will not take: a plain page saying why (the LMS shows it in its
    frame, or its window). Whatever the view was called with (the registration of
    `login_for`) does not change the page."""
    return render(request, "lms/refused.html", {"message": refusal.message})


# --- the endpoints an LMS calls --------------------------------------------------------------


@csrf_exempt  # posted by the LMS's page; the OIDC state and nonce protect the launch
@require_http_methods(["GET", "POST"])
@never_cache
@login_limited
@refusals(_refused, shows_message=True)
def login(request: HtmxHttpRequest, registration: Any = None) -> HttpResponse:
    """OIDC login initiation: the LMS names itself and the user; Lens answers with a redirect
    to the LMS's authentication endpoint."""
    return lti.login_redirect(request, registration)


@csrf_exempt  # posted by the LMS's page; the OIDC state and nonce protect the launch
@require_POST
@never_cache
@launch_limited
@refusals(_refused, shows_message=True)
def launch(request: HtmxHttpRequest) -> HttpResponse:
    """The launch: checked in full, then the user is signed in, without a password, to the
    account of their LMS identity, in the course's class, and taken to the lesson (or, for
    deep linking, to the choice of a lesson)."""
    verified = lti.verify_launch(request)
    arrival = services.launch_accept(launch=verified)
    sign_in(request, arrival.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_KEY] = {
        "platform": verified.platform.pk,
        "origins": verified.platform.origins,
    }
    course = arrival.course
    if arrival.user.is_teacher:
        # The roster, synced at each instructor's launch; a failure is shown on the course's
        # page, and does not stop the launch.
        with contextlib.suppress(Refusal):
            services.course_roster_sync(course=course)
    if arrival.deep_linking:
        request.session[DEEP_LINK_KEY] = {
            "course": course.pk,
            "user": arrival.user.pk,
            "deployment_id": verified.deployment.deployment_id,
            "settings": verified.claim(lti.DEEP_LINKING_SETTINGS),
        }
        return redirect("lms:deep_link")
    if arrival.link is not None:
        if arrival.user.is_teacher:
            return redirect("insights:dashboard", arrival.link.assignment_id)
        return redirect("work:assignment", arrival.link.assignment_id)
    if arrival.user.is_teacher:
        return redirect("lms:course", course.pk)
    return redirect("work:classroom", course.classroom_id)


@require_GET
@cache_control(max_age=300, public=True)
def jwks(request: HtmxHttpRequest) -> JsonResponse:
    """Lens's public keys, for LMSs to check what Lens signs: the key it signs with, and those
    it replaced lately (`manage.py lti_rotate_keys`)."""
    return JsonResponse(Key.objects.order_by("datetime_created", "pk").as_jwks())


# --- deep linking: the teacher picks a lesson -------------------------------------------------


def _pending_deep_link(request: AuthenticatedRequest) -> dict[str, Any]:
    pending = request.session.get(DEEP_LINK_KEY)
    if not isinstance(pending, dict) or pending.get("user") != request.user.pk:
        raise Http404
    return pending


def _deep_link_page(
    request: AuthenticatedRequest,
    *,
    form: DeepLinkForm | None = None,
    refusal: Refusal | None = None,
) -> HttpResponse:
    pending = _pending_deep_link(request)
    course = get_course_for_teacher(request.user, pending["course"])
    form = form or DeepLinkForm(request.POST if refusal else None)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "lms/deep_link.html", {"course": course, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@refusals(_deep_link_page)
def deep_link(request: AuthenticatedRequest) -> HttpResponse:
    """The teacher's choice of a lesson for their LMS course: it is assigned to the class, and
    the LMS receives a link that opens it (and a gradebook column), signed by Lens."""
    if request.method != "POST":
        return _deep_link_page(request)
    pending = _pending_deep_link(request)
    course = get_course_for_teacher(request.user, pending["course"])
    form = DeepLinkForm(request.POST)
    if not form.is_valid():
        return _deep_link_page(request, form=form)
    deep_settings = pending["settings"] if isinstance(pending.get("settings"), dict) else {}
    return_url = services.web_url(deep_settings.get("deep_link_return_url"))
    if not return_url:
        raise Refusal(
            f"{_('The LMS did not say where to send the lesson.')} {_(lti.AGAIN)}", status=400
        )
    token = services.deep_link_respond(
        course=course,
        teacher=request.user,
        lesson=form.cleaned_data["lesson"],
        grade_source=form.cleaned_data["grade_source"],
        settings=deep_settings,
        deployment_id=str(pending["deployment_id"]),
        target_url=lti.launch_url(request),
    )
    del request.session[DEEP_LINK_KEY]
    response = render(
        request,
        "lms/deep_link_return.html",
        {
            "course": course,
            "lesson": form.cleaned_data["lesson"],
            "return_url": return_url,
            "jwt": token,
        },
    )
    # The answer is a form posted to the LMS: the one page whose forms may leave Lens.
    response._csp_config = {  # type: ignore[attr-defined]
        **settings.SECURE_CSP,
        "form-action": [CSP.SELF, origin_of(return_url)],
    }
    return response


# --- the teacher's page of an LMS course ------------------------------------------------------


@login_required
@require_GET
def course(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = get_course_for_teacher(request.user, pk)
    return render(
        request,
        "lms/course.html",
        {"page": selectors.course_page(course), "max_tries": services.MAX_TRIES},
    )


def _course_page(request: AuthenticatedRequest, pk: int, *, refusal: Refusal) -> HttpResponse:
    return redirect("lms:course", pk)


@login_required
@require_POST
@refusals(_course_page)
def course_sync(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The teacher's "Sync the roster now"."""
    course = get_course_for_teacher(request.user, pk)
    message = services.course_roster_sync(course=course)
    return done(request, message, redirect_to=reverse("lms:course", args=[course.pk]))


@login_required
@require_POST
def grades_send(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The teacher's "Send grades now": every due grade, failed ones tried again at once."""
    link = get_link_for_teacher(request.user, pk)
    tasks.send_grades.enqueue(link.pk, force=True)
    return done(
        request,
        _("Lens is sending the grades: each student's last result is listed below."),
        redirect_to=reverse("lms:course", args=[link.course_id]) + f"#link-{link.pk}",
    )


@login_required
@require_POST
def link_settings(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    link = get_link_for_teacher(request.user, pk)
    form = GradeSourceForm(request.POST)
    if not form.is_valid():
        raise Http404  # only the page's own radio buttons post here
    services.link_update(link=link, grade_source=form.cleaned_data["grade_source"])
    return done(
        request,
        _("From now on, the LMS receives %(grade)s.")
        % {"grade": link.get_grade_source_display().lower()},
        redirect_to=reverse("lms:course", args=[link.course_id]) + f"#link-{link.pk}",
    )


# --- the school admin's LMSs --------------------------------------------------------------------


def tool_urls(request: HtmxHttpRequest, platform: Platform | None = None) -> dict[str, str]:
    """What an LMS asks about Lens when it is registered there."""
    login = reverse("lms:login")
    if platform is not None:
        login = reverse("lms:login_for", args=[platform.registration.uuid])
    launch = request.build_absolute_uri(reverse("lms:launch"))
    return {
        "login": request.build_absolute_uri(login),
        "launch": launch,
        "deep_link": launch,
        "jwks": request.build_absolute_uri(reverse("lms:jwks")),
        "domain": request.get_host(),
    }


def _platforms_page(
    request: AuthenticatedRequest,
    *,
    form: PlatformForm | None = None,
    refusal: Refusal | None = None,
    status: int = 200,
) -> HttpResponse:
    school = get_school_for_admin(request.user)
    if refusal is not None:
        form = PlatformForm(request.POST)
        if form.is_valid():
            form.add_error(refusal.field, refusal.message)
    return render(
        request,
        "lms/platforms.html",
        {
            "school": school,
            "cards": selectors.platforms_of(school),
            "form": form or PlatformForm(),
            "tool": tool_urls(request),
        },
        status=status,
    )


@login_required
@require_GET
def platforms(request: AuthenticatedRequest) -> HttpResponse:
    """A school admin's page: the LMSs Lens is registered in, and what to give an LMS."""
    return _platforms_page(request)


@login_required
@require_POST
@refusals(_platforms_page, shows_message=True)
def platform_add(request: AuthenticatedRequest) -> HttpResponse:
    school = get_school_for_admin(request.user)
    form = PlatformForm(request.POST)
    if not form.is_valid():
        return _platforms_page(request, form=form, status=400)
    platform = services.platform_register(school=school, fields=form.platform_fields())
    return done(
        request,
        _("%(lms)s is registered: Lens opens from its deployments %(deployments)s.")
        % {
            "lms": platform.registration.name,
            "deployments": ", ".join(form.cleaned_data["deployment_ids"]),
        },
        redirect_to=reverse("lms:platform_edit", args=[platform.pk]),
    )


def _platform_page(
    request: AuthenticatedRequest,
    pk: int,
    *,
    form: PlatformForm | None = None,
    refusal: Refusal | None = None,
    status: int = 200,
) -> HttpResponse:
    platform = get_platform_for_admin(request.user, pk)
    if refusal is not None:
        form = PlatformForm(request.POST)
        if form.is_valid():
            form.add_error(refusal.field, refusal.message)
    form = form or PlatformForm(initial=PlatformForm.initial_for(platform))
    context = {"platform": platform, "form": form, "tool": tool_urls(request, platform)}
    return render(request, "lms/platform.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@refusals(_platform_page, shows_message=True)
def platform_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    platform = get_platform_for_admin(request.user, pk)
    if request.method != "POST":
        return _platform_page(request, pk)
    form = PlatformForm(request.POST)
    if not form.is_valid():
        return _platform_page(request, pk, form=form, status=400)
    services.platform_update(platform=platform, fields=form.platform_fields())
    return done(
        request,
        _("%(lms)s is saved.") % {"lms": platform.registration.name},
        redirect_to=reverse("lms:platform_edit", args=[platform.pk]),
    )

"""The lesson library: the taxonomies and their techniques (public); for teachers, find
lessons, read one in full, duplicate, publish."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import NOT_APPROVED, may_publish
from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals

from . import selectors, services
from .access import get_lesson_for_teacher, require_teacher
from .forms import LibraryFilterForm, PublishForm
from .models import Taxonomy


@login_required
def library(request: AuthenticatedRequest) -> HttpResponse:
    require_teacher(request.user)
    visible = selectors.lessons_visible_to(request.user)
    form = LibraryFilterForm(request.GET or None, lessons=visible)
    lessons = visible
    if form.is_bound and form.is_valid():
        lessons = form.filter(lessons, request.user)
    return render(
        request,
        "library/library.html",
        {"form": form, "lessons": selectors.lesson_cards(lessons)},
        status=400 if form.errors else 200,
    )


@login_required
def lesson_detail(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    lesson = get_lesson_for_teacher(request.user, slug)
    page = selectors.lesson_page(lesson, user=request.user)
    return render(request, "library/lesson_detail.html", {"lesson": lesson, "page": page})


def _back_to_lesson(request: HtmxHttpRequest, slug: str, *, refusal: Refusal) -> HttpResponse:
    """After a refused action on a lesson: back to its page, where the message is shown."""
    return redirect("library:lesson_detail", slug)


@login_required
@require_POST
@refusals(_back_to_lesson)
def lesson_duplicate(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    lesson = get_lesson_for_teacher(request.user, slug)
    copy = services.lesson_duplicate(lesson=lesson, by=request.user)
    return done(
        request,
        f"“{lesson.title}” was copied. The copy is a draft.",
        redirect_to=reverse("library:lesson_detail", args=[copy.slug]),
    )


@login_required
@require_POST
@refusals(_back_to_lesson)
def lesson_publish(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    lesson = get_lesson_for_teacher(request.user, slug)
    if lesson.created_by_id != request.user.pk:
        raise Http404
    form = PublishForm(request.POST)
    if not form.is_valid():
        raise Refusal(_("Publish or unpublish the lesson."))
    published = form.cleaned_data["published"]
    if published and not may_publish(request.user):
        raise Refusal(NOT_APPROVED + " " + _("Publishing waits for the approval too."), status=403)
    services.lesson_set_published(lesson=lesson, published=published)
    if published:
        message = _("The lesson is published: every teacher can now assign it.")
    else:
        message = _("The lesson is a draft again: only you can see it.")
    return done(request, message, redirect_to=reverse("library:lesson_detail", args=[lesson.slug]))


def taxonomy(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The techniques of one taxonomy, with definitions and examples (public)."""
    taxonomy = get_object_or_404(Taxonomy, slug=slug)
    return render(
        request,
        "library/taxonomy.html",
        {"taxonomy": taxonomy, "techniques": taxonomy.techniques.all()},
    )


def taxonomies(request: HtmxHttpRequest) -> HttpResponse:
    return render(
        request,
        "library/taxonomies.html",
        {"taxonomies": Taxonomy.objects.prefetch_related("techniques")},
    )

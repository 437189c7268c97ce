"""The lesson library: the taxonomies and their techniques (public); for teachers, find
lessons, read one in full, duplicate, publish."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.models import User

from . import services
from .forms import LibraryFilterForm
from .models import KeySpan, Lesson, Taxonomy


def _visible_lessons(user: User):
    """The current revision of published lessons, and the teacher's own new drafts (a draft
    of a later revision is reached from the lesson it revises)."""
    if not user.is_teacher:
        raise Http404
    return Lesson.objects.filter(
        Q(is_published=True, replaced_at__isnull=True)
        | Q(created_by=user, is_published=False, revision=1)
    )


def _get_lesson(user: User, slug: str) -> Lesson:
    return get_object_or_404(
        _visible_lessons(user).select_related("taxonomy", "created_by"), slug=slug
    )


@login_required
def library(request: HttpRequest) -> HttpResponse:
    visible = _visible_lessons(request.user)
    form = LibraryFilterForm(request.GET or None, lessons=visible)
    lessons = visible
    if form.is_bound and form.is_valid():
        lessons = form.filter(lessons, request.user)
    lessons = (
        lessons.select_related("taxonomy")
        .annotate(
            segment_count=Count("segments", distinct=True),
            key_count=Count("segments__key_spans", distinct=True),
        )
        .order_by("title", "pk")
    )
    lessons = list(lessons)
    return render(
        request,
        "library/library.html",
        {"form": form, "lessons": lessons},
        status=400 if form.errors else 200,
    )


@login_required
def lesson_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = _get_lesson(request.user, slug)
    segments = lesson.segments.prefetch_related(
        "prompts",
        Prefetch("key_spans", queryset=KeySpan.objects.select_related("technique")),
    )
    is_creator = lesson.created_by_id == request.user.pk
    return render(
        request,
        "library/lesson_detail.html",
        {
            "lesson": lesson,
            "segments": segments,
            "is_creator": is_creator,
            "next_draft": services.draft_revision(lesson)
            if is_creator and lesson.is_published
            else None,
            "assignment_count": lesson.assignments.count(),
        },
    )


@login_required
@require_POST
def lesson_duplicate(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = _get_lesson(request.user, slug)
    copy = services.lesson_duplicate(lesson=lesson, by=request.user)
    messages.success(request, f"“{lesson.title}” was copied. The copy is a draft.")
    return redirect("library:lesson_detail", copy.slug)


@login_required
@require_POST
def lesson_publish(request: HttpRequest, slug: str) -> HttpResponse:
    lesson = _get_lesson(request.user, slug)
    if lesson.created_by_id != request.user.pk:
        raise Http404
    published = request.POST.get("published") == "1"
    try:
        services.lesson_set_published(lesson=lesson, published=published)
    except services.LessonActionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("library:lesson_detail", lesson.slug)
    if published:
        messages.success(request, "The lesson is published: every teacher can now assign it.")
    else:
        messages.success(request, "The lesson is a draft again: only you can see it.")
    return redirect("library:lesson_detail", lesson.slug)


def taxonomy(request: HttpRequest, slug: str) -> HttpResponse:
    """The techniques of one taxonomy, with definitions and examples (public)."""
    taxonomy = get_object_or_404(Taxonomy, slug=slug)
    return render(
        request,
        "library/taxonomy.html",
        {"taxonomy": taxonomy, "techniques": taxonomy.techniques.all()},
    )


def taxonomies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "library/taxonomies.html",
        {"taxonomies": Taxonomy.objects.prefetch_related("techniques")},
    )

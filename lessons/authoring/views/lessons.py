"""Authoring a lesson in the browser: the author's lessons, a new lesson from pasted text,
imports, the lesson's passages (split, merge, move, add, delete), its details with a live
preview, publishing and exports. A passage's own page (text, prompts, key) is in
author_segment.py.

Only drafts are written to (`access.get_draft_for_author`: 404 for anything else); a
published lesson is changed by starting its next revision (`lesson_edit`).
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.models import User
from lessons.library import bundles
from lessons.library import services as revisions
from lessons.library.lessonfile import LessonFormatError, dump_lesson
from lessons.library.models import KeySpan, Lesson, Segment
from lessons.library.rendering import plain_text, render_markdown
from lessons.library.services import lesson_to_data
from lessons.work.models import Assignment

from .. import services as authoring
from ..access import get_draft_for_author
from ..forms import (
    AddPassageForm,
    ImportForm,
    LessonDetailsForm,
    LessonNewForm,
    MoveForm,
    PassageForm,
    SplitForm,
)


def _require_teacher(user: User) -> None:
    if not user.is_teacher:
        raise Http404


def _exportable(user: User):
    """What a teacher may download as lesson files: what the library shows them (current
    published lessons), and their own drafts, later revisions included."""
    _require_teacher(user)
    return Lesson.objects.filter(
        Q(is_published=True, replaced_at__isnull=True) | Q(created_by=user, is_published=False)
    )


# The author's lessons --------------------------------------------------------------------


def _home(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    lessons = list(
        Lesson.objects.filter(created_by=user)
        .filter(Q(is_published=False) | Q(replaced_at__isnull=True))
        .select_related("taxonomy")
        .annotate(
            segment_count=Count("segments", distinct=True),
            key_count=Count("segments__key_spans", distinct=True),
        )
        .order_by("title", "revision", "pk")
    )
    classes = dict(
        Assignment.objects.filter(lesson__created_by=user)
        .annotate(lineage=Coalesce("lesson__root_id", "lesson_id"))
        .values("lineage")
        .annotate(n=Count("classroom", distinct=True))
        .values_list("lineage", "n")
    )
    drafts = [lesson for lesson in lessons if not lesson.is_published]
    next_drafts = {draft.root_id: draft for draft in drafts if draft.root_id}
    published = [lesson for lesson in lessons if lesson.is_published]
    for lesson in lessons:
        lesson.class_count = classes.get(lesson.lineage_id, 0)
        lesson.next_draft = next_drafts.get(lesson.lineage_id) if lesson.is_published else None
    return render(
        request,
        "authoring/home.html",
        {"drafts": drafts, "published": published, "lessons": lessons, "error": error},
        status=status,
    )


@login_required
@require_GET
def author_home(request: HttpRequest) -> HttpResponse:
    _require_teacher(request.user)
    return _home(request)


# A new lesson ----------------------------------------------------------------------------


@login_required
def author_new(request: HttpRequest) -> HttpResponse:
    _require_teacher(request.user)
    if request.method != "POST":
        return render(request, "authoring/new.html", {"form": LessonNewForm()})
    form = LessonNewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            passages = authoring.propose_passages(
                data["text"], markdown=data["markup"] == LessonNewForm.MARKDOWN
            )
            lesson = authoring.lesson_create(
                by=request.user,
                slug=data["slug"],
                taxonomy=data["taxonomy"],
                details=form.details(),
                passages=passages,
            )
        except LessonFormatError as error:
            for line, message in error.errors:
                form.add_error("text", f"Line {line} of the text: {message}.")
        except authoring.AuthoringRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            count = len(passages)
            messages.success(
                request,
                f"“{lesson.title}” is a draft with {count} passage{'s' if count != 1 else ''}. "
                "Check where the passages start and end, then add prompts and the answer key.",
            )
            return redirect("authoring:author_lesson", lesson.pk)
    return render(request, "authoring/new.html", {"form": form}, status=400)


@login_required
def author_import(request: HttpRequest) -> HttpResponse:
    _require_teacher(request.user)
    if request.method != "POST":
        return render(request, "authoring/import.html", {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    problems: list[str] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            bundles.check_upload_size(upload.name, upload.size)
            files = bundles.read_upload(upload.name, upload.read())
            lessons = authoring.lessons_import(files=files, by=request.user)
        except bundles.BundleError as error:
            found = error.problems
            try:
                authoring.lessons_import(files=error.files, by=request.user, check_only=True)
            except authoring.ImportProblems as more:
                found = sorted(found + more.problems)
            problems = [bundles.describe(*p) for p in found]
        except authoring.ImportProblems as error:
            problems = [bundles.describe(*p) for p in error.problems]
        else:
            titles = ", ".join(f"“{lesson.title}”" for lesson in lessons)
            messages.success(
                request,
                f"Imported as your draft{'s' if len(lessons) > 1 else ''}: {titles}.",
            )
            if len(lessons) == 1:
                return redirect("authoring:author_lesson", lessons[0].pk)
            return redirect("authoring:author_home")
    return render(
        request, "authoring/import.html", {"form": form, "problems": problems}, status=400
    )


# The editor: a draft's passages --------------------------------------------------------


def _paragraph_starts(segment: Segment) -> list[str]:
    """The first words of each paragraph of a passage, to say where a split would fall."""
    return [
        " ".join(plain_text(render_markdown(p)).split()[:8])
        for p in authoring.paragraphs_of(segment.body)
    ]


def _editor_context(lesson: Lesson) -> dict:
    segments = list(
        lesson.segments.annotate(prompt_count=Count("prompts"))
        .order_by("position")
        .prefetch_related(
            Prefetch(
                "key_spans",
                queryset=KeySpan.objects.select_related("technique").order_by("position"),
            )
        )
    )
    for segment in segments:
        segment.paragraph_starts = _paragraph_starts(segment)
        keys = segment.key_spans.all()
        segment.technique_names = list(dict.fromkeys(k.technique.name for k in keys))
    return {
        "lesson": lesson,
        "segments": segments,
        "problems": revisions.publish_problems(lesson),
        "add_form": AddPassageForm(),
    }


def _editor(
    request: HttpRequest,
    lesson: Lesson,
    *,
    error: str = "",
    notice: str = "",
    focus: tuple[object, str] | None = None,
    status: int = 200,
    add_form: AddPassageForm | None = None,
) -> HttpResponse:
    context = _editor_context(lesson)
    context.update(error=error, notice=notice, oob=bool(request.htmx))
    context["focus_uid"], context["focus_control"] = focus or (None, "")
    if add_form is not None:
        context["add_form"] = add_form
    template = "authoring/lesson.html"
    if request.htmx:
        template += "#editor"
    return render(request, template, context, status=status)


@login_required
@require_GET
def author_lesson(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    if "preview" in request.GET:
        segments = lesson.segments.prefetch_related("prompts")
        return render(request, "authoring/preview.html", {"lesson": lesson, "segments": segments})
    return _editor(request, lesson)


Reshape = Callable[[Lesson], tuple[Segment, str, str]]


def _reshape(request: HttpRequest, pk: int, action: Reshape) -> HttpResponse:
    """Run one change to the passages; `action` returns the passage to show next, what
    happened (for the author) and which of its controls gets the focus."""
    lesson = get_draft_for_author(request.user, pk)
    try:
        segment, notice, control = action(lesson)
    except revisions.RevisionRefused as refusal:
        return _editor(request, lesson, error=str(refusal), status=refusal.status)
    if request.htmx:
        return _editor(request, lesson, notice=notice, focus=(segment.uid, control))
    messages.success(request, notice)
    return redirect(reverse("authoring:author_lesson", args=[pk]) + f"#passage-{segment.uid}")


def _form_error(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@login_required
@require_POST
def author_segment_split(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    def split(lesson: Lesson) -> tuple[Segment, str, str]:
        form = SplitForm(request.POST)
        if not form.is_valid():
            raise authoring.AuthoringRefused(_form_error(form))
        _, second = authoring.segment_split(
            lesson=lesson,
            position=position,
            paragraph=form.cleaned_data["paragraph"],
            uid=form.cleaned_data["uid"],
        )
        return (
            second,
            f"Passage {position} was split: its paragraphs from "
            f"{form.cleaned_data['paragraph'] + 1} on are now passage {second.position}.",
            "heading",
        )

    return _reshape(request, pk, split)


@login_required
@require_POST
def author_segment_merge(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    def merge(lesson: Lesson) -> tuple[Segment, str, str]:
        form = PassageForm(request.POST)
        form.is_valid()
        segment = authoring.segment_merge(
            lesson=lesson, position=position, uid=form.cleaned_data.get("uid")
        )
        return segment, f"Passages {position} and {position + 1} are now one passage.", "heading"

    return _reshape(request, pk, merge)


@login_required
@require_POST
def author_segment_move(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    def move(lesson: Lesson) -> tuple[Segment, str, str]:
        form = MoveForm(request.POST)
        if not form.is_valid():
            raise authoring.AuthoringRefused(_form_error(form))
        direction = form.cleaned_data["direction"]
        segment = authoring.segment_move(
            lesson=lesson, position=position, direction=direction, uid=form.cleaned_data["uid"]
        )
        count = lesson.segments.count()
        at_edge = segment.position == (1 if direction == "up" else count)
        control = {"up": "down", "down": "up"}[direction] if at_edge else direction
        title = f"“{segment.title}”" if segment.title else f"Passage {position}"
        return segment, f"{title} moved {direction}: it is now passage {segment.position}.", control

    return _reshape(request, pk, move)


@login_required
def author_segment_delete(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    segment = get_object_or_404(
        lesson.segments.annotate(
            prompt_count=Count("prompts", distinct=True),
            key_count=Count("key_spans", distinct=True),
        ),
        position=position,
    )
    if request.method == "POST":
        form = PassageForm(request.POST)
        form.is_valid()
        try:
            authoring.segment_delete(
                lesson=lesson, position=position, uid=form.cleaned_data.get("uid")
            )
        except revisions.RevisionRefused as refusal:
            return _editor(request, lesson, error=str(refusal), status=refusal.status)
        messages.success(request, f"Passage {position} was deleted.")
        return redirect("authoring:author_lesson", lesson.pk)
    return render(request, "authoring/passage_delete.html", {"lesson": lesson, "segment": segment})


@login_required
@require_POST
def author_segment_add(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    form = AddPassageForm(request.POST)
    if not form.is_valid():
        return _editor(request, lesson, add_form=form, status=400)
    try:
        segment = authoring.segment_add(
            lesson=lesson, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
        )
    except revisions.RevisionRefused as refusal:
        return _editor(request, lesson, error=str(refusal), add_form=form, status=refusal.status)
    messages.success(request, f"Passage {segment.position} was added.")
    return redirect("authoring:author_segment", lesson.pk, segment.position)


# Details, preview, publish, delete -------------------------------------------------------


def _details_form(lesson: Lesson, data=None) -> LessonDetailsForm:
    initial = {name: getattr(lesson, name) for name in authoring.DETAIL_FIELDS}
    initial.update(slug=lesson.slug, taxonomy=lesson.taxonomy_id)
    form = LessonDetailsForm(
        data,
        initial=initial,
        slug_lock=authoring.slug_lock(lesson),
        taxonomy_lock=authoring.taxonomy_lock(lesson),
    )
    preview = reverse("authoring:author_preview", args=[lesson.pk]) + "?field=introduction"
    form.fields["introduction"].widget.attrs.update(
        {
            "data-hx-post": preview,
            "data-hx-trigger": "input changed delay:400ms",
            "data-hx-target": "#preview-introduction",
            "data-hx-swap": "innerHTML",
            "data-hx-sync": "this:replace",
        }
    )
    return form


def _preview(source: str) -> tuple[str, str]:
    """(html, error) for a preview of Markdown."""
    if len(source) > authoring.MAX_PREVIEW:
        return "", (
            f"This text is too long to preview: {len(source):,} characters, at most "
            f"{authoring.MAX_PREVIEW:,}."
        )
    return render_markdown(source), ""


@login_required
def author_meta(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    if request.method != "POST":
        form = _details_form(lesson)
        html, error = _preview(lesson.introduction)
        status = 200
    elif "preview" in request.POST:
        form = _details_form(lesson, request.POST)
        html, error = _preview(request.POST.get("introduction", ""))
        status = 400 if error else 200
    else:
        form = _details_form(lesson, request.POST)
        html, error = _preview(request.POST.get("introduction", ""))
        if form.is_valid():
            data = form.cleaned_data
            try:
                authoring.lesson_update_details(
                    lesson=lesson,
                    details=form.details(),
                    slug=None if form.fields["slug"].disabled else data["slug"] or None,
                    taxonomy=None if form.fields["taxonomy"].disabled else data["taxonomy"],
                )
            except revisions.RevisionRefused as refusal:
                form.add_error(None, str(refusal))
            else:
                messages.success(request, "The details are saved.")
                return redirect("authoring:author_lesson", lesson.pk)
        status = 400
    return render(
        request,
        "authoring/meta.html",
        {"lesson": lesson, "form": form, "preview_html": html, "preview_error": error},
        status=status,
    )


@login_required
@require_POST
def author_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The sanitised rendering of the posted Markdown, as a fragment: field `markdown`, or
    the field that `?field=NAME` names (a live preview posts a form field as it is named in
    its form). 400 with a message when it is too long."""
    get_draft_for_author(request.user, pk)
    name = request.GET.get("field") or "markdown"
    html, error = _preview(request.POST.get(name, ""))
    return render(
        request,
        "authoring/meta.html#preview",
        {"preview_html": html, "preview_error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def author_publish(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    try:
        lesson = revisions.lesson_publish(lesson=lesson)
    except revisions.RevisionRefused as refusal:
        return _editor(
            request, lesson, error=f"Not published yet. {refusal}", status=refusal.status
        )
    if lesson.revision > 1:
        notice = (
            f"Revision {lesson.revision} is published. Classes that have an earlier revision "
            "stay on it until their teacher moves them."
        )
    else:
        notice = "The lesson is published: every teacher can now find and assign it."
    messages.success(request, notice)
    return redirect("library:lesson_detail", lesson.slug)


@login_required
def author_delete(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    if request.method == "POST":
        try:
            authoring.lesson_delete(lesson=lesson)
        except revisions.RevisionRefused as refusal:
            return _editor(request, lesson, error=str(refusal), status=refusal.status)
        messages.success(request, f"The draft “{lesson.title}” was deleted.")
        return redirect("authoring:author_home")
    return render(
        request,
        "authoring/lesson_delete.html",
        {"lesson": lesson, "segment_count": lesson.segments.count()},
    )


# Exports and starting a revision ---------------------------------------------------------


@login_required
@require_GET
def author_export(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(_exportable(request.user).select_related("taxonomy"), pk=pk)
    response = HttpResponse(
        dump_lesson(lesson_to_data(lesson)), content_type="text/markdown; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{lesson.slug}.md"'
    return response


@login_required
@require_GET
def author_export_zip(request: HttpRequest) -> HttpResponse:
    visible = _exportable(request.user)
    try:
        ids = {int(value) for value in request.GET.getlist("lesson")}
    except ValueError as error:
        raise Http404 from error
    if not ids:
        return _home(request, error="Choose at least one lesson to export.", status=400)
    if len(ids) > bundles.MAX_FILES:
        return _home(
            request, error=f"Export at most {bundles.MAX_FILES} lessons at once.", status=400
        )
    lessons = list(
        visible.filter(pk__in=ids).select_related("taxonomy").order_by("slug", "revision")
    )
    if len(lessons) != len(ids):
        raise Http404("Some of those lessons are not yours to export, or do not exist.")
    names = bundles.file_names([lesson.slug for lesson in lessons])
    files = [
        bundles.LessonFile(name, dump_lesson(lesson_to_data(lesson)))
        for name, lesson in zip(names, lessons, strict=True)
    ]
    response = HttpResponse(bundles.write_zip(files), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="lessons.zip"'
    return response


@login_required
@require_POST
def lesson_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Edit a lesson of one's own: a draft is edited as it is; a published lesson gets
    (or continues) the draft of its next revision."""
    _require_teacher(request.user)
    lesson = (
        Lesson.objects.filter(slug=slug, created_by=request.user)
        .filter(Q(is_published=True, replaced_at__isnull=True) | Q(is_published=False, revision=1))
        .order_by("-revision")
        .first()
    )
    if lesson is None:
        raise Http404
    try:
        draft = revisions.lesson_edit_draft(lesson=lesson, by=request.user)
    except revisions.RevisionRefused as refusal:
        messages.error(request, str(refusal))
        return redirect("library:lesson_detail", slug)
    if draft.pk != lesson.pk:
        messages.success(
            request,
            f"You are editing revision {draft.revision}, a draft. Revision {lesson.revision} "
            "stays as it is for the classes that have it until you publish this one.",
        )
    return redirect("authoring:author_lesson", draft.pk)

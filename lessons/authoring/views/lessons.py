"""Authoring a lesson in the browser: the author's lessons, a new lesson from pasted text,
imports, the lesson's passages (split, merge, move, add, delete), its details with a live
preview, publishing and exports. A passage's own page (text, prompts, key) is in
passages.py.

Only drafts are written to (`access.get_draft_for_author`: 404 for anything else); a
published lesson is changed by starting its next revision (`lesson_edit`). A refused write
shows the page again with why (`core.responses.refusals`).
"""

from collections.abc import Callable, Sequence

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_GET, require_POST

from core import jobs
from core.access import NOT_APPROVED, may_publish
from core.models import Job
from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals
from lessons.library import bundles
from lessons.library import services as library_services
from lessons.library.lessonfile import dump_lesson
from lessons.library.models import Lesson, Segment

from .. import selectors, services, tasks
from ..access import get_draft_for_author, get_lesson_for_author, require_teacher
from ..forms import (
    AddPassageForm,
    ExportForm,
    ImportForm,
    LessonDetailsForm,
    LessonNewForm,
    MoveForm,
    PassageForm,
    PreviewForm,
    SplitForm,
)

# The author's lessons --------------------------------------------------------------------


def _home(request: AuthenticatedRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    mine = selectors.author_lessons(request.user)
    return render(
        request,
        "authoring/home.html",
        {"drafts": mine.drafts, "published": mine.published, "lessons": mine.all, "error": error},
        status=status,
    )


@login_required
@require_GET
def author_home(request: AuthenticatedRequest) -> HttpResponse:
    require_teacher(request.user)
    return _home(request)


# A new lesson, and imports ---------------------------------------------------------------


def _new_page(request: HtmxHttpRequest, form: LessonNewForm, status: int = 200) -> HttpResponse:
    return render(request, "authoring/new.html", {"form": form}, status=status)


def _new_refused(request: HtmxHttpRequest, *, refusal: Refusal) -> HttpResponse:
    form = LessonNewForm(request.POST)
    form.add_error(refusal.field, refusal.message)
    return _new_page(request, form)


@login_required
@refusals(_new_refused, shows_message=True)
def author_new(request: AuthenticatedRequest) -> HttpResponse:
    require_teacher(request.user)
    if request.method != "POST":
        return _new_page(request, LessonNewForm())
    form = LessonNewForm(request.POST)
    if not form.is_valid():
        return _new_page(request, form, status=400)
    data = form.cleaned_data
    lesson = services.lesson_create(
        by=request.user,
        slug=data["slug"],
        taxonomy=data["taxonomy"],
        details=form.details(),
        text=data["text"],
        markdown=data["markup"] == LessonNewForm.MARKDOWN,
    )
    count = lesson.segments.count()
    return done(
        request,
        ngettext(
            "“%(title)s” is a draft with %(count)s passage. Check where the passages start and "
            "end, then add prompts and the answer key.",
            "“%(title)s” is a draft with %(count)s passages. Check where the passages start and "
            "end, then add prompts and the answer key.",
            count,
        )
        % {"title": lesson.title, "count": count},
        redirect_to=reverse("authoring:author_lesson", args=[lesson.pk]),
    )


def _import_page(
    request: HtmxHttpRequest, form: ImportForm, problems: Sequence[str] = (), status: int = 200
) -> HttpResponse:
    context = {"form": form, "problems": problems}
    return render(request, "authoring/import.html", context, status=status)


def _import_refused(request: HtmxHttpRequest, *, refusal: Refusal) -> HttpResponse:
    if isinstance(refusal, services.ImportProblems):
        problems = refusal.problems
    else:
        problems = [refusal.message]
    return _import_page(request, ImportForm(request.POST, request.FILES), problems)


def in_background(size: int) -> bool:
    """Whether an upload of `size` bytes is imported in the worker, with a progress page:
    larger than BACKGROUND_IMPORT_BYTES, and not over the upload limit (refused at once)."""
    return settings.BACKGROUND_IMPORT_BYTES < size <= bundles.MAX_UPLOAD_BYTES


@login_required
@refusals(_import_refused, shows_message=True)
def author_import(request: AuthenticatedRequest) -> HttpResponse:
    require_teacher(request.user)
    if request.method != "POST":
        return _import_page(request, ImportForm())
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    if (upload.name or "").lower().endswith(".zip") and in_background(upload.size):
        job = jobs.job_start(
            task=tasks.import_lessons,
            owner=request.user,
            kind=Job.Kind.IMPORT,
            title=gettext("Importing %(file)s") % {"file": upload.name},
            params={"name": upload.name},
            payload=b"".join(upload.chunks()),
        )
        return redirect("core:job", job.pk)
    lessons = services.lessons_import_upload(upload=upload, by=request.user)
    titles = ", ".join(f"“{lesson.title}”" for lesson in lessons)
    if len(lessons) == 1:
        redirect_to = reverse("authoring:author_lesson", args=[lessons[0].pk])
    else:
        redirect_to = reverse("authoring:author_home")
    return done(
        request,
        ngettext(
            "Imported as your draft: %(titles)s.",
            "Imported as your drafts: %(titles)s.",
            len(lessons),
        )
        % {"titles": titles},
        redirect_to=redirect_to,
    )


# The editor: a draft's passages ----------------------------------------------------------


def _editor(
    request: HtmxHttpRequest,
    lesson: Lesson,
    *,
    error: str = "",
    notice: str = "",
    focus: tuple[object, str] | None = None,
    status: int = 200,
    add_form: AddPassageForm | None = None,
) -> HttpResponse:
    """The editor page, or with htmx its passages and publishing part."""
    focus_uid, focus_control = focus or (None, "")
    context = {
        "lesson": lesson,
        "editor": selectors.lesson_editor(lesson),
        "add_form": add_form or AddPassageForm(),
        "error": error,
        "notice": notice,
        "oob": bool(request.htmx),
        "focus_uid": focus_uid,
        "focus_control": focus_control,
    }
    template = "authoring/lesson.html"
    if request.htmx:
        template += "#editor"
    return render(request, template, context, status=status)


def _editor_refused(
    request: AuthenticatedRequest, pk: int, *, refusal: Refusal, **ids: int
) -> HttpResponse:
    """The editor again after a refused write (the lesson may have been published since)."""
    return _editor(request, get_lesson_for_author(request.user, pk), error=refusal.message)


@login_required
@require_GET
def author_lesson(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    if "preview" in request.GET:
        segments = lesson.segments.prefetch_related("prompts")
        return render(request, "authoring/preview.html", {"lesson": lesson, "segments": segments})
    return _editor(request, lesson)


def _valid(form: forms.Form) -> dict:
    """The cleaned data of a form that reshapes the passages. Its fields are filled in by
    the page, so what is wrong with them refuses the change as a whole."""
    if not form.is_valid():
        raise Refusal(" ".join(str(e) for errors in form.errors.values() for e in errors))
    return form.cleaned_data


Reshape = Callable[[Lesson], tuple[Segment, str, str]]


def _reshape(request: AuthenticatedRequest, pk: int, action: Reshape) -> HttpResponse:
    """Run one change to the passages; `action` returns the passage to show next, what
    happened (for the author) and which of its controls gets the focus."""
    lesson = get_draft_for_author(request.user, pk)
    segment, notice, control = action(lesson)
    return done(
        request,
        notice,
        redirect_to=reverse("authoring:author_lesson", args=[pk]) + f"#passage-{segment.uid}",
        fragment=lambda: _editor(request, lesson, notice=notice, focus=(segment.uid, control)),
    )


@login_required
@require_POST
@refusals(_editor_refused, shows_message=True)
def author_segment_split(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    def split(lesson: Lesson) -> tuple[Segment, str, str]:
        data = _valid(SplitForm(request.POST))
        _, second = services.segment_split(
            lesson=lesson, position=position, paragraph=data["paragraph"], uid=data["uid"]
        )
        return (
            second,
            gettext(
                "Passage %(position)s was split: its paragraphs from %(paragraph)s on are now "
                "passage %(new)s."
            )
            % {"position": position, "paragraph": data["paragraph"] + 1, "new": second.position},
            "heading",
        )

    return _reshape(request, pk, split)


@login_required
@require_POST
@refusals(_editor_refused, shows_message=True)
def author_segment_merge(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    def merge(lesson: Lesson) -> tuple[Segment, str, str]:
        data = _valid(PassageForm(request.POST))
        segment = services.segment_merge(lesson=lesson, position=position, uid=data["uid"])
        message = gettext("Passages %(position)s and %(next)s are now one passage.") % {
            "position": position,
            "next": position + 1,
        }
        return segment, message, "heading"

    return _reshape(request, pk, merge)


@login_required
@require_POST
@refusals(_editor_refused, shows_message=True)
def author_segment_move(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    def move(lesson: Lesson) -> tuple[Segment, str, str]:
        data = _valid(MoveForm(request.POST))
        direction = data["direction"]
        segment = services.segment_move(
            lesson=lesson, position=position, direction=direction, uid=data["uid"]
        )
        count = lesson.segments.count()
        at_edge = segment.position == (1 if direction == "up" else count)
        control = {"up": "down", "down": "up"}[direction] if at_edge else direction
        if direction == "up":
            message = (
                gettext("“%(title)s” moved up: it is now passage %(new)s.")
                if segment.title
                else gettext("Passage %(position)s moved up: it is now passage %(new)s.")
            )
        else:
            message = (
                gettext("“%(title)s” moved down: it is now passage %(new)s.")
                if segment.title
                else gettext("Passage %(position)s moved down: it is now passage %(new)s.")
            )
        values = {"title": segment.title, "position": position, "new": segment.position}
        return segment, message % values, control

    return _reshape(request, pk, move)


@login_required
@refusals(_editor_refused, shows_message=True)
def author_segment_delete(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    segment = get_object_or_404(
        lesson.segments.annotate(
            prompt_count=Count("prompts", distinct=True),
            key_count=Count("key_spans", distinct=True),
        ),
        position=position,
    )
    if request.method != "POST":
        context = {"lesson": lesson, "segment": segment}
        return render(request, "authoring/passage_delete.html", context)
    uid = _valid(PassageForm(request.POST))["uid"]
    services.segment_delete(lesson=lesson, position=position, uid=uid)
    return done(
        request,
        gettext("Passage %(position)s was deleted.") % {"position": position},
        redirect_to=reverse("authoring:author_lesson", args=[lesson.pk]),
    )


def _add_refused(request: AuthenticatedRequest, pk: int, *, refusal: Refusal) -> HttpResponse:
    lesson = get_lesson_for_author(request.user, pk)
    form = AddPassageForm(request.POST)
    return _editor(request, lesson, error=refusal.message, add_form=form)


@login_required
@require_POST
@refusals(_add_refused, shows_message=True)
def author_segment_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    form = AddPassageForm(request.POST)
    if not form.is_valid():
        return _editor(request, lesson, add_form=form, status=400)
    segment = services.segment_add(
        lesson=lesson, title=form.cleaned_data["title"], body=form.cleaned_data["body"]
    )
    return done(
        request,
        gettext("Passage %(position)s was added.") % {"position": segment.position},
        redirect_to=reverse("authoring:author_segment", args=[lesson.pk, segment.position]),
    )


# Details, preview, publish, delete -------------------------------------------------------


def _details_form(lesson: Lesson, data=None) -> LessonDetailsForm:
    initial = {name: getattr(lesson, name) for name in services.DETAIL_FIELDS}
    initial.update(slug=lesson.slug, taxonomy=lesson.taxonomy_id)
    form = LessonDetailsForm(
        data,
        initial=initial,
        slug_lock=services.slug_lock(lesson),
        taxonomy_lock=services.taxonomy_lock(lesson),
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


def _meta_page(
    request: HtmxHttpRequest,
    lesson: Lesson,
    form: LessonDetailsForm,
    preview: PreviewForm,
    status: int = 200,
) -> HttpResponse:
    html, error = preview.preview()
    context = {"lesson": lesson, "form": form, "preview_html": html, "preview_error": error}
    return render(request, "authoring/meta.html", context, status=status)


def _meta_refused(request: AuthenticatedRequest, pk: int, *, refusal: Refusal) -> HttpResponse:
    lesson = get_lesson_for_author(request.user, pk)
    form = _details_form(lesson, request.POST)
    form.add_error(None, refusal.message)
    return _meta_page(request, lesson, form, PreviewForm(request.POST, name="introduction"))


@login_required
@refusals(_meta_refused, shows_message=True)
def author_meta(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    if request.method != "POST":
        preview = PreviewForm({"markdown": lesson.introduction})
        return _meta_page(request, lesson, _details_form(lesson), preview)
    form = _details_form(lesson, request.POST)
    preview = PreviewForm(request.POST, name="introduction")
    if "preview" in request.POST:
        return _meta_page(request, lesson, form, preview, status=200 if preview.is_valid() else 400)
    if not form.is_valid():
        return _meta_page(request, lesson, form, preview, status=400)
    data = form.cleaned_data
    services.lesson_update_details(
        lesson=lesson,
        details=form.details(),
        slug=None if form.fields["slug"].disabled else data["slug"] or None,
        taxonomy=None if form.fields["taxonomy"].disabled else data["taxonomy"],
    )
    return done(
        request,
        gettext("The details are saved."),
        redirect_to=reverse("authoring:author_lesson", args=[lesson.pk]),
    )


@login_required
@require_POST
def author_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The sanitised rendering of the posted Markdown, as a fragment: field `markdown`, or
    the field that `?field=NAME` names (a live preview posts a form field as it is named in
    its form). 400 with a message when it is too long."""
    lesson = get_draft_for_author(request.user, pk)
    form = PreviewForm(request.POST, name=request.GET.get("field") or "markdown")
    html, error = form.preview()
    return render(
        request,
        "authoring/meta.html#preview",
        {"lesson": lesson, "preview_html": html, "preview_error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
@refusals(_editor_refused, shows_message=True)
def author_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    if not may_publish(request.user):
        raise Refusal(
            f"{NOT_APPROVED} {gettext('Publishing waits for the approval too.')}", status=403
        )
    lesson = library_services.lesson_publish(lesson=lesson)
    if lesson.revision > 1:
        notice = gettext(
            "Revision %(revision)s is published. Classes that have an earlier revision stay on "
            "it until their teacher moves them."
        ) % {"revision": lesson.revision}
    else:
        notice = gettext("The lesson is published: every teacher can now find and assign it.")
    return done(request, notice, redirect_to=reverse("library:lesson_detail", args=[lesson.slug]))


@login_required
@refusals(_editor_refused, shows_message=True)
def author_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    lesson = get_draft_for_author(request.user, pk)
    if request.method != "POST":
        context = {"lesson": lesson, "segment_count": lesson.segments.count()}
        return render(request, "authoring/lesson_delete.html", context)
    services.lesson_delete(lesson=lesson)
    return done(
        request,
        gettext("The draft “%(title)s” was deleted.") % {"title": lesson.title},
        redirect_to=reverse("authoring:author_home"),
    )


# Exports and starting a revision ---------------------------------------------------------


@login_required
@require_GET
def author_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_teacher(request.user)
    lesson = get_object_or_404(
        selectors.lessons_exportable_by(request.user).select_related("taxonomy"), pk=pk
    )
    response = HttpResponse(
        dump_lesson(library_services.lesson_to_data(lesson)),
        content_type="text/markdown; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{lesson.slug}.md"'
    return response


@login_required
@require_GET
def author_export_zip(request: AuthenticatedRequest) -> HttpResponse:
    require_teacher(request.user)
    form = ExportForm(request.GET)
    if form.has_error("lesson", "invalid"):
        raise Http404(gettext("Those are not lessons."))
    if not form.is_valid():
        return _home(request, error=" ".join(map(str, form.errors["lesson"])), status=400)
    ids = form.cleaned_data["lesson"]
    lessons = list(
        selectors.lessons_exportable_by(request.user)
        .filter(pk__in=ids)
        .select_related("taxonomy")
        .order_by("slug", "revision")
    )
    if len(lessons) != len(ids):
        raise Http404(gettext("Some of those lessons are not yours to export, or do not exist."))
    names = bundles.file_names([lesson.slug for lesson in lessons])
    files = [
        bundles.LessonFile(name, dump_lesson(library_services.lesson_to_data(lesson)))
        for name, lesson in zip(names, lessons, strict=True)
    ]
    response = HttpResponse(bundles.write_zip(files), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="lessons.zip"'
    return response


def _back_to_library(request: HtmxHttpRequest, slug: str, *, refusal: Refusal) -> HttpResponse:
    """After a refused edit: back to the lesson's page in the library, with the message."""
    return redirect("library:lesson_detail", slug)


@login_required
@require_POST
@refusals(_back_to_library)
def lesson_edit(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Edit a lesson of one's own: a draft is edited as it is; a published lesson gets
    (or continues) the draft of its next revision."""
    require_teacher(request.user)
    lesson = (
        Lesson.objects.filter(slug=slug, created_by=request.user)
        .filter(Q(is_published=True, replaced_at__isnull=True) | Q(is_published=False, revision=1))
        .order_by("-revision")
        .first()
    )
    if lesson is None:
        raise Http404
    draft = library_services.lesson_edit_draft(lesson=lesson, by=request.user)
    message = ""
    if draft.pk != lesson.pk:
        message = gettext(
            "You are editing revision %(revision)s, a draft. Revision %(previous)s stays as it is "
            "for the classes that have it until you publish this one."
        ) % {"revision": draft.revision, "previous": lesson.revision}
    return done(request, message, redirect_to=reverse("authoring:author_lesson", args=[draft.pk]))

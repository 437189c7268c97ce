"""Authoring one passage of a draft lesson: its text, its prompts and its answer key.

Every view gets the draft through `access.get_draft_for_author` (404 for anyone but its
author, and for a published lesson) and writes through `services`. Every action is a plain
form; with htmx the workspace (the key and the prompts) is swapped in place, and the text's
preview is live. The key is made with the component students highlight with
(static/js/highlight.js): select words (the selection panel opens next to them), or type them
in the form below the text. A refused write shows the page again (with htmx, the workspace;
from the selection panel, the panel) with what was typed and why
(`core.responses.refusals`). Every htmx answer says where it goes (HX-Retarget, HX-Reswap),
whatever its status: see `lessons.work.views.exercise`."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import SwapMethod, reswap, retarget

from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals
from lessons.library.forms import technique_choices
from lessons.library.models import KeySpan, Lesson, Prompt, Segment
from lessons.library.rendering import render_markdown

from .. import selectors, services
from ..access import get_draft_for_author, get_lesson_for_author
from ..forms import KeySpanEditForm, KeySpanForm, PromptForm, PromptMoveForm, SegmentForm

TEMPLATE = "authoring/segment.html"
MISSING_KEY = gettext_noop(
    "That key span is not in this passage: it may have been removed already."
)
MISSING_PROMPT = gettext_noop(
    "That prompt is not in this passage: it may have been removed already."
)
PANEL = "selection-form"  # the selection panel's form: HX-Trigger names it
PANEL_IDS = "panel-%s"  # its fields' ids, apart from those of the form below the text


def _from_panel(request: HtmxHttpRequest) -> bool:
    return bool(request.htmx) and request.htmx.trigger == PANEL


def _placed(response: HttpResponse, target: str, swap: SwapMethod = "outerHTML") -> HttpResponse:
    """An htmx answer that says where it goes, whatever its status."""
    return reswap(retarget(response, target), swap)


def _passage_of(lesson: Lesson, position: int) -> tuple[Lesson, Segment]:
    segment = lesson.segments.filter(position=position).first()
    if segment is None:
        raise Http404(gettext("This lesson has no such passage."))
    segment.lesson = lesson
    return lesson, segment


def _passage(request: AuthenticatedRequest, pk: int, position: int) -> tuple[Lesson, Segment]:
    return _passage_of(get_draft_for_author(request.user, pk), position)


@dataclass(frozen=True)
class Editable:
    """A key span or a prompt with the form that changes it, open after a refused change."""

    item: KeySpan | Prompt
    form: forms.Form
    open: bool


def _page(
    request: HtmxHttpRequest,
    lesson: Lesson,
    segment: Segment,
    *,
    segment_form: SegmentForm | None = None,
    preview_html: str | None = None,
    unplaced: list[services.UnplacedKey] | None = None,
    key_form: KeySpanForm | None = None,
    quote_choices=None,
    prompt_form: PromptForm | None = None,
    bound: KeySpanEditForm | PromptForm | None = None,
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The whole page, or with htmx only the workspace. `bound` is a refused edit form, shown
    open with its errors in place of the blank one of its key span or prompt."""
    workspace = selectors.passage_workspace(lesson, segment)
    techniques = lesson.taxonomy.techniques.all()  # to validate; the choices are the list's
    choices = technique_choices(workspace.techniques)

    def editable(item: KeySpan | Prompt, prefix: str, blank: forms.Form) -> Editable:
        if bound is not None and bound.prefix == prefix:
            return Editable(item, bound, True)
        return Editable(item, blank, False)

    keys = [
        editable(
            key,
            f"k{key.pk}",
            KeySpanEditForm(
                initial={"technique": key.technique_id, "explanation": key.explanation},
                techniques=techniques,
                choices=choices,
                prefix=f"k{key.pk}",
            ),
        )
        for key in workspace.keys
    ]
    prompts = [
        editable(
            prompt,
            f"p{prompt.pk}",
            PromptForm(initial={"kind": prompt.kind, "text": prompt.text}, prefix=f"p{prompt.pk}"),
        )
        for prompt in workspace.prompts
    ]
    if key_form is None:
        key_form = KeySpanForm(techniques=techniques, choices=choices)
    else:
        field = key_form.fields["technique"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
    context = {
        "lesson": lesson,
        "segment": segment,
        "workspace": workspace,
        "keys": keys,
        "prompts": prompts,
        "key_form": key_form,
        "quote_choices": quote_choices,
        "panel_form": KeySpanForm(techniques=techniques, choices=choices, auto_id=PANEL_IDS),
        "prompt_form": prompt_form or PromptForm(prefix="prompt"),
        "notice": notice,
        "error": error,
    }
    if request.htmx:
        return _placed(
            render(request, f"{TEMPLATE}#workspace", context, status=status), "#workspace"
        )
    count = lesson.segments.count()
    context.update(
        {
            "segment_count": count,
            "segment_form": segment_form
            or SegmentForm(initial={"title": segment.title, "markdown": segment.body}),
            "preview_html": segment.body_html if preview_html is None else preview_html,
            "previewing": preview_html is not None,
            "unplaced": unplaced or [],
            "has_previous": segment.position > 1,
            "has_next": segment.position < count,
        }
    )
    return render(request, TEMPLATE, context, status=status)


def _workspace_done(
    request: HtmxHttpRequest, lesson: Lesson, segment: Segment, message: str, anchor: str
) -> HttpResponse:
    """`done` on this page: the workspace with the news, or back to the page at `anchor`."""
    url = reverse("authoring:author_segment", args=[lesson.pk, segment.position])
    return done(
        request,
        message,
        redirect_to=f"{url}#{anchor}",
        fragment=lambda: _page(request, lesson, segment, notice=message),
    )


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# After a refused write: the page again (the decorator sets the refusal's status), with the
# message in place and what was typed. The lesson may have been published meanwhile.


def _refused_passage(
    request: AuthenticatedRequest, pk: int, position: int
) -> tuple[Lesson, Segment]:
    return _passage_of(get_lesson_for_author(request.user, pk), position)


def _refused(
    request: AuthenticatedRequest, pk: int, position: int, *, refusal: Refusal, **ids: int
) -> HttpResponse:
    lesson, segment = _refused_passage(request, pk, position)
    return _page(request, lesson, segment, error=refusal.message)


def _text_refused(
    request: AuthenticatedRequest, pk: int, position: int, *, refusal: Refusal
) -> HttpResponse:
    lesson, segment = _refused_passage(request, pk, position)
    form = SegmentForm(request.POST)
    if isinstance(refusal, services.KeysUnplaced):  # the page lists them, and a way out
        form.is_valid()
        preview = render_markdown(form.cleaned_data["markdown"])
        return _page(
            request, lesson, segment, segment_form=form, preview_html=preview,
            unplaced=refusal.unplaced,
        )  # fmt: skip
    form.add_error(None, refusal.message)
    return _page(request, lesson, segment, segment_form=form)


def _panel(
    request: HtmxHttpRequest, lesson: Lesson, segment: Segment, form: KeySpanForm
) -> HttpResponse:
    """The selection panel's form again, with what was chosen and why it was refused, in
    place of the panel's contents: the text, the selection and the panel stay where they are."""
    field = form.fields["technique"]
    assert isinstance(field, forms.ChoiceField)
    field.choices = technique_choices(lesson.taxonomy.techniques.all())
    context = {
        "lesson": lesson,
        "segment": segment,
        "panel_form": form,
        "panel_choices": form.quote_choices,
    }
    response = render(request, f"{TEMPLATE}#selection_panel", context, status=400)
    return _placed(response, "#selection-panel", "innerHTML")


def _key_form(request: HtmxHttpRequest, lesson: Lesson) -> KeySpanForm:
    """The posted key span form, from below the text or from the selection panel."""
    return KeySpanForm(
        request.POST,
        techniques=lesson.taxonomy.techniques.all(),
        auto_id=PANEL_IDS if _from_panel(request) else "id_%s",
    )


def _key_add_refused(
    request: AuthenticatedRequest, pk: int, position: int, *, refusal: Refusal
) -> HttpResponse:
    lesson, segment = _refused_passage(request, pk, position)
    form = _key_form(request, lesson)
    form.add_error(None, refusal.message)
    if _from_panel(request):
        return _panel(request, lesson, segment, form)
    return _page(request, lesson, segment, key_form=form)


def _key_edit_refused(
    request: AuthenticatedRequest, pk: int, position: int, key_pk: int, *, refusal: Refusal
) -> HttpResponse:
    lesson, segment = _refused_passage(request, pk, position)
    form = KeySpanEditForm(
        request.POST, techniques=lesson.taxonomy.techniques.all(), prefix=f"k{key_pk}"
    )
    return _page(request, lesson, segment, bound=form, error=refusal.message)


def _prompt_add_refused(
    request: AuthenticatedRequest, pk: int, position: int, *, refusal: Refusal
) -> HttpResponse:
    lesson, segment = _refused_passage(request, pk, position)
    form = PromptForm(request.POST, prefix="prompt")
    form.add_error(None, refusal.message)
    return _page(request, lesson, segment, prompt_form=form)


def _prompt_edit_refused(
    request: AuthenticatedRequest, pk: int, position: int, prompt_pk: int, *, refusal: Refusal
) -> HttpResponse:
    lesson, segment = _refused_passage(request, pk, position)
    form = PromptForm(request.POST, prefix=f"p{prompt_pk}")
    return _page(request, lesson, segment, bound=form, error=refusal.message)


# The text -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@refusals(_text_refused, shows_message=True)
def segment_edit(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    """GET: the editor. POST: "preview" shows the typed text rendered, unsaved; otherwise
    save it, carrying the key along (or listing the key spans that would be lost)."""
    lesson, segment = _passage(request, pk, position)
    if request.method == "GET":
        return _page(request, lesson, segment)
    form = SegmentForm(request.POST)
    if not form.is_valid():
        return _page(request, lesson, segment, segment_form=form, status=400)
    data = form.cleaned_data
    if "preview" in request.POST:
        preview = render_markdown(data["markdown"])
        return _page(request, lesson, segment, segment_form=form, preview_html=preview)
    saved = services.segment_update(
        segment=segment,
        title=data["title"],
        body=data["markdown"],
        remove=data["unplaced"] if data["remove_unplaced"] else (),
    )
    response = done(
        request,
        gettext("Passage %(position)s is saved.") % {"position": segment.position},
        redirect_to=reverse("authoring:author_segment", args=[lesson.pk, segment.position]),
    )
    if saved.moved:
        messages.info(
            request,
            ngettext(
                "%(count)s key span moved with its words in the changed text.",
                "%(count)s key spans moved with their words in the changed text.",
                saved.moved,
            )
            % {"count": saved.moved},
        )
    if saved.removed:
        removed = "; ".join(
            f"“{item.key.quote}” ({item.key.technique.display_name})" for item in saved.removed
        )
        messages.warning(request, gettext("Removed from the key: %(keys)s.") % {"keys": removed})
    return response


# The answer key -------------------------------------------------------------------------


def _key_span(segment: Segment, key_pk: int) -> KeySpan:
    key = segment.key_spans.select_related("technique").filter(pk=key_pk).first()
    if key is None:
        raise Refusal(gettext(MISSING_KEY), status=404)
    key.segment = segment
    return key


@login_required
@require_POST
@refusals(_key_add_refused, shows_message=True)
def key_add(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    form = _key_form(request, lesson)
    anchor = form.anchor_in(segment.text) if form.is_valid() else None
    if anchor is None:  # the form says why, and for repeated words asks which are meant
        if _from_panel(request):
            return _panel(request, lesson, segment, form)
        return _page(
            request, lesson, segment, key_form=form, quote_choices=form.quote_choices, status=400
        )
    data = form.cleaned_data
    key = services.key_span_create(
        segment=segment,
        technique=data["technique"],
        anchor=anchor,
        explanation=data["explanation"],
    )
    message = gettext("Added “%(quote)s” to the key as %(technique)s.") % {
        "quote": key.quote,
        "technique": key.technique.display_name,
    }
    return _workspace_done(request, lesson, segment, message, "key")


@login_required
@require_POST
@refusals(_key_edit_refused, shows_message=True)
def key_edit(request: AuthenticatedRequest, pk: int, position: int, key_pk: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    key = _key_span(segment, key_pk)
    form = KeySpanEditForm(
        request.POST, techniques=lesson.taxonomy.techniques.all(), prefix=f"k{key.pk}"
    )
    if not form.is_valid():
        message = gettext("“%(quote)s” is not changed: %(errors)s") % {
            "quote": key.quote,
            "errors": _errors(form),
        }
        return _page(request, lesson, segment, bound=form, error=message, status=400)
    services.key_span_update(
        key_span=key,
        technique=form.cleaned_data["technique"],
        explanation=form.cleaned_data["explanation"],
    )
    message = gettext("Changed the key span “%(quote)s”.") % {"quote": key.quote}
    return _workspace_done(request, lesson, segment, message, "key")


@login_required
@require_POST
@refusals(_refused, shows_message=True)
def key_delete(request: AuthenticatedRequest, pk: int, position: int, key_pk: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    key = _key_span(segment, key_pk)
    services.key_span_delete(key_span=key)
    message = gettext("Removed “%(quote)s” (%(technique)s) from the key.") % {
        "quote": key.quote,
        "technique": key.technique.display_name,
    }
    return _workspace_done(request, lesson, segment, message, "key")


# Prompts --------------------------------------------------------------------------------


def _prompt(segment: Segment, prompt_pk: int) -> Prompt:
    prompt = segment.prompts.filter(pk=prompt_pk).first()
    if prompt is None:
        raise Refusal(gettext(MISSING_PROMPT), status=404)
    prompt.segment = segment
    return prompt


@login_required
@require_POST
@refusals(_prompt_add_refused, shows_message=True)
def prompt_add(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    form = PromptForm(request.POST, prefix="prompt")
    if not form.is_valid():
        return _page(request, lesson, segment, prompt_form=form, status=400)
    prompt = services.prompt_create(segment=segment, **form.cleaned_data)
    message = gettext("Added prompt %(number)s.") % {"number": prompt.position}
    return _workspace_done(request, lesson, segment, message, "prompts")


@login_required
@require_POST
@refusals(_prompt_edit_refused, shows_message=True)
def prompt_edit(
    request: AuthenticatedRequest, pk: int, position: int, prompt_pk: int
) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    prompt = _prompt(segment, prompt_pk)
    form = PromptForm(request.POST, prefix=f"p{prompt.pk}")
    if not form.is_valid():
        message = gettext("Prompt %(number)s is not changed: %(errors)s") % {
            "number": prompt.position,
            "errors": _errors(form),
        }
        return _page(request, lesson, segment, bound=form, error=message, status=400)
    services.prompt_update(prompt=prompt, **form.cleaned_data)
    message = gettext("Changed prompt %(number)s.") % {"number": prompt.position}
    return _workspace_done(request, lesson, segment, message, "prompts")


@login_required
@require_POST
@refusals(_refused, shows_message=True)
def prompt_delete(
    request: AuthenticatedRequest, pk: int, position: int, prompt_pk: int
) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    prompt = _prompt(segment, prompt_pk)
    services.prompt_delete(prompt=prompt)
    message = gettext("Deleted the prompt “%(text)s”.") % {"text": prompt.text}
    return _workspace_done(request, lesson, segment, message, "prompts")


@login_required
@require_POST
@refusals(_refused, shows_message=True)
def prompt_move(
    request: AuthenticatedRequest, pk: int, position: int, prompt_pk: int
) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    prompt = _prompt(segment, prompt_pk)
    form = PromptMoveForm(request.POST)
    if not form.is_valid():
        return _page(request, lesson, segment, error=_errors(form), status=400)
    new = services.prompt_move(prompt=prompt, direction=form.cleaned_data["direction"])
    count = segment.prompts.count()
    message = gettext("Moved the prompt “%(text)s” to %(new)s of %(count)s.") % {
        "text": prompt.text,
        "new": new,
        "count": count,
    }
    return _workspace_done(request, lesson, segment, message, "prompts")

"""Authoring one passage of a draft lesson: its text, its prompts and its answer key.

Every view gets the draft through `access.get_draft_for_author` (404 for anyone but its
author, and for a published lesson) and writes through `segment_editing`. Every action is a
plain form; with htmx the workspace (the key and the prompts) is swapped in place, and the
text's preview is live. The key is made with the component students highlight with
(static/js/highlight.js): select words, or type them."""

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from lessons.library.forms import technique_choices
from lessons.library.models import KeySpan, Lesson, Prompt, Segment
from lessons.library.rendering import Mark, annotate, render_markdown

from .. import passages as segment_editing
from ..access import get_draft_for_author
from ..passage_forms import KeySpanEditForm, KeySpanForm, PromptForm, SegmentForm
from ..passages import EditRefused, KeysUnplaced

TEMPLATE = "authoring/segment.html"


def _passage(request: HttpRequest, pk: int, position: int) -> tuple[Lesson, Segment]:
    lesson = get_draft_for_author(request.user, pk)
    segment = lesson.segments.filter(position=position).first()
    if segment is None:
        raise Http404("This lesson has no such passage.")
    segment.lesson = lesson
    return lesson, segment


TIMES = "\N{MULTIPLICATION SIGN}"


def _counted(names: list[str]) -> str:
    """Each name once, with its count when more than one; the most frequent first, ties in
    the order given."""
    counts = Counter(names).most_common()
    return ", ".join(f"{name} {TIMES}{n}" if n > 1 else name for name, n in counts)


def _coverage(keys: list[KeySpan], prompts: list[Prompt]) -> list[str]:
    """The key and prompts of the passage in two lines, e.g. "4 key spans: Loaded language
    (times 2), Doubt, Flag-waving." and "2 prompts: ..."."""
    if keys:
        names = [k.technique.name for k in sorted(keys, key=lambda k: k.technique.position)]
        line = f"{len(keys)} key span{'s' if len(keys) != 1 else ''}: {_counted(names)}"
        missing = sum(1 for k in keys if not k.explanation.strip())
        if missing:
            line += f" ({missing} without an explanation)"
    else:
        line = "No key spans yet"
    lines = [f"{line}."]
    if prompts:
        kinds = [p.get_kind_display() for p in prompts]
        count = len(prompts)
        lines.append(f"{count} prompt{'s' if count != 1 else ''}: {_counted(kinds)}.")
    else:
        lines.append("No prompts yet.")
    return lines


def _workspace_context(
    lesson: Lesson,
    segment: Segment,
    *,
    key_form: KeySpanForm | None = None,
    quote_choices=None,
    prompt_form: PromptForm | None = None,
    bound: KeySpanEditForm | PromptForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict:
    """What the workspace shows. `bound` is a refused edit form, shown open with its errors
    in place of the blank one of its key span or prompt."""
    queryset = lesson.taxonomy.techniques.all()
    techniques = list(queryset)
    choices = technique_choices(techniques)
    by_pk = {t.pk: t for t in techniques}
    keys = list(segment.key_spans.order_by("start", "end", "position", "pk"))
    for key in keys:
        key.technique = by_pk[key.technique_id]
        prefix = f"k{key.pk}"
        if bound is not None and bound.prefix == prefix:
            key.edit_form, key.open = bound, True
        else:
            key.edit_form = KeySpanEditForm(
                initial={"technique": key.technique_id, "explanation": key.explanation},
                techniques=queryset,
                choices=choices,
                prefix=prefix,
            )
    prompts = list(segment.prompts.order_by("position", "pk"))
    for prompt in prompts:
        prefix = f"p{prompt.pk}"
        if bound is not None and bound.prefix == prefix:
            prompt.edit_form, prompt.open = bound, True
        else:
            prompt.edit_form = PromptForm(
                initial={"kind": prompt.kind, "text": prompt.text}, prefix=prefix
            )
    if key_form is None:
        key_form = KeySpanForm(techniques=queryset, choices=choices)
    else:
        key_form.fields["technique"].choices = choices
    marks = [Mark(k.start, k.end, k.technique.name, ident=f"key-{k.pk}") for k in keys]
    return {
        "lesson": lesson,
        "segment": segment,
        "segment_html": annotate(segment.body_html, marks),
        "keys": keys,
        "prompts": prompts,
        "key_form": key_form,
        "quote_choices": quote_choices,
        "prompt_form": prompt_form or PromptForm(prefix="prompt"),
        "coverage": _coverage(keys, prompts),
        "techniques": techniques,
        "notice": notice,
        "error": error,
    }


def _page(
    request: HttpRequest,
    lesson: Lesson,
    segment: Segment,
    *,
    segment_form: SegmentForm | None = None,
    preview_html: str | None = None,
    unplaced=None,
    status: int = 200,
    **workspace,
) -> HttpResponse:
    """The whole page, or with htmx only the workspace."""
    context = _workspace_context(lesson, segment, **workspace)
    if request.htmx:
        return render(request, f"{TEMPLATE}#workspace", context, status=status)
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


def _done(
    request: HttpRequest, lesson: Lesson, segment: Segment, message: str, anchor: str
) -> HttpResponse:
    if request.htmx:
        context = _workspace_context(lesson, segment, notice=message)
        return render(request, f"{TEMPLATE}#workspace", context)
    messages.success(request, message)
    url = reverse("authoring:author_segment", args=[lesson.pk, segment.position])
    return redirect(f"{url}#{anchor}")


def _refuse(
    request: HttpRequest, lesson: Lesson, segment: Segment, message: str, status: int, **workspace
) -> HttpResponse:
    return _page(request, lesson, segment, error=message, status=status, **workspace)


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# The text -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def segment_edit(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    """GET: the editor. POST: "preview" shows the typed text rendered, unsaved; otherwise
    save it, carrying the key along (or listing the key spans that would be lost)."""
    lesson, segment = _passage(request, pk, position)
    if request.method == "GET":
        return _page(request, lesson, segment)
    form = SegmentForm(request.POST)
    if not form.is_valid():
        return _page(request, lesson, segment, segment_form=form, status=400)
    data = form.cleaned_data
    preview = render_markdown(data["markdown"])
    if "preview" in request.POST:
        return _page(request, lesson, segment, segment_form=form, preview_html=preview)
    try:
        saved = segment_editing.segment_update(
            segment=segment,
            title=data["title"],
            body=data["markdown"],
            remove=data["unplaced"] if data["remove_unplaced"] else (),
        )
    except KeysUnplaced as refusal:
        return _page(
            request, lesson, segment, segment_form=form, preview_html=preview,
            unplaced=refusal.unplaced, status=refusal.status,
        )  # fmt: skip
    except EditRefused as refusal:
        form.add_error(None, str(refusal))
        return _page(request, lesson, segment, segment_form=form, status=refusal.status)
    messages.success(request, f"Passage {segment.position} is saved.")
    if saved.moved == 1:
        messages.info(request, "1 key span moved with its words in the changed text.")
    elif saved.moved:
        messages.info(
            request, f"{saved.moved} key spans moved with their words in the changed text."
        )
    if saved.removed:
        removed = "; ".join(
            f"“{item.key.quote}” ({item.key.technique.name})" for item in saved.removed
        )
        messages.warning(request, f"Removed from the key: {removed}.")
    return redirect("authoring:author_segment", lesson.pk, segment.position)


# The answer key -------------------------------------------------------------------------


def _key_span(segment: Segment, key_pk: int) -> KeySpan | None:
    key = segment.key_spans.select_related("technique").filter(pk=key_pk).first()
    if key is not None:
        key.segment = segment
    return key


MISSING_KEY = "That key span is not in this passage: it may have been removed already."
MISSING_PROMPT = "That prompt is not in this passage: it may have been removed already."


@login_required
@require_POST
def key_add(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    form = KeySpanForm(request.POST, techniques=lesson.taxonomy.techniques.all())
    if not form.is_valid():
        return _page(request, lesson, segment, key_form=form, status=400)
    anchor = form.anchor_in(segment.text)
    if anchor is None:
        return _page(
            request, lesson, segment, key_form=form, quote_choices=form.quote_choices, status=400
        )
    data = form.cleaned_data
    try:
        key = segment_editing.key_span_create(
            segment=segment,
            technique=data["technique"],
            anchor=anchor,
            explanation=data["explanation"],
        )
    except EditRefused as refusal:
        form.add_error(None, str(refusal))
        return _page(request, lesson, segment, key_form=form, status=refusal.status)
    return _done(
        request, lesson, segment, f"Added “{key.quote}” to the key as {key.technique.name}.", "key"
    )


@login_required
@require_POST
def key_edit(request: HttpRequest, pk: int, position: int, key_pk: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    key = _key_span(segment, key_pk)
    if key is None:
        return _refuse(request, lesson, segment, MISSING_KEY, 404)
    form = KeySpanEditForm(
        request.POST, techniques=lesson.taxonomy.techniques.all(), prefix=f"k{key.pk}"
    )
    if not form.is_valid():
        message = f"“{key.quote}” is not changed: {_errors(form)}"
        return _refuse(request, lesson, segment, message, 400, bound=form)
    try:
        segment_editing.key_span_update(
            key_span=key,
            technique=form.cleaned_data["technique"],
            explanation=form.cleaned_data["explanation"],
        )
    except EditRefused as refusal:
        return _refuse(request, lesson, segment, str(refusal), refusal.status, bound=form)
    return _done(request, lesson, segment, f"Changed the key span “{key.quote}”.", "key")


@login_required
@require_POST
def key_delete(request: HttpRequest, pk: int, position: int, key_pk: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    key = _key_span(segment, key_pk)
    if key is None:
        return _refuse(request, lesson, segment, MISSING_KEY, 404)
    try:
        segment_editing.key_span_delete(key_span=key)
    except EditRefused as refusal:
        return _refuse(request, lesson, segment, str(refusal), refusal.status)
    return _done(
        request,
        lesson,
        segment,
        f"Removed “{key.quote}” ({key.technique.name}) from the key.",
        "key",
    )


# Prompts --------------------------------------------------------------------------------


def _prompt(segment: Segment, prompt_pk: int) -> Prompt | None:
    prompt = segment.prompts.filter(pk=prompt_pk).first()
    if prompt is not None:
        prompt.segment = segment
    return prompt


@login_required
@require_POST
def prompt_add(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    form = PromptForm(request.POST, prefix="prompt")
    if not form.is_valid():
        return _page(request, lesson, segment, prompt_form=form, status=400)
    try:
        prompt = segment_editing.prompt_create(segment=segment, **form.cleaned_data)
    except EditRefused as refusal:
        form.add_error(None, str(refusal))
        return _page(request, lesson, segment, prompt_form=form, status=refusal.status)
    return _done(request, lesson, segment, f"Added prompt {prompt.position}.", "prompts")


@login_required
@require_POST
def prompt_edit(request: HttpRequest, pk: int, position: int, prompt_pk: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    prompt = _prompt(segment, prompt_pk)
    if prompt is None:
        return _refuse(request, lesson, segment, MISSING_PROMPT, 404)
    form = PromptForm(request.POST, prefix=f"p{prompt.pk}")
    if not form.is_valid():
        message = f"Prompt {prompt.position} is not changed: {_errors(form)}"
        return _refuse(request, lesson, segment, message, 400, bound=form)
    try:
        segment_editing.prompt_update(prompt=prompt, **form.cleaned_data)
    except EditRefused as refusal:
        return _refuse(request, lesson, segment, str(refusal), refusal.status, bound=form)
    return _done(request, lesson, segment, f"Changed prompt {prompt.position}.", "prompts")


@login_required
@require_POST
def prompt_delete(request: HttpRequest, pk: int, position: int, prompt_pk: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    prompt = _prompt(segment, prompt_pk)
    if prompt is None:
        return _refuse(request, lesson, segment, MISSING_PROMPT, 404)
    try:
        segment_editing.prompt_delete(prompt=prompt)
    except EditRefused as refusal:
        return _refuse(request, lesson, segment, str(refusal), refusal.status)
    return _done(request, lesson, segment, f"Deleted the prompt “{prompt.text}”.", "prompts")


@login_required
@require_POST
def prompt_move(request: HttpRequest, pk: int, position: int, prompt_pk: int) -> HttpResponse:
    lesson, segment = _passage(request, pk, position)
    prompt = _prompt(segment, prompt_pk)
    if prompt is None:
        return _refuse(request, lesson, segment, MISSING_PROMPT, 404)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return _refuse(request, lesson, segment, "Move a prompt up or down.", 400)
    try:
        new = segment_editing.prompt_move(prompt=prompt, direction=direction)
    except EditRefused as refusal:
        return _refuse(request, lesson, segment, str(refusal), refusal.status)
    count = segment.prompts.count()
    return _done(
        request,
        lesson,
        segment,
        f"Moved the prompt “{prompt.text}” to {new} of {count}.",
        "prompts",
    )

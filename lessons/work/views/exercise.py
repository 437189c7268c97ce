"""The student's exercise: the lesson's context, then each segment, then handing in."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lessons.library.forms import HighlightEditForm, HighlightForm, technique_choices
from lessons.library.models import Prompt, Segment
from lessons.library.rendering import Mark, annotate
from lessons.work import services

from ..access import get_assignment_for_student, get_highlight_for_student
from ..models import Answer, Assignment, Submission


def _open_assignment(
    request: HttpRequest, pk: int, position: int | None = None, *, create: bool = True
) -> tuple[Assignment, Submission, Segment | None]:
    """The assignment (open to this student), the passage asked for, and the student's
    submission, created on first use: only once the request is known to be sound."""
    assignment = get_assignment_for_student(request.user, pk)
    if not assignment.is_open():
        raise Http404("This lesson is not open yet.")
    segment = _segment(assignment, position) if position is not None else None
    if create:
        submission = services.submission_for(assignment=assignment, student=request.user)
    else:
        submission = get_object_or_404(Submission, assignment=assignment, student=request.user)
    return assignment, submission, segment


def _segment(assignment: Assignment, position: int) -> Segment:
    try:
        return assignment.lesson.segments.get(position=position)
    except Segment.DoesNotExist as error:
        raise Http404("This lesson has no such passage.") from error


@login_required
def assignment(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_student(request.user, pk)
    submission = Submission.objects.filter(assignment=assignment, student=request.user).first()
    if submission:
        submission.assignment = assignment
    lesson = assignment.lesson
    return render(
        request,
        "work/assignment.html",
        {
            "assignment": assignment,
            "lesson": lesson,
            "submission": submission,
            "segment_count": lesson.segments.count(),
            "techniques": lesson.taxonomy.techniques.all(),
            "feedback_released": assignment.feedback_released_for(submission),
        },
    )


def _workspace_context(
    assignment: Assignment,
    submission: Submission,
    segment: Segment,
    form: HighlightForm | None = None,
    quote_choices=None,
) -> dict:
    queryset = assignment.lesson.taxonomy.techniques.all()
    techniques = list(queryset)
    choices = technique_choices(techniques)
    highlights = list(
        submission.highlights.filter(segment=segment)
        .select_related("technique")
        .order_by("start", "end", "id")
    )
    marks = [Mark(h.start, h.end, h.technique.name, ident=f"highlight-{h.pk}") for h in highlights]
    for h in highlights:
        h.edit_form = HighlightEditForm(
            initial={"technique": h.technique_id, "note": h.note},
            techniques=queryset,
            choices=choices,
            prefix=f"h{h.pk}",
        )
    if form is None:
        form = HighlightForm(techniques=queryset, choices=choices)
    else:
        form.fields["technique"].choices = choices
    return {
        "assignment": assignment,
        "submission": submission,
        "segment": segment,
        "segment_html": annotate(segment.body_html, marks),
        "highlights": highlights,
        "form": form,
        "quote_choices": quote_choices,
        "techniques": techniques,
        "locked": submission.is_submitted,
    }


def _segment_page(
    request: HttpRequest,
    assignment: Assignment,
    submission: Submission,
    segment: Segment,
    *,
    form: HighlightForm | None = None,
    quote_choices=None,
    status: int = 200,
    answer_errors: list[str] | None = None,
    posted=None,
) -> HttpResponse:
    context = _workspace_context(assignment, submission, segment, form, quote_choices)
    if request.htmx:
        return render(request, "work/segment.html#workspace", context, status=status)
    segments = list(assignment.lesson.segments.only("id", "position", "title"))
    prompts = list(segment.prompts.all())
    answers = {
        a.prompt_id: a
        for a in Answer.objects.filter(submission=submission, prompt__in=prompts).prefetch_related(
            "techniques"
        )
    }
    for prompt in prompts:
        answer = answers.get(prompt.pk)
        name = f"prompt-{prompt.pk}"
        if posted is not None:  # a refused save: show what the student typed, not lose it
            prompt.value = posted.get(name, "")
            prompt.chosen = {int(v) for v in posted.getlist(name) if v.isdigit()}
        else:
            prompt.value = answer.text if answer else ""
            prompt.chosen = {t.pk for t in answer.techniques.all()} if answer else set()
    context.update(
        {
            "lesson": assignment.lesson,
            "segments": segments,
            "segment_count": len(segments),
            "prompts": prompts,
            "answer_errors": answer_errors or [],
            "has_previous": segment.position > 1,
            "has_next": segment.position < len(segments),
            "max_answer_length": settings.MAX_ANSWER_LENGTH,
        }
    )
    return render(request, "work/segment.html", context, status=status)


@login_required
def segment(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    assignment, submission, segment = _open_assignment(request, pk, position)
    services.submission_move(submission=submission, position=position)
    return _segment_page(request, assignment, submission, segment)


def _segment_url(assignment: Assignment, segment: Segment, anchor: str = "") -> str:
    url = reverse("work:segment", args=[assignment.pk, segment.position])
    return f"{url}#{anchor}" if anchor else url


def _done(
    request: HttpRequest,
    assignment: Assignment,
    submission: Submission,
    segment: Segment,
    message: str,
    anchor: str = "",
) -> HttpResponse:
    if request.htmx:
        context = _workspace_context(assignment, submission, segment)
        context["notice"] = message
        return render(request, "work/segment.html#workspace", context)
    messages.success(request, message)
    return redirect(_segment_url(assignment, segment, anchor))


def _refuse(
    request: HttpRequest,
    assignment: Assignment,
    submission: Submission,
    segment: Segment,
    message: str,
    status: int,
    form: HighlightForm | None = None,
) -> HttpResponse:
    if form is not None:
        form.add_error(None, message)
        return _segment_page(request, assignment, submission, segment, form=form, status=status)
    if request.htmx:
        context = _workspace_context(assignment, submission, segment)
        context["error"] = message
        return render(request, "work/segment.html#workspace", context, status=status)
    messages.error(request, message)
    return _segment_page(request, assignment, submission, segment, status=status)


@login_required
@require_POST
def highlight_add(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    assignment, submission, segment = _open_assignment(request, pk, position)
    form = HighlightForm(request.POST, techniques=assignment.lesson.taxonomy.techniques.all())
    if submission.is_submitted:
        return _refuse(
            request, assignment, submission, segment,
            "You have already handed this lesson in, so it can no longer be changed.", 409,
        )  # fmt: skip
    if not form.is_valid():
        return _segment_page(request, assignment, submission, segment, form=form, status=400)
    anchor = form.anchor_in(segment.text)
    if anchor is None:
        return _segment_page(
            request,
            assignment,
            submission,
            segment,
            form=form,
            quote_choices=form.quote_choices,
            status=400,
        )
    data = form.cleaned_data
    try:
        highlight = services.highlight_create(
            submission=submission,
            segment=segment,
            technique=data["technique"],
            anchor=anchor,
            note=data["note"],
        )
    except services.WorkError as error:
        return _refuse(request, assignment, submission, segment, str(error), error.status)
    return _done(
        request,
        assignment,
        submission,
        segment,
        f"Highlighted “{highlight.quote}” as {highlight.technique.name}.",
        anchor="highlights",
    )


@login_required
@require_POST
def highlight_edit(request: HttpRequest, pk: int, highlight_pk: int) -> HttpResponse:
    assignment, submission, _ = _open_assignment(request, pk, create=False)
    highlight = get_highlight_for_student(submission, highlight_pk)
    segment = highlight.segment
    form = HighlightEditForm(
        request.POST,
        techniques=assignment.lesson.taxonomy.techniques.all(),
        prefix=f"h{highlight.pk}",
    )
    if not form.is_valid():
        message = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _refuse(request, assignment, submission, segment, message, 400)
    try:
        services.highlight_update(
            highlight=highlight,
            technique=form.cleaned_data["technique"],
            note=form.cleaned_data["note"],
        )
    except services.WorkError as error:
        return _refuse(request, assignment, submission, segment, str(error), error.status)
    return _done(
        request, assignment, submission, segment, f"Changed the highlight “{highlight.quote}”.",
        anchor="highlights",
    )  # fmt: skip


@login_required
@require_POST
def highlight_delete(request: HttpRequest, pk: int, highlight_pk: int) -> HttpResponse:
    assignment, submission, _ = _open_assignment(request, pk, create=False)
    highlight = get_highlight_for_student(submission, highlight_pk)
    segment = highlight.segment
    try:
        services.highlight_delete(highlight=highlight)
    except services.WorkError as error:
        return _refuse(request, assignment, submission, segment, str(error), error.status)
    return _done(
        request, assignment, submission, segment, f"Removed the highlight “{highlight.quote}”.",
        anchor="highlights",
    )  # fmt: skip


def _read_answers(request: HttpRequest, segment: Segment, techniques) -> tuple[dict, dict, list]:
    """Answers posted as prompt-<id>; anything not belonging to this segment is refused."""
    prompts = {str(p.pk): p for p in segment.prompts.all()}
    by_pk = {str(t.pk): t for t in techniques}
    texts, choices, errors = {}, {}, []
    for name in request.POST:
        if not name.startswith("prompt-"):
            continue
        prompt = prompts.get(name.removeprefix("prompt-"))
        if prompt is None or not prompt.is_answerable:
            errors.append("One of the questions sent is not part of this passage.")
            continue
        if prompt.kind == Prompt.Kind.TEXT:
            text = request.POST.get(name, "").replace("\r\n", "\n").strip()
            if len(text) > settings.MAX_ANSWER_LENGTH:
                errors.append(
                    f"An answer is longer than {settings.MAX_ANSWER_LENGTH} characters. "
                    "Shorten it and save again."
                )
                continue
            texts[prompt] = text
        else:
            values = request.POST.getlist(name)
            if any(v not in by_pk for v in values if v):
                errors.append("Choose techniques from this lesson's list.")
                continue
            choices[prompt] = [by_pk[v] for v in values if v]
    # A choose prompt with every box unticked sends nothing: record that as no choice.
    if "answers" in request.POST:
        for prompt in prompts.values():
            if prompt.kind == Prompt.Kind.CHOOSE and prompt not in choices:
                choices[prompt] = []
    return texts, choices, errors


@login_required
@require_POST
def answers_save(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    assignment, submission, segment = _open_assignment(request, pk, position)
    techniques = list(assignment.lesson.taxonomy.techniques.all())
    texts, choices, errors = _read_answers(request, segment, techniques)
    if submission.is_submitted:
        errors = ["You have already handed this lesson in, so it can no longer be changed."]
        status = 409
    else:
        status = 400
    if errors:
        if request.htmx:
            return render(
                request,
                "work/segment.html#answers_status",
                {"answer_errors": errors},
                status=status,
            )
        return _segment_page(
            request,
            assignment,
            submission,
            segment,
            status=status,
            answer_errors=errors,
            posted=None if submission.is_submitted else request.POST,
        )
    services.answers_save(submission=submission, texts=texts, choices=choices)
    if request.htmx:
        return render(request, "work/segment.html#answers_status", {"saved_at": timezone.now()})
    go = request.POST.get("go", "")
    count = assignment.lesson.segments.count()
    if go == "next" and segment.position < count:
        return redirect("work:segment", assignment.pk, segment.position + 1)
    if go == "previous" and segment.position > 1:
        return redirect("work:segment", assignment.pk, segment.position - 1)
    if go == "review":
        return redirect("work:submit", assignment.pk)
    messages.success(request, "Your answers are saved.")
    return redirect(_segment_url(assignment, segment, "prompts"))


@login_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what will be handed in, and a confirmation button. POST: hand it in."""
    assignment, submission, _ = _open_assignment(request, pk)
    if request.method == "POST":
        try:
            handed_in = services.submission_submit(submission=submission)
        except services.WorkError as error:
            return render(
                request,
                "work/submitted_already.html",
                {"assignment": assignment, "submission": submission, "refused": str(error)},
                status=error.status,
            )
        if handed_in:
            messages.success(request, "Your work is handed in. Well done!")
            return redirect("work:assignment", assignment.pk)
        return render(
            request,
            "work/submitted_already.html",
            {"assignment": assignment, "submission": submission},
            status=409,
        )
    segments = list(assignment.lesson.segments.prefetch_related("prompts").order_by("position"))
    highlight_counts: dict[int, int] = {}
    for segment_id in submission.highlights.values_list("segment_id", flat=True):
        highlight_counts[segment_id] = highlight_counts.get(segment_id, 0) + 1
    answered = set(
        Answer.objects.filter(submission=submission)
        .exclude(text="", techniques__isnull=True)
        .values_list("prompt_id", flat=True)
    )
    rows = []
    for segment in segments:
        open_prompts = [p for p in segment.prompts.all() if p.is_answerable]
        rows.append(
            {
                "segment": segment,
                "highlights": highlight_counts.get(segment.pk, 0),
                "unanswered": [p for p in open_prompts if p.pk not in answered],
            }
        )
    return render(
        request,
        "work/submit.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "submission": submission,
            "rows": rows,
            "highlight_total": sum(highlight_counts.values()),
            "unanswered_total": sum(len(r["unanswered"]) for r in rows),
        },
    )

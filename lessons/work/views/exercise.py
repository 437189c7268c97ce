"""The student's exercise: the lesson's context, then each passage, then handing in.

Reading a page changes nothing (no GET writes): a student who has written nothing yet gets an
unsaved submission (`selectors.submission_of`, not started), which their first highlight,
answer or hand-in creates; where they resume is saved with their answers, as they save or
move on with the passage's form.

Changes go through services. A refused one comes back as the passage with the reason beside
what it is about (`core.responses.refusals`): the workspace (text, highlight form and
highlights) or the answers' save status for htmx, the whole page otherwise."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals
from lessons.library.forms import HighlightEditForm, HighlightForm, technique_choices
from lessons.library.models import Segment

from .. import selectors, services
from ..access import get_assignment_for_student, get_highlight_for_student
from ..forms import AnswersForm, form_refusal
from ..models import Assignment, Submission


def _open(request: AuthenticatedRequest, pk: int) -> Assignment:
    assignment = get_assignment_for_student(request.user, pk)
    if not assignment.is_open():
        raise Http404("This lesson is not open yet.")
    return assignment


def _open_assignment(
    request: AuthenticatedRequest, pk: int, *, started: bool = False
) -> tuple[Assignment, Submission]:
    """The assignment (open to this student) and the student's submission: unsaved when they
    have not started, unless `started` is asked for (then a student without one gets a 404)."""
    assignment = _open(request, pk)
    if started:
        return assignment, get_object_or_404(assignment.submissions, student=request.user)
    return assignment, selectors.submission_of(assignment, request.user)


def _open_passage(
    request: AuthenticatedRequest, pk: int, position: int
) -> tuple[Assignment, Submission, Segment]:
    """The open assignment, the student's submission (unsaved when they have not started)
    and the passage asked for."""
    assignment = _open(request, pk)
    try:
        segment = assignment.lesson.segments.get(position=position)
    except Segment.DoesNotExist as error:
        raise Http404("This lesson has no such passage.") from error
    return assignment, selectors.submission_of(assignment, request.user), segment


@login_required
def assignment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_student(request.user, pk)
    submission = selectors.with_passage_counts(
        assignment.submissions.filter(student=request.user)
    ).first()
    lesson = assignment.lesson
    segment_count = lesson.segments.count()
    return render(
        request,
        "work/assignment.html",
        {
            "assignment": assignment,
            "lesson": lesson,
            "submission": submission,
            "segment_count": segment_count,
            "progress": selectors.counts_of(submission, segment_count),
            "feedback_released": assignment.feedback_released_for(submission),
        },
    )


def _workspace(
    assignment: Assignment,
    submission: Submission,
    segment: Segment,
    *,
    form: HighlightForm | None = None,
    notice: str = "",
    error: str = "",
) -> dict:
    """What the workspace shows: the passage with the student's highlights, the form to add
    one, and a form to change each."""
    queryset = assignment.lesson.taxonomy.techniques.all()
    techniques = list(queryset)
    choices = technique_choices(techniques)
    passage = selectors.passage_for(submission, segment)
    highlights = [
        (
            highlight,
            HighlightEditForm(
                initial={"technique": highlight.technique_id, "note": highlight.note},
                techniques=queryset,
                choices=choices,
                prefix=f"h{highlight.pk}",
            ),
        )
        for highlight in passage.highlights
    ]
    if form is None:
        form = HighlightForm(techniques=queryset, choices=choices)
    else:
        field = form.fields["technique"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
    return {
        "assignment": assignment,
        "submission": submission,
        "segment": segment,
        "passage": passage,
        "highlights": highlights,
        "form": form,
        "quote_choices": form.quote_choices,
        "techniques": techniques,
        "locked": submission.is_submitted,
        "notice": notice,
        "error": error,
    }


def _segment_page(
    request: HtmxHttpRequest,
    assignment: Assignment,
    submission: Submission,
    segment: Segment,
    *,
    form: HighlightForm | None = None,
    notice: str = "",
    error: str = "",
    typed: AnswersForm | None = None,
    answer_error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The passage's page; for htmx, only its workspace. `typed`: a refused answers form,
    whose answers are shown as the student typed them rather than lost."""
    context = _workspace(assignment, submission, segment, form=form, notice=notice, error=error)
    if request.htmx:
        return render(request, "work/segment.html#workspace", context, status=status)
    segments = selectors.passages_of(assignment.lesson)
    answers = selectors.prompt_answers(submission, segment)
    if typed is not None:
        answers = [typed.typed(answer) for answer in answers]
    context.update(
        {
            "lesson": assignment.lesson,
            "segments": segments,
            "segment_count": len(segments),
            "answers": answers,
            "answer_errors": [answer_error] if answer_error else [],
            "has_previous": segment.position > 1,
            "has_next": segment.position < len(segments),
            "max_answer_length": settings.MAX_ANSWER_LENGTH,
        }
    )
    return render(request, "work/segment.html", context, status=status)


@login_required
def segment(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    """The passage; reading it changes nothing (where the student resumes is saved with their
    answers, `answers_save`)."""
    assignment, submission, segment = _open_passage(request, pk, position)
    return _segment_page(request, assignment, submission, segment)


def _segment_url(assignment: Assignment, segment: Segment, anchor: str = "") -> str:
    url = reverse("work:segment", args=[assignment.pk, segment.position])
    return f"{url}#{anchor}" if anchor else url


def _passage_refused(
    request: AuthenticatedRequest, pk: int, position: int, *, refusal: Refusal
) -> HttpResponse:
    assignment, submission, segment = _open_passage(request, pk, position)
    return _segment_page(request, assignment, submission, segment, error=refusal.message)


def _highlight_refused(
    request: AuthenticatedRequest, pk: int, highlight_pk: int, *, refusal: Refusal
) -> HttpResponse:
    assignment, submission = _open_assignment(request, pk, started=True)
    highlight = submission.highlights.select_related("segment").filter(pk=highlight_pk).first()
    if highlight is not None and highlight.segment.lesson_id == assignment.lesson_id:
        segment = highlight.segment
    else:  # kept aside by a move to a new revision, or removed: the passage the student is at
        segment = _resume_passage(assignment, submission)
    return _segment_page(request, assignment, submission, segment, error=refusal.message)


def _resume_passage(assignment: Assignment, submission: Submission) -> Segment:
    segments = assignment.lesson.segments.order_by("position")
    segment = segments.filter(position__lte=submission.position).last() or segments.first()
    assert segment is not None, "an assigned lesson has passages"
    return segment


def _highlights_done(
    request: HtmxHttpRequest,
    assignment: Assignment,
    submission: Submission,
    segment: Segment,
    message: str,
) -> HttpResponse:
    return done(
        request,
        message,
        redirect_to=_segment_url(assignment, segment, "highlights"),
        fragment=lambda: _segment_page(request, assignment, submission, segment, notice=message),
    )


@login_required
@require_POST
@refusals(_passage_refused, shows_message=True)
def highlight_add(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    assignment, submission, segment = _open_passage(request, pk, position)
    submission.check_open()
    form = HighlightForm(request.POST, techniques=assignment.lesson.taxonomy.techniques.all())
    anchor = form.anchor_in(segment.text) if form.is_valid() else None
    if anchor is None:  # the form says why, and for repeated words asks which are meant
        return _segment_page(request, assignment, submission, segment, form=form, status=400)
    highlight = services.highlight_create(
        submission=submission,
        segment=segment,
        technique=form.cleaned_data["technique"],
        anchor=anchor,
        note=form.cleaned_data["note"],
    )
    message = f"Highlighted “{highlight.quote}” as {highlight.technique.name}."
    return _highlights_done(request, assignment, submission, segment, message)


@login_required
@require_POST
@refusals(_highlight_refused, shows_message=True)
def highlight_edit(request: AuthenticatedRequest, pk: int, highlight_pk: int) -> HttpResponse:
    assignment, submission = _open_assignment(request, pk, started=True)
    highlight = get_highlight_for_student(submission, highlight_pk)
    form = HighlightEditForm(
        request.POST,
        techniques=assignment.lesson.taxonomy.techniques.all(),
        prefix=f"h{highlight.pk}",
    )
    if not form.is_valid():
        raise form_refusal(form)
    services.highlight_update(
        highlight=highlight,
        technique=form.cleaned_data["technique"],
        note=form.cleaned_data["note"],
    )
    message = f"Changed the highlight “{highlight.quote}”."
    return _highlights_done(request, assignment, submission, highlight.segment, message)


@login_required
@require_POST
@refusals(_highlight_refused, shows_message=True)
def highlight_delete(request: AuthenticatedRequest, pk: int, highlight_pk: int) -> HttpResponse:
    assignment, submission = _open_assignment(request, pk, started=True)
    highlight = get_highlight_for_student(submission, highlight_pk)
    services.highlight_delete(highlight=highlight)
    message = f"Removed the highlight “{highlight.quote}”."
    return _highlights_done(request, assignment, submission, highlight.segment, message)


def _answers_form(
    request: HtmxHttpRequest, assignment: Assignment, segment: Segment
) -> AnswersForm:
    return AnswersForm(
        request.POST,
        prompts=segment.prompts.all(),
        techniques=assignment.lesson.taxonomy.techniques.all(),
    )


def _answers_refused(
    request: AuthenticatedRequest, pk: int, position: int, *, refusal: Refusal
) -> HttpResponse:
    if request.htmx:
        return render(
            request, "work/segment.html#answers_status", {"answer_errors": [refusal.message]}
        )
    assignment, submission, segment = _open_passage(request, pk, position)
    typed = None if submission.is_submitted else _answers_form(request, assignment, segment)
    return _segment_page(
        request, assignment, submission, segment, typed=typed, answer_error=refusal.message
    )


def _after_saving(assignment: Assignment, segment: Segment, go: str) -> tuple[int, str, str]:
    """Where "Save and continue", "Save and go back" and the others lead: the passage the
    student is at from then on (where they resume), the page and the message shown there.
    The autosave (no `go`) and "Save" stay on the passage."""
    count = assignment.lesson.segments.count()
    if go == "next" and segment.position < count:
        position = segment.position + 1
        return position, reverse("work:segment", args=[assignment.pk, position]), ""
    if go == "previous" and segment.position > 1:
        position = segment.position - 1
        return position, reverse("work:segment", args=[assignment.pk, position]), ""
    if go == "review":
        return segment.position, reverse("work:submit", args=[assignment.pk]), ""
    url = _segment_url(assignment, segment, "prompts")
    return segment.position, url, "Your answers are saved."


@login_required
@require_POST
@refusals(_answers_refused, shows_message=True)
def answers_save(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    assignment, submission, segment = _open_passage(request, pk, position)
    submission.check_open()
    form = _answers_form(request, assignment, segment)
    if not form.is_valid():
        raise form_refusal(form)
    at, redirect_to, message = _after_saving(assignment, segment, form.cleaned_data["go"])
    services.answers_save(
        submission=submission, texts=form.texts(), choices=form.chosen(), position=at
    )
    return done(
        request,
        message,
        redirect_to=redirect_to,
        fragment=lambda: render(
            request, "work/segment.html#answers_status", {"saved_at": timezone.now()}
        ),
    )


def _submit_refused(request: AuthenticatedRequest, pk: int, *, refusal: Refusal) -> HttpResponse:
    assignment = get_assignment_for_student(request.user, pk)
    return render(
        request,
        "work/submitted_already.html",
        {"assignment": assignment, "refused": refusal.message},
    )


@login_required
@refusals(_submit_refused, shows_message=True)
def submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """GET: what will be handed in, and a confirmation button (reading it changes nothing).
    POST: hand it in (work with nothing written yet too)."""
    assignment, submission = _open_assignment(request, pk)
    if request.method == "POST":
        if services.submission_submit(submission=submission):
            return done(
                request,
                "Your work is handed in. Well done!",
                redirect_to=reverse("work:assignment", args=[assignment.pk]),
            )
        return render(
            request,
            "work/submitted_already.html",
            {"assignment": assignment, "submission": submission},
            status=409,
        )
    rows = selectors.progress_by_passage(submission)
    return render(
        request,
        "work/submit.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "submission": submission,
            "rows": rows,
            "highlight_total": sum(row.highlights for row in rows),
            "unanswered_total": sum(len(row.unanswered) for row in rows),
        },
    )

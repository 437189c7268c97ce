"""The student's exercise: the lesson's context, then each passage, then handing in.

Reading a page changes nothing (no GET writes): a student who has written nothing yet gets an
unsaved submission (`selectors.submission_of`, not started), which their first highlight,
answer or hand-in creates; where they resume is saved with their answers, as they save or
move on with the passage's form.

Changes go through services. A refused one comes back as the passage with the reason beside
what it is about (`core.responses.refusals`): the workspace (text, highlight form and
highlights), the selection panel or the answers' save status for htmx, the whole page
otherwise.

The selection panel (static/js/highlight.js opens it next to words selected in the text) is
the highlight form below the text rendered a second time (`library/_highlight_form.html`),
posted to the same view. They differ only when refused: a refusal from the panel comes back
as the panel, with its message, in place of its contents, so the text and the selection stay
as they were. Every
htmx answer says where it goes (HX-Retarget and HX-Reswap): htmx swaps it there whatever its
status, and highlight.js keeps django-htmx's debug script (DEBUG only) from taking a refusal
for an error page.

A highlight added, changed or removed with htmx answers with only what changed
(`work/_highlights_changed.html`): the message, into the workspace's status, and out of band
the pieces of the passage's text its words are in, with the highlights on them drawn in again
(the page draws the text in pieces, each with an id), and the one item of the list that
changed. So a save costs the same whatever else the passage holds, but for the marks in those
pieces. The page lists the highlights without a form for each: the form that changes one is
asked for when wanted (GET on `highlight_edit`: the page with the form open, or with htmx the
item with it), and the technique list is on the page once, in the form below the text (the
panel's is copied from it by highlight.js)."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import SwapMethod, reswap, retarget

from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals
from lessons.library.forms import HighlightEditForm, HighlightForm, technique_choices
from lessons.library.models import Segment, Technique

from .. import selectors, services
from ..access import get_assignment_for_student
from ..forms import AnswersForm, form_refusal
from ..models import Assignment, Highlight, Submission

PANEL = "selection-form"  # the selection panel's form: HX-Trigger names it
PANEL_IDS = "panel-%s"  # its fields' ids, apart from those of the form below the text


def _from_panel(request: HtmxHttpRequest) -> bool:
    return bool(request.htmx) and request.htmx.trigger == PANEL


def _placed(response: HttpResponse, target: str, swap: SwapMethod = "outerHTML") -> HttpResponse:
    """An htmx answer that says where it goes, whatever its status."""
    return reswap(retarget(response, target), swap)


def _open_assignment(
    request: AuthenticatedRequest, pk: int, *, started: bool = False
) -> tuple[Assignment, Submission]:
    """The assignment (open to this student) and the student's submission: unsaved when they
    have not started, unless `started` is asked for (then a student without one gets a 404)."""
    assignment, submission, _exercise = _read(request, pk)
    if started and submission.pk is None:
        raise Http404
    return assignment, submission


def _open_passage(
    request: AuthenticatedRequest, pk: int, position: int
) -> tuple[Assignment, Submission, Segment]:
    """The open assignment, the student's submission (unsaved when they have not started)
    and the passage asked for."""
    assignment, submission, read = _read(request, pk, position=position)
    assert read.segment is not None  # else a 404 already
    return assignment, submission, read.segment


def _open_highlight(
    request: AuthenticatedRequest, pk: int, highlight_pk: int
) -> tuple[Assignment, Submission, Highlight]:
    """The open assignment, the student's submission and their highlight asked for (404 for
    anyone else's, or one removed), with its passage and technique."""
    assignment, submission, read = _read(request, pk, highlight=highlight_pk)
    assert read.highlight is not None  # else a 404 already
    return assignment, submission, read.highlight


def _read(
    request: AuthenticatedRequest,
    pk: int,
    *,
    position: int | None = None,
    technique: str | None = None,
    highlight: int | None = None,
) -> tuple[Assignment, Submission, selectors.Exercise]:
    """In one query (`selectors.exercise_of`), the assignment open to this student and the
    student's submission (unsaved when they have not started, `selectors.submission_of`);
    the passage at `position` and the highlight `highlight` (404 without them); and, when
    `technique` is the id of one of the lesson's techniques (as posted), that technique."""
    user = request.user
    if not user.is_student:
        raise Http404
    chosen = None
    # An id as posted: digits, no more than a column holds (19).
    if technique and technique.isascii() and technique.isdigit() and len(technique) < 20:
        chosen = int(technique)
    read = selectors.exercise_of(user, pk, position=position, technique=chosen, highlight=highlight)
    if read is None:
        raise Http404
    assignment = read.assignment
    if not assignment.is_open():
        raise Http404(_("This lesson is not open yet."))
    if position is not None and read.segment is None:
        raise Http404(_("This lesson has no such passage."))
    if highlight is not None and read.highlight is None:
        raise Http404
    submission = read.submission or Submission(assignment=assignment, student=user)
    return assignment, submission, read


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
    editing: Highlight | None = None,
    editor: HighlightEditForm | None = None,
) -> dict:
    """What the workspace shows: the passage with the student's highlights and their list
    (with the form that changes `editing` open, `editor`), the form to add one below the text
    and in the selection panel. The technique list is the form's below the text; the
    panel's has only its first choice until highlight.js copies the others from there."""
    queryset = assignment.lesson.taxonomy.techniques.all()
    techniques = list(queryset)
    choices = technique_choices(techniques)
    passage = selectors.passage_for(submission, segment)
    if form is None:
        form = HighlightForm(techniques=queryset, choices=choices)
    for bound in (form, editor):
        if bound is not None:
            _choose_from(bound, choices)
    return {
        "assignment": assignment,
        "submission": submission,
        "segment": segment,
        "passage": passage,
        "highlights": passage.highlights,
        "editing": editing,
        "editing_form": editor,
        "form": form,
        "quote_choices": form.quote_choices,
        "panel_form": HighlightForm(techniques=queryset, choices=NO_CHOICES, auto_id=PANEL_IDS),
        "techniques": techniques,
        "locked": submission.is_submitted,
        "notice": notice,
        "error": error,
    }


NO_CHOICES = technique_choices(())  # "Choose a technique…" alone


def _choose_from(form: HighlightEditForm, choices: list) -> None:
    field = form.fields["technique"]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _segment_page(
    request: HtmxHttpRequest,
    assignment: Assignment,
    submission: Submission,
    segment: Segment,
    *,
    form: HighlightForm | None = None,
    notice: str = "",
    error: str = "",
    editing: Highlight | None = None,
    editor: HighlightEditForm | None = None,
    typed: AnswersForm | None = None,
    answer_error: str = "",
    status: int = 200,
) -> HttpResponse:
    """The passage's page; for htmx, only its workspace. `typed`: a refused answers form,
    whose answers are shown as the student typed them rather than lost."""
    context = _workspace(
        assignment,
        submission,
        segment,
        form=form,
        notice=notice,
        error=error,
        editing=editing,
        editor=editor,
    )
    if request.htmx:
        return _placed(
            render(request, "work/segment.html#workspace", context, status=status), "#workspace"
        )
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


def _panel(
    request: HtmxHttpRequest, assignment: Assignment, segment: Segment, form: HighlightForm
) -> HttpResponse:
    """The selection panel's form again, with what was chosen and why it was refused, in
    place of the panel's contents: the text, the selection and the panel stay where they are."""
    _choose_from(form, technique_choices(assignment.lesson.taxonomy.techniques.all()))
    context = {
        "assignment": assignment,
        "segment": segment,
        "panel_form": form,
        "panel_choices": form.quote_choices,
    }
    response = render(request, "work/segment.html#selection_panel", context, status=400)
    return _placed(response, "#selection-panel", "innerHTML")


def _passage_refused(
    request: AuthenticatedRequest, pk: int, position: int, *, refusal: Refusal
) -> HttpResponse:
    assignment, submission, segment = _open_passage(request, pk, position)
    if _from_panel(request):
        form = _highlight_form(request, assignment)
        form.add_error(None, refusal.message)
        return _panel(request, assignment, segment, form)
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
    *,
    added: Highlight | None = None,
    changed: Highlight | None = None,
    removed: Highlight | None = None,
) -> HttpResponse:
    """After a highlight was added, changed or removed: for htmx, the message and only what
    changed (the pieces of the text its words are in, the one item); a message and the
    passage's page otherwise."""

    def changes() -> HttpResponse:
        touched = added or changed or removed
        assert touched is not None
        change: selectors.Change = "added" if added else "changed" if changed else "removed"
        text = selectors.marked_text(submission, segment, touched, change)
        context = {
            "assignment": assignment,
            "segment": segment,
            "locked": False,
            "notice": message,
            "text": text,
            "added": added,
            "after": text.after,
            "changed": changed,
            "removed": removed,
        }
        response = render(request, "work/_highlights_changed.html", context)
        return _placed(response, "#workspace-status", "innerHTML")

    return done(
        request,
        message,
        redirect_to=_segment_url(assignment, segment, "highlights"),
        fragment=changes,
    )


def _highlight_form(
    request: HtmxHttpRequest, assignment: Assignment, chosen: Technique | None = None
) -> HighlightForm:
    """The posted highlight form, from below the text or from the selection panel (its
    technique list is set only to show it again: `_choose_from`); `chosen`, the technique
    posted, read already (`_read`)."""
    return HighlightForm(
        request.POST,
        techniques=assignment.lesson.taxonomy.techniques.all(),
        choices=(),
        chosen=chosen,
        auto_id=PANEL_IDS if _from_panel(request) else "id_%s",
    )


def _editor(
    request: HtmxHttpRequest, assignment: Assignment, highlight: Highlight
) -> HighlightEditForm:
    """The form that changes `highlight`: posted, or as it is now; its first field has the
    focus when shown (`autofocus`, which htmx honours in what it swaps in)."""
    editor = HighlightEditForm(
        request.POST if request.method == "POST" else None,
        initial={"technique": highlight.technique_id, "note": highlight.note},
        techniques=assignment.lesson.taxonomy.techniques.all(),
        choices=(),
        prefix=f"h{highlight.pk}",
    )
    editor.fields["technique"].widget.attrs["autofocus"] = True
    return editor


def _item(
    request: HtmxHttpRequest,
    assignment: Assignment,
    submission: Submission,
    highlight: Highlight,
    *,
    editor: HighlightEditForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """A highlight of the list, with the form that changes it open (`editor`) or not: for
    htmx that item alone, in place; the passage's page otherwise."""
    segment = highlight.segment
    if not request.htmx:
        return _segment_page(
            request,
            assignment,
            submission,
            segment,
            editing=highlight,
            editor=editor,
            status=status,
        )
    if editor is not None:
        _choose_from(editor, technique_choices(assignment.lesson.taxonomy.techniques.all()))
    context = {
        "assignment": assignment,
        "segment": segment,
        "highlight": highlight,
        "locked": submission.is_submitted,
        "editor": editor,
        "back": editor is None,  # Cancel: the focus goes back to the Change link
    }
    response = render(request, "work/_highlight_item.html", context, status=status)
    return _placed(response, f"#highlight-{highlight.pk}")


@login_required
@require_POST
@refusals(_passage_refused, shows_message=True)
def highlight_add(request: AuthenticatedRequest, pk: int, position: int) -> HttpResponse:
    assignment, submission, read = _read(
        request, pk, position=position, technique=request.POST.get("technique")
    )
    segment = read.segment
    assert segment is not None  # else a 404 already
    submission.check_open()
    form = _highlight_form(request, assignment, read.technique)
    anchor = form.anchor_in(segment.text) if form.is_valid() else None
    if anchor is None:  # the form says why, and for repeated words asks which are meant
        if _from_panel(request):
            return _panel(request, assignment, segment, form)
        return _segment_page(request, assignment, submission, segment, form=form, status=400)
    highlight = services.highlight_create(
        submission=submission,
        segment=segment,
        technique=form.cleaned_data["technique"],
        anchor=anchor,
        note=form.cleaned_data["note"],
    )
    message = _("Highlighted “%(quote)s” as %(technique)s.") % {
        "quote": highlight.quote,
        "technique": highlight.technique.display_name,
    }
    return _highlights_done(request, assignment, submission, segment, message, added=highlight)


@login_required
@require_http_methods(["GET", "POST"])
@refusals(_highlight_refused, shows_message=True)
def highlight_edit(request: AuthenticatedRequest, pk: int, highlight_pk: int) -> HttpResponse:
    """GET: the form that changes the highlight, open (reading it changes nothing);
    `?cancel`: the highlight without it. POST: change its technique and note."""
    assignment, submission, highlight = _open_highlight(request, pk, highlight_pk)
    if request.method == "GET":
        if highlight.segment.lesson_id != assignment.lesson_id:  # kept aside by a move
            raise Http404(_("This highlight is not on the lesson's passages."))
        if "cancel" not in request.GET:
            return _item(
                request,
                assignment,
                submission,
                highlight,
                editor=_editor(request, assignment, highlight),
            )
        if not request.htmx:
            return redirect(
                _segment_url(assignment, highlight.segment, f"highlight-{highlight.pk}")
            )
        return _item(request, assignment, submission, highlight)
    editor = _editor(request, assignment, highlight)
    if not editor.is_valid():
        return _item(request, assignment, submission, highlight, editor=editor, status=400)
    services.highlight_update(
        highlight=highlight,
        technique=editor.cleaned_data["technique"],
        note=editor.cleaned_data["note"],
    )
    message = _("Changed the highlight “%(quote)s”.") % {"quote": highlight.quote}
    return _highlights_done(
        request, assignment, submission, highlight.segment, message, changed=highlight
    )


@login_required
@require_POST
@refusals(_highlight_refused, shows_message=True)
def highlight_delete(request: AuthenticatedRequest, pk: int, highlight_pk: int) -> HttpResponse:
    assignment, submission, highlight = _open_highlight(request, pk, highlight_pk)
    services.highlight_delete(highlight=highlight)
    message = _("Removed the highlight “%(quote)s”.") % {"quote": highlight.quote}
    return _highlights_done(
        request, assignment, submission, highlight.segment, message, removed=highlight
    )


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
        response = render(
            request, "work/segment.html#answers_status", {"answer_errors": [refusal.message]}
        )
        return _placed(response, "#answers-status")
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
    return segment.position, url, _("Your answers are saved.")


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
                _("Your work is handed in. Well done!"),
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

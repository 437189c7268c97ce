"""Review: every student's answer to one prompt, or their work on one key span, side by side
(optionally without names, for blind marking); the teacher's comment and score on each; and
the queue of handed-in work that awaits review. The pages read through
`lessons.insights.selectors.review`; the one write is `lessons.work.services.review_save`."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from core.paging import pager
from core.refusals import Refusal
from core.responses import AuthenticatedRequest, HtmxHttpRequest, done, refusals
from lessons.library.models import KeySpan, Prompt
from lessons.work import services
from lessons.work.models import MAX_SCORE, Assignment, AuditEvent, Review, Submission

from ..access import get_assignment_for_teacher
from ..forms import ReviewForm
from ..selectors.review import (
    KeyCard,
    PromptCard,
    enrolled_submission,
    find,
    key_review,
    lesson_keys,
    lesson_prompts,
    prompt_review,
    review_of,
    review_queue,
    reviewed_count,
)

type Bound = tuple[int, ReviewForm]  # a posted form that was refused, by submission id


def _is_blind(query: QueryDict) -> bool:
    return query.get("blind") == "1"


def _initial(review: Review | None, *, target: dict, next_url: str) -> dict:
    """What a review form shows before it is sent: its target, the page to come back to, and
    the stored review, if any."""
    initial = {**target, "next": next_url}
    if review is not None:
        initial |= {"comment": review.comment, "score": review.score}
        initial["reviewed"] = review.is_reviewed
    return initial


def _form(
    submission: Submission, review: Review | None, *, target: dict, next_url: str
) -> ReviewForm:
    initial = _initial(review, target=target, next_url=next_url)
    return ReviewForm(initial=initial, auto_id=f"review-{submission.pk}-%s")


def _with_forms[Card: (PromptCard, KeyCard)](
    cards: list[Card], *, target: dict, next_url: str, bound: Bound | None
) -> list[tuple[Card, ReviewForm | dict | None]]:
    """Each card with its review form (none for a student who has not started); the refused
    form, as posted, on its card. A form not sent is its initial values, which the
    `review_form` tag writes without a ReviewForm made for each card."""
    pairs: list[tuple[Card, ReviewForm | dict | None]] = []
    for card in cards:
        submission = card.seat.submission
        if submission is None:
            pairs.append((card, None))
        elif bound and bound[0] == submission.pk:
            pairs.append((card, bound[1]))
        else:
            initial = _initial(card.review, target=target, next_url=next_url)
            pairs.append((card, initial))
    return pairs


def _blind_links(path: str, query: QueryDict, blind: bool) -> dict:
    """Links to the page at `path` with `query` with and without names, from its first page
    (the order of the students changes)."""
    query = query.copy()
    query.pop("blind", None)
    query.pop("page", None)
    named = f"{path}?{query.urlencode()}" if query else path
    query["blind"] = "1"
    return {"blind": blind, "named_url": named, "blind_url": f"{path}?{query.urlencode()}"}


def _shown(next_url: str) -> tuple[str, QueryDict]:
    """The path and query of the page a review form came from (the page shown again)."""
    parts = urlsplit(next_url)
    return parts.path, QueryDict(parts.query)


def _page_url(
    name: str, assignment: Assignment, item: Prompt | KeySpan | None, blind: bool
) -> str | None:
    """The review page of a neighbouring prompt or key span, blind if this one is."""
    if item is None:
        return None
    url = reverse(name, args=[assignment.pk, item.pk])
    return f"{url}?blind=1" if blind else url


def _queue_url(assignment: Assignment, blind: bool) -> str:
    url = reverse("insights:review_queue", args=[assignment.pk])
    return f"{url}?blind=1" if blind else url


# Pages ------------------------------------------------------------------------------------


def _prompt_page(
    request: HtmxHttpRequest,
    assignment: Assignment,
    prompt_pk: int,
    *,
    blind: bool,
    next_url: str,
    bound: Bound | None = None,
) -> HttpResponse:
    """One page of students' answers to the question: the page `next_url` names."""
    path, query = _shown(next_url)
    page = prompt_review(assignment, prompt_pk, blind=blind, page=query.get("page"))
    name = "insights:review_prompt"
    return render(
        request,
        "insights/review_prompt.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "page": page,
            "cards": _with_forms(
                page.cards, target={"prompt": page.prompt.pk}, next_url=next_url, bound=bound
            ),
            "previous_url": _page_url(name, assignment, page.previous, blind),
            "next_url": _page_url(name, assignment, page.following, blind),
            "queue_url": _queue_url(assignment, blind),
            "max_score": MAX_SCORE,
            "pager": pager(
                path,
                query,
                page.page,
                name="students",
                label=gettext("Pages of students"),
                fragment="#cards",
            ),
            **_blind_links(path, query, blind),
        },
    )


def _key_page(
    request: HtmxHttpRequest,
    assignment: Assignment,
    key_pk: int,
    *,
    blind: bool,
    next_url: str,
    bound: Bound | None = None,
) -> HttpResponse:
    page = key_review(assignment, key_pk, blind=blind)
    name = "insights:review_key_span"
    return render(
        request,
        "insights/review_key_span.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "page": page,
            "cards": _with_forms(
                page.cards, target={"key_span": page.key.pk}, next_url=next_url, bound=bound
            ),
            "previous_url": _page_url(name, assignment, page.previous, blind),
            "next_url": _page_url(name, assignment, page.following, blind),
            "queue_url": _queue_url(assignment, blind),
            "max_score": MAX_SCORE,
            **_blind_links(*_shown(next_url), blind),
        },
    )


def _queue_page(
    request: HtmxHttpRequest,
    assignment: Assignment,
    *,
    blind: bool,
    failed: tuple[Submission, ReviewForm] | None = None,
) -> HttpResponse:
    # The queue's address, also when a review posted from it is refused and it is shown again.
    path, query = _shown(_queue_url(assignment, blind))
    if request.method == "GET":
        query = request.GET
    queue = review_queue(assignment, blind=blind, page=query.get("page"))
    context = {
        "assignment": assignment,
        "lesson": assignment.lesson,
        "queue": queue,
        "pager": pager(
            path,
            query,
            queue.page,
            name="queue",
            label=gettext("Pages of students with answers to review"),
            fragment="#passages-heading",
        ),
        **_blind_links(path, query, blind),
    }
    if failed:
        submission, form = failed
        context["failed"] = {
            "submission": submission,
            "label": queue.label(submission, blind=blind),
            "form": form,
        }
    return render(request, "insights/review_queue.html", context)


@login_required
def queue(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Handed-in work with answers not reviewed yet, the oldest first; counts per question."""
    assignment = get_assignment_for_teacher(request.user, pk)
    return _queue_page(request, assignment, blind=_is_blind(request.GET))


def _viewed(request: AuthenticatedRequest, assignment: Assignment, detail: str) -> None:
    """A review page read, in the audit log: one event for the whole class's work shown."""
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEWED,
        classroom_id=assignment.classroom_id,
        obj=assignment,
        detail=detail,
    )


@login_required
def by_prompt(request: AuthenticatedRequest, pk: int, prompt_pk: int) -> HttpResponse:
    """Every student's answer to one question, side by side, each with a review form."""
    assignment = get_assignment_for_teacher(request.user, pk)
    response = _prompt_page(
        request,
        assignment,
        prompt_pk,
        blind=_is_blind(request.GET),
        next_url=request.get_full_path(),
    )
    _viewed(
        request,
        assignment,
        gettext("Read every student's answer to question %(prompt)s on “%(lesson)s” to review them")
        % {"prompt": prompt_pk, "lesson": assignment.lesson.title},
    )
    return response


@login_required
def by_key_span(request: AuthenticatedRequest, pk: int, key_pk: int) -> HttpResponse:
    """One span of the answer key, and what every student highlighted there."""
    assignment = get_assignment_for_teacher(request.user, pk)
    response = _key_page(
        request,
        assignment,
        key_pk,
        blind=_is_blind(request.GET),
        next_url=request.get_full_path(),
    )
    _viewed(
        request,
        assignment,
        gettext(
            "Read every student's highlights at key span %(key)s on “%(lesson)s” to review them"
        )
        % {"key": key_pk, "lesson": assignment.lesson.title},
    )
    return response


# Writing ----------------------------------------------------------------------------------


def _safe_next(request: HtmxHttpRequest, url: str) -> str:
    """A path on this site to go back to, or "" (never another site's address)."""
    if not url.startswith("/") or url.startswith("//"):
        return ""
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return url.split("#", 1)[0]


@dataclass
class _Posted:
    """A posted review form, checked (`form.is_valid()` has run), and what it is about."""

    assignment: Assignment
    submission: Submission
    form: ReviewForm
    prompt: Prompt | None
    key: KeySpan | None
    next_url: str  # the page to go back to

    @property
    def target(self) -> dict:
        if self.prompt:
            return {"prompt": self.prompt.pk}
        return {"key_span": self.key.pk} if self.key else {}

    @property
    def blind(self) -> bool:
        return _is_blind(QueryDict(urlsplit(self.next_url).query))


def _posted(request: AuthenticatedRequest, pk: int, submission_pk: int) -> _Posted:
    """The posted review and its target; 404 for work or a target outside this class and
    lesson."""
    assignment = get_assignment_for_teacher(request.user, pk)
    submission = enrolled_submission(assignment, submission_pk)
    form = ReviewForm(request.POST, auto_id=f"review-{submission.pk}-%s")
    form.is_valid()
    data = form.cleaned_data
    prompt = key = None
    if data.get("prompt"):
        message = gettext("That question is not part of this lesson.")
        prompt = find(lesson_prompts(assignment), data["prompt"], message).item
    if data.get("key_span"):
        message = gettext("That key span is not part of this lesson.")
        key = find(lesson_keys(assignment), data["key_span"], message).item
    if prompt:
        fallback = reverse("insights:review_prompt", args=[assignment.pk, prompt.pk])
    elif key:
        fallback = reverse("insights:review_key_span", args=[assignment.pk, key.pk])
    else:
        fallback = reverse("insights:review_queue", args=[assignment.pk])
    next_url = _safe_next(request, data.get("next") or "") or fallback
    return _Posted(assignment, submission, form, prompt, key, next_url)


def _form_fragment(
    request: HtmxHttpRequest, posted: _Posted, form: ReviewForm, review: Review | None, **extra
) -> HttpResponse:
    return render(
        request,
        "insights/_review_form.html",
        {
            "form": form,
            "assignment": posted.assignment,
            "submission": posted.submission,
            "review": review,
            **extra,
        },
    )


def _refused(
    request: AuthenticatedRequest, pk: int, submission_pk: int, *, refusal: Refusal
) -> HttpResponse:
    """The review form again, as posted, showing what was wrong: alone for htmx, else on the
    page it was sent from."""
    posted = _posted(request, pk, submission_pk)
    form = posted.form
    if refusal.field in form.fields and not form.has_error(refusal.field):
        form.add_error(refusal.field, refusal.message)
    if request.htmx:
        review = review_of(posted.submission, prompt=posted.prompt, key_span=posted.key)
        return _form_fragment(request, posted, form, review, refusal=refusal)
    blind, next_url, bound = posted.blind, posted.next_url, (posted.submission.pk, form)
    if posted.prompt:
        return _prompt_page(
            request,
            posted.assignment,
            posted.prompt.pk,
            blind=blind,
            next_url=next_url,
            bound=bound,
        )
    if posted.key:
        return _key_page(
            request, posted.assignment, posted.key.pk, blind=blind, next_url=next_url, bound=bound
        )
    return _queue_page(request, posted.assignment, blind=blind, failed=(posted.submission, form))


@login_required
@require_POST
@refusals(_refused)
def save(request: AuthenticatedRequest, pk: int, submission_pk: int) -> HttpResponse:
    """Save the teacher's review of one answer, one key span, or (no target) the whole work."""
    posted = _posted(request, pk, submission_pk)
    if not posted.form.is_valid():
        raise Refusal(gettext("Your review was not saved. Correct it and save again."))
    data = posted.form.cleaned_data
    review = services.review_save(
        submission=posted.submission,
        reviewer=request.user,
        comment=data["comment"],
        score=data["score"],
        prompt=posted.prompt,
        key_span=posted.key,
        reviewed=data["reviewed"],
    )
    title = posted.assignment.lesson.title
    if posted.prompt:
        detail = gettext("Saved a review of the answer to question %(prompt)s on “%(lesson)s”") % {
            "prompt": posted.prompt.pk,
            "lesson": title,
        }
    elif posted.key:
        detail = gettext("Saved a review of the work at key span %(key)s on “%(lesson)s”") % {
            "key": posted.key.pk,
            "lesson": title,
        }
    else:
        detail = gettext("Saved a review of the whole work on “%(lesson)s”") % {"lesson": title}
    services.audit_record(
        actor=request.user,
        action=AuditEvent.Action.CHANGED,
        student_id=posted.submission.student_id,
        classroom_id=posted.assignment.classroom_id,
        obj=review,
        detail=detail,
    )

    def fragment() -> HttpResponse:
        form = _form(posted.submission, review, target=posted.target, next_url=posted.next_url)
        extra = {}
        if posted.prompt or posted.key:  # the page's "n reviewed", swapped out of band
            extra["reviewed_count"] = reviewed_count(
                posted.assignment, prompt=posted.prompt, key_span=posted.key
            )
        return _form_fragment(request, posted, form, review, saved_at=review.updated_at, **extra)

    return done(
        request,
        gettext("Review saved."),
        redirect_to=f"{posted.next_url}#submission-{posted.submission.pk}",
        fragment=fragment,
    )

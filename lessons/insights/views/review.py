"""Review: every student's answer to one prompt, or their work on one key span, side by side
(optionally without names, for blind marking); the teacher's comment and score on each; and
the queue of handed-in work that awaits review."""

from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.models import User
from lessons.library.models import KeySpan, Prompt
from lessons.library.rendering import Mark, annotate
from lessons.work import services
from lessons.work.access import get_assignment_for_teacher
from lessons.work.forms import ReviewForm
from lessons.work.models import MAX_SCORE, Answer, Assignment, Highlight, Review, Submission

ANSWERABLE = [Prompt.Kind.TEXT, Prompt.Kind.CHOOSE]


@dataclass
class Card:
    """One student on a review page. In blind mode `label` is "Student 3" and nothing on the
    card says who it is."""

    label: str
    username: str
    student_pk: int
    submission: Submission | None
    answer: Answer | None = None
    answered: bool = False  # an answer that says something (not emptied again)
    highlights: list[Highlight] = field(default_factory=list)
    verdict: str = ""  # on a key span: "found", "other" or "none"
    review: Review | None = None
    form: ReviewForm | None = None


# Reading -----------------------------------------------------------------------------------


def _is_blind(query: QueryDict) -> bool:
    return query.get("blind") == "1"


def _enrolled_submissions(assignment: Assignment):
    return Submission.objects.filter(
        assignment=assignment, student__enrollments__classroom=assignment.classroom_id
    )


def _cards(assignment: Assignment, *, blind: bool) -> list[Card]:
    """One card per student of the class, in roster order; in blind mode numbered in the
    order the students started (which says nothing about their names)."""
    students = User.objects.filter(enrollments__classroom=assignment.classroom_id).order_by(
        "display_name", "pk"
    )
    submissions = {s.student_id: s for s in _enrolled_submissions(assignment)}
    cards = []
    for student in students:
        submission = submissions.get(student.pk)
        if submission is not None:
            submission.assignment = assignment  # for is_late, without a query per student
        cards.append(Card(student.display_name, student.username, student.pk, submission))
    if blind:
        started = sorted((c for c in cards if c.submission), key=lambda c: c.submission.pk)
        waiting = sorted((c for c in cards if not c.submission), key=lambda c: c.student_pk)
        cards = started + waiting
        for number, card in enumerate(cards, start=1):
            card.label, card.username = f"Student {number}", ""
    return cards


def _lesson_prompts(assignment: Assignment) -> list[Prompt]:
    return list(
        Prompt.objects.filter(segment__lesson=assignment.lesson_id, kind__in=ANSWERABLE)
        .select_related("segment")
        .order_by("segment__position", "position")
    )


def _lesson_keys(assignment: Assignment) -> list[KeySpan]:
    return list(
        KeySpan.objects.filter(segment__lesson=assignment.lesson_id)
        .select_related("segment", "technique")
        .order_by("segment__position", "position")
    )


def _find(items: list, pk: int | None, message: str):
    """The item with this pk, its predecessor and its successor; 404 if it is not there."""
    for index, item in enumerate(items):
        if item.pk == pk:
            previous = items[index - 1] if index else None
            following = items[index + 1] if index + 1 < len(items) else None
            return item, previous, following
    raise Http404(message)


def _form(
    submission: Submission,
    review: Review | None,
    *,
    target: dict,
    next_url: str,
    data: QueryDict | None = None,
) -> ReviewForm:
    initial = {**target, "next": next_url}
    if review is not None:
        initial |= {"comment": review.comment, "score": review.score}
        initial["reviewed"] = review.is_reviewed
    return ReviewForm(data, initial=initial, auto_id=f"review-{submission.pk}-%s")


def _attach_forms(
    cards: list[Card],
    reviews: dict[int, Review],
    *,
    target: dict,
    next_url: str,
    bound: tuple[int, ReviewForm] | None,
) -> None:
    for card in cards:
        if card.submission is None:
            continue
        card.review = reviews.get(card.submission.pk)
        if bound and bound[0] == card.submission.pk:
            card.form = bound[1]
        else:
            card.form = _form(card.submission, card.review, target=target, next_url=next_url)


def _blind_links(request: HttpRequest, blind: bool) -> dict:
    query = request.GET.copy()
    query.pop("blind", None)
    named = f"{request.path}?{query.urlencode()}" if query else request.path
    query["blind"] = "1"
    return {"blind": blind, "named_url": named, "blind_url": f"{request.path}?{query.urlencode()}"}


def _page_url(name: str, assignment: Assignment, pk: int, blind: bool) -> str:
    url = reverse(name, args=[assignment.pk, pk])
    return f"{url}?blind=1" if blind else url


# Pages ------------------------------------------------------------------------------------


def _prompt_page(
    request: HttpRequest,
    assignment: Assignment,
    prompt_pk: int,
    *,
    blind: bool,
    next_url: str,
    bound: tuple[int, ReviewForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    prompts = _lesson_prompts(assignment)
    prompt, previous, following = _find(
        prompts, prompt_pk, "This lesson has no such question to review."
    )
    cards = _cards(assignment, blind=blind)
    answers = Answer.objects.filter(prompt=prompt, submission__assignment=assignment)
    if prompt.kind == Prompt.Kind.CHOOSE:
        answers = answers.prefetch_related("techniques")
    by_submission = {a.submission_id: a for a in answers}
    reviews = {
        r.submission_id: r
        for r in Review.objects.filter(prompt=prompt, submission__assignment=assignment)
    }
    _attach_forms(cards, reviews, target={"prompt": prompt.pk}, next_url=next_url, bound=bound)
    for card in cards:
        if card.submission is not None:
            card.answer = by_submission.get(card.submission.pk)
            if card.answer is not None:
                card.answered = bool(
                    card.answer.techniques.all()
                    if prompt.kind == Prompt.Kind.CHOOSE
                    else card.answer.text
                )
    return render(
        request,
        "insights/review_prompt.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "prompt": prompt,
            "segment": prompt.segment,
            "number": prompts.index(prompt) + 1,
            "prompt_count": len(prompts),
            "previous_url": previous
            and _page_url("insights:review_prompt", assignment, previous.pk, blind),
            "next_url": following
            and _page_url("insights:review_prompt", assignment, following.pk, blind),
            "queue_url": _queue_url(assignment, blind),
            "cards": cards,
            "answered": sum(1 for c in cards if c.answered),
            "reviewed": sum(1 for r in reviews.values() if r.is_reviewed),
            "max_score": MAX_SCORE,
            **_blind_links(request, blind),
        },
        status=status,
    )


def _key_page(
    request: HttpRequest,
    assignment: Assignment,
    key_pk: int,
    *,
    blind: bool,
    next_url: str,
    bound: tuple[int, ReviewForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    keys = _lesson_keys(assignment)
    key, previous, following = _find(keys, key_pk, "This lesson's key has no such span.")
    cards = _cards(assignment, blind=blind)
    highlights: dict[int, list[Highlight]] = {}
    overlapping = Highlight.objects.filter(
        submission__assignment=assignment,
        segment=key.segment_id,
        start__lt=key.end,
        end__gt=key.start,
    ).select_related("technique")
    for highlight in overlapping.order_by("start", "end", "pk"):
        highlight.same = highlight.technique_id == key.technique_id
        highlights.setdefault(highlight.submission_id, []).append(highlight)
    reviews = {
        r.submission_id: r
        for r in Review.objects.filter(key_span=key, submission__assignment=assignment)
    }
    _attach_forms(cards, reviews, target={"key_span": key.pk}, next_url=next_url, bound=bound)
    counts = Counter()
    for card in cards:
        if card.submission is None:
            continue
        card.highlights = highlights.get(card.submission.pk, [])
        if any(h.same for h in card.highlights):
            card.verdict = "found"
        elif card.highlights:
            card.verdict = "other"
        else:
            card.verdict = "none"
        counts[card.verdict] += 1
    mark = Mark(key.start, key.end, f"Key: {key.technique.name}", ident=f"key-{key.pk}")
    return render(
        request,
        "insights/review_key_span.html",
        {
            "assignment": assignment,
            "lesson": assignment.lesson,
            "key": key,
            "segment": key.segment,
            "segment_html": annotate(key.segment.body_html, [mark]),
            "number": keys.index(key) + 1,
            "key_count": len(keys),
            "previous_url": previous
            and _page_url("insights:review_key_span", assignment, previous.pk, blind),
            "next_url": following
            and _page_url("insights:review_key_span", assignment, following.pk, blind),
            "queue_url": _queue_url(assignment, blind),
            "cards": cards,
            "counts": counts,
            "not_started": sum(1 for c in cards if c.submission is None),
            "reviewed": sum(1 for r in reviews.values() if r.is_reviewed),
            "max_score": MAX_SCORE,
            **_blind_links(request, blind),
        },
        status=status,
    )


def _queue_url(assignment: Assignment, blind: bool) -> str:
    url = reverse("insights:review_queue", args=[assignment.pk])
    return f"{url}?blind=1" if blind else url


def _queue_page(
    request: HttpRequest,
    assignment: Assignment,
    *,
    blind: bool,
    failed: tuple[Submission, ReviewForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    prompts = _lesson_prompts(assignment)
    submissions = list(_enrolled_submissions(assignment).select_related("student").order_by("pk"))
    labels = {s.pk: f"Student {n}" for n, s in enumerate(submissions, start=1)}
    submitted = {s.pk: s for s in submissions if s.is_submitted}
    chosen = Exists(Answer.techniques.through.objects.filter(answer=OuterRef("pk")))
    reviewed = Exists(
        Review.objects.filter(
            submission=OuterRef("submission"), prompt=OuterRef("prompt"), reviewed_at__isnull=False
        )
    )
    pending = (
        Answer.objects.filter(
            submission__assignment=assignment,
            submission__submitted_at__isnull=False,
            prompt__segment__lesson=assignment.lesson_id,
            prompt__kind__in=ANSWERABLE,
        )
        .annotate(chosen=chosen, reviewed=reviewed)
        .filter(Q(chosen=True) | ~Q(text=""), reviewed=False)
        .values_list("submission_id", "prompt_id")
    )
    waiting: dict[int, set[int]] = {}
    for submission_id, prompt_id in pending:
        if submission_id in submitted:
            waiting.setdefault(submission_id, set()).add(prompt_id)
    per_prompt = Counter(p for prompt_ids in waiting.values() for p in prompt_ids)
    rows = []
    for submission in sorted(
        (submitted[pk] for pk in waiting), key=lambda s: (s.submitted_at, s.pk)
    ):
        submission.assignment = assignment
        rows.append(
            {
                "submission": submission,
                "label": labels[submission.pk] if blind else submission.student.display_name,
                "prompts": [
                    (p, _page_url("insights:review_prompt", assignment, p.pk, blind))
                    for p in prompts
                    if p.pk in waiting[submission.pk]
                ],
            }
        )
    context = {
        "assignment": assignment,
        "lesson": assignment.lesson,
        "prompts": [
            (
                p,
                per_prompt.get(p.pk, 0),
                _page_url("insights:review_prompt", assignment, p.pk, blind),
            )
            for p in prompts
        ],
        "keys": [
            (k, _page_url("insights:review_key_span", assignment, k.pk, blind))
            for k in _lesson_keys(assignment)
        ],
        "rows": rows,
        "submitted_count": len(submitted),
        "student_count": len(submissions),
        "to_review": sum(per_prompt.values()),
        **_blind_links(request, blind),
    }
    if failed:
        submission, form = failed
        context["failed"] = {
            "submission": submission,
            "label": labels.get(submission.pk, "") if blind else submission.student.display_name,
            "form": form,
        }
    return render(request, "insights/review_queue.html", context, status=status)


@login_required
def queue(request: HttpRequest, pk: int) -> HttpResponse:
    """Handed-in work with answers not reviewed yet, the oldest first; counts per question."""
    assignment = get_assignment_for_teacher(request.user, pk)
    return _queue_page(request, assignment, blind=_is_blind(request.GET))


@login_required
def by_prompt(request: HttpRequest, pk: int, prompt_pk: int) -> HttpResponse:
    """Every student's answer to one question, side by side, each with a review form."""
    assignment = get_assignment_for_teacher(request.user, pk)
    return _prompt_page(
        request,
        assignment,
        prompt_pk,
        blind=_is_blind(request.GET),
        next_url=request.get_full_path(),
    )


@login_required
def by_key_span(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    """One span of the answer key, and what every student highlighted there."""
    assignment = get_assignment_for_teacher(request.user, pk)
    return _key_page(
        request,
        assignment,
        key_pk,
        blind=_is_blind(request.GET),
        next_url=request.get_full_path(),
    )


# Writing ----------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, url: str) -> str:
    """A path on this site to go back to, or "" (never another site's address)."""
    if not url.startswith("/") or url.startswith("//"):
        return ""
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return url.split("#", 1)[0]


@login_required
@require_POST
def save(request: HttpRequest, pk: int, submission_pk: int) -> HttpResponse:
    """Save the teacher's review of one answer, one key span, or (no target) the whole work."""
    assignment = get_assignment_for_teacher(request.user, pk)
    submission = _enrolled_submissions(assignment).select_related("student")
    submission = submission.filter(pk=submission_pk).first()
    if submission is None:
        raise Http404("That work is not by a student of this class on this lesson.")
    submission.assignment = assignment
    form = ReviewForm(request.POST, auto_id=f"review-{submission.pk}-%s")
    valid = form.is_valid()
    data = form.cleaned_data
    prompt = key = None
    if data.get("prompt"):
        prompt, _, _ = _find(
            _lesson_prompts(assignment), data["prompt"], "That question is not part of this lesson."
        )
    if data.get("key_span"):
        key, _, _ = _find(
            _lesson_keys(assignment), data["key_span"], "That key span is not part of this lesson."
        )
    next_url = _safe_next(request, data.get("next") or "")
    if prompt:
        fallback = reverse("insights:review_prompt", args=[assignment.pk, prompt.pk])
    elif key:
        fallback = reverse("insights:review_key_span", args=[assignment.pk, key.pk])
    else:
        fallback = reverse("insights:review_queue", args=[assignment.pk])
    next_url = next_url or fallback
    blind = _is_blind(QueryDict(urlsplit(next_url).query))

    if not valid:
        if request.htmx:
            context = {"form": form, "assignment": assignment, "submission": submission}
            context["review"] = Review.objects.filter(
                submission=submission, prompt=prompt, key_span=key
            ).first()
            return render(request, "insights/_review_form.html", context, status=400)
        page = {"blind": blind, "next_url": next_url, "bound": (submission.pk, form)}
        if prompt:
            return _prompt_page(request, assignment, prompt.pk, status=400, **page)
        if key:
            return _key_page(request, assignment, key.pk, status=400, **page)
        return _queue_page(request, assignment, blind=blind, failed=(submission, form), status=400)

    review = services.review_save(
        submission=submission,
        reviewer=request.user,
        comment=data["comment"],
        score=data["score"],
        prompt=prompt,
        key_span=key,
        reviewed=data["reviewed"],
    )
    if request.htmx:
        target = {"prompt": prompt.pk} if prompt else {"key_span": key.pk} if key else {}
        return render(
            request,
            "insights/_review_form.html",
            {
                "form": _form(submission, review, target=target, next_url=next_url),
                "assignment": assignment,
                "submission": submission,
                "review": review,
                "saved_at": review.updated_at,
            },
        )
    messages.success(request, "Review saved.")
    return redirect(f"{next_url}#submission-{submission.pk}")

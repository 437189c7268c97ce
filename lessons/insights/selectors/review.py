"""Review: every student's answer to one prompt, or their work on one key span, side by side
(optionally without names, for blind marking), and the queue of handed-in work that awaits
review. Each page in a fixed number of queries, whatever the class size."""

from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from core.models import User
from lessons.library.models import KeySpan, Prompt, Segment
from lessons.library.rendering import Mark, annotate
from lessons.work.models import Answer, Assignment, Highlight, Review, Submission

from .. import scoring
from .spans import span_of

ANSWERABLE = [Prompt.Kind.TEXT, Prompt.Kind.CHOOSE]


# --- the class and the lesson ----------------------------------------------------------------


def enrolled_submissions(assignment: Assignment) -> QuerySet[Submission]:
    """The assignment's submissions by students enrolled in its class now. Each knows its
    assignment (through the assignment's manager), so lateness costs no query."""
    return assignment.submissions.filter(student__enrollments__classroom=assignment.classroom_id)


def enrolled_submission(assignment: Assignment, submission_pk: int) -> Submission:
    """One submission to review, with its student; 404 unless a student of this class made it
    on this assignment."""
    submissions = enrolled_submissions(assignment).select_related("student")
    submission = submissions.filter(pk=submission_pk).first()
    if submission is None:
        raise Http404("That work is not by a student of this class on this lesson.")
    return submission


def lesson_prompts(assignment: Assignment) -> list[Prompt]:
    """The lesson's answerable prompts (written or chosen answers), in reading order."""
    return list(
        Prompt.objects.filter(segment__lesson=assignment.lesson_id, kind__in=ANSWERABLE)
        .select_related("segment")
        .order_by("segment__position", "position")
    )


def lesson_keys(assignment: Assignment) -> list[KeySpan]:
    """The lesson's answer key, in reading order."""
    return list(
        KeySpan.objects.filter(segment__lesson=assignment.lesson_id)
        .select_related("segment", "technique")
        .order_by("segment__position", "position")
    )


class Found[T](NamedTuple):
    item: T
    previous: T | None
    following: T | None
    number: int  # from 1


def find[T: (Prompt, KeySpan)](items: list[T], pk: int | None, message: str) -> Found[T]:
    """The item with this pk among `items`, with its neighbours; 404 with `message` if it is
    not there."""
    for index, item in enumerate(items):
        if item.pk == pk:
            previous = items[index - 1] if index else None
            following = items[index + 1] if index + 1 < len(items) else None
            return Found(item, previous, following, index + 1)
    raise Http404(message)


def review_of(
    submission: Submission, *, prompt: Prompt | None, key_span: KeySpan | None
) -> Review | None:
    """The teacher's review of one answer, one key span, or (neither) the whole work."""
    return Review.objects.filter(submission=submission, prompt=prompt, key_span=key_span).first()


class Seat(NamedTuple):
    """One student of the class on a review page. In blind mode `label` is "Student 3",
    `username` is empty, and nothing says who it is."""

    label: str
    username: str
    submission: Submission | None


def _roster(assignment: Assignment, *, blind: bool) -> list[Seat]:
    """Every student of the class, in roster order; in blind mode numbered in the order the
    students started (which says nothing about their names), those who have not last."""
    students = User.objects.filter(enrollments__classroom=assignment.classroom_id).order_by(
        "display_name", "pk"
    )
    submissions = {s.student_id: s for s in enrolled_submissions(assignment)}
    seats = [(s, submissions.get(s.pk)) for s in students]
    if not blind:
        return [Seat(s.display_name, s.username, submission) for s, submission in seats]
    started = sorted(((s, sub) for s, sub in seats if sub), key=lambda seat: seat[1].pk)
    waiting = sorted((seat for seat in seats if not seat[1]), key=lambda seat: seat[0].pk)
    return [
        Seat(f"Student {number}", "", submission)
        for number, (_, submission) in enumerate(started + waiting, start=1)
    ]


def _reviews(assignment: Assignment, **target: Prompt | KeySpan) -> dict[int, Review]:
    """The reviews of one prompt or key span in this assignment, by submission id."""
    reviews = Review.objects.filter(submission__assignment=assignment, **target)
    return {r.submission_id: r for r in reviews}


# --- one prompt ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptCard:
    seat: Seat
    review: Review | None = None
    answer: Answer | None = None
    answered: bool = False  # an answer that says something (not emptied again)


@dataclass(frozen=True)
class PromptReview:
    prompt: Prompt
    segment: Segment
    number: int  # of `count` answerable prompts
    count: int
    previous: Prompt | None
    following: Prompt | None
    cards: list[PromptCard]
    answered: int
    reviewed: int


def prompt_review(assignment: Assignment, prompt_pk: int, *, blind: bool) -> PromptReview:
    """Every student's answer to one prompt, with the review of each."""
    prompts = lesson_prompts(assignment)
    found = find(prompts, prompt_pk, "This lesson has no such question to review.")
    prompt = found.item
    seats = _roster(assignment, blind=blind)
    answers = Answer.objects.filter(prompt=prompt, submission__assignment=assignment)
    choose = prompt.kind == Prompt.Kind.CHOOSE
    if choose:
        answers = answers.prefetch_related("techniques")
    by_submission = {a.submission_id: a for a in answers}
    reviews = _reviews(assignment, prompt=prompt)
    cards = []
    for seat in seats:
        if seat.submission is None:
            cards.append(PromptCard(seat))
            continue
        answer = by_submission.get(seat.submission.pk)
        answered = answer is not None and bool(answer.techniques.all() if choose else answer.text)
        cards.append(PromptCard(seat, reviews.get(seat.submission.pk), answer, answered))
    return PromptReview(
        prompt=prompt,
        segment=prompt.segment,
        number=found.number,
        count=len(prompts),
        previous=found.previous,
        following=found.following,
        cards=cards,
        answered=sum(card.answered for card in cards),
        reviewed=sum(review.is_reviewed for review in reviews.values()),
    )


# --- one key span ----------------------------------------------------------------------------


class KeyHighlight(NamedTuple):
    highlight: Highlight
    same: bool  # of the key span's technique


@dataclass(frozen=True)
class KeyCard:
    seat: Seat
    review: Review | None = None
    highlights: list[KeyHighlight] | None = None  # those that overlap the key span
    verdict: str = ""  # "found", "other" (only another technique) or "none"


@dataclass(frozen=True)
class KeyReview:
    key: KeySpan
    segment: Segment
    segment_html: str  # the passage with the key span marked
    number: int  # of `count` key spans
    count: int
    previous: KeySpan | None
    following: KeySpan | None
    cards: list[KeyCard]
    counts: Counter[str]  # cards by verdict
    not_started: int
    reviewed: int


def key_review(assignment: Assignment, key_pk: int, *, blind: bool) -> KeyReview:
    """What every student highlighted on one span of the answer key, with the review of each."""
    keys = lesson_keys(assignment)
    found = find(keys, key_pk, "This lesson's key has no such span.")
    key = found.item
    seats = _roster(assignment, blind=blind)
    overlapping = Highlight.objects.filter(
        submission__assignment=assignment,
        segment=key.segment_id,
        start__lt=key.end,
        end__gt=key.start,
    ).select_related("technique")
    highlights: dict[int, list[Highlight]] = {}
    for highlight in overlapping.order_by("start", "end", "pk"):
        highlights.setdefault(highlight.submission_id, []).append(highlight)
    codes = {key.technique_id: key.technique.code}
    codes |= {h.technique_id: h.technique.code for hs in highlights.values() for h in hs}
    key_span = span_of(key, codes)
    reviews = _reviews(assignment, key_span=key)
    cards = []
    for seat in seats:
        if seat.submission is None:
            cards.append(KeyCard(seat))
            continue
        mine = highlights.get(seat.submission.pk, [])
        if scoring.found_key_spans([span_of(h, codes) for h in mine], [key_span]):
            verdict = "found"
        else:
            verdict = "other" if mine else "none"
        cards.append(
            KeyCard(
                seat,
                reviews.get(seat.submission.pk),
                [KeyHighlight(h, h.technique_id == key.technique_id) for h in mine],
                verdict,
            )
        )
    mark = Mark(key.start, key.end, f"Key: {key.technique.name}", ident=f"key-{key.pk}")
    return KeyReview(
        key=key,
        segment=key.segment,
        segment_html=annotate(key.segment.body_html, [mark]),
        number=found.number,
        count=len(keys),
        previous=found.previous,
        following=found.following,
        cards=cards,
        counts=Counter(card.verdict for card in cards if card.verdict),
        not_started=sum(card.seat.submission is None for card in cards),
        reviewed=sum(review.is_reviewed for review in reviews.values()),
    )


# --- the queue -------------------------------------------------------------------------------


class PromptWaiting(NamedTuple):
    prompt: Prompt
    waiting: int  # handed-in answers not reviewed yet


@dataclass(frozen=True)
class QueueRow:
    submission: Submission
    label: str  # the name, or "Student 3" in blind mode
    prompts: list[Prompt]  # with an answer waiting for review


@dataclass(frozen=True)
class ReviewQueue:
    prompts: list[PromptWaiting]
    keys: list[KeySpan]
    rows: list[QueueRow]  # the oldest work first
    submitted_count: int
    student_count: int  # who started
    to_review: int
    blind_labels: dict[int, str]  # "Student 3" by submission id

    def label(self, submission: Submission, *, blind: bool) -> str:
        if blind:
            return self.blind_labels.get(submission.pk, "")
        return submission.student.display_name


def review_queue(assignment: Assignment, *, blind: bool) -> ReviewQueue:
    """Handed-in work with answers not reviewed yet, the oldest first; counts per prompt."""
    prompts = lesson_prompts(assignment)
    submissions = list(enrolled_submissions(assignment).select_related("student").order_by("pk"))
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
    oldest_first = sorted((submitted[pk] for pk in waiting), key=lambda s: (s.submitted_at, s.pk))
    rows = [
        QueueRow(
            submission=submission,
            label=labels[submission.pk] if blind else submission.student.display_name,
            prompts=[p for p in prompts if p.pk in waiting[submission.pk]],
        )
        for submission in oldest_first
    ]
    return ReviewQueue(
        prompts=[PromptWaiting(p, per_prompt.get(p.pk, 0)) for p in prompts],
        keys=lesson_keys(assignment),
        rows=rows,
        submitted_count=len(submitted),
        student_count=len(submissions),
        to_review=sum(per_prompt.values()),
        blind_labels=labels,
    )

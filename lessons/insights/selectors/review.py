"""Review: every student's answer to one prompt, or their work on one key span, side by side
(optionally without names, for blind marking), and the queue of handed-in work that awaits
review. Each page in a fixed number of queries, whatever the class size."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext

from core.models import User
from lessons.library.models import KeySpan, Prompt, Segment, catalogue_text
from lessons.library.rendering import Mark, annotate
from lessons.work.models import Answer, Assignment, Highlight, Review, Submission

from .. import scoring
from .spans import span_of

ANSWERABLE = [Prompt.Kind.TEXT, Prompt.Kind.CHOOSE]
STUDENTS_PER_PAGE = 20  # cards on a page of review by question
# A passage's Markdown, plain text and text map: review pages show its HTML, never these.
_PASSAGE_SOURCE = ("segment__body", "segment__text", "segment__origin")
QUEUE_STUDENTS_PER_PAGE = 15  # students on a page of the review queue


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
        raise Http404(gettext("That work is not by a student of this class on this lesson."))
    return submission


def lesson_prompts(assignment: Assignment) -> list[Prompt]:
    """The lesson's answerable prompts (written or chosen answers), in reading order."""
    return list(
        Prompt.objects.filter(segment__lesson=assignment.lesson_id, kind__in=ANSWERABLE)
        .select_related("segment")
        .defer(*_PASSAGE_SOURCE)
        .order_by("segment__position", "position")
    )


def lesson_keys(assignment: Assignment) -> list[KeySpan]:
    """The lesson's answer key, in reading order."""
    return list(
        KeySpan.objects.filter(segment__lesson=assignment.lesson_id)
        .select_related("segment", "technique")
        .defer(*_PASSAGE_SOURCE)
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


@dataclass(frozen=True)
class Work:
    """A student's work on the assignment, as a review card shows it: read as plain values,
    for the whole class at once."""

    pk: int  # the submission's
    submitted_at: datetime | None
    due_at: datetime | None  # the student's: their extension, or the assignment's
    said: bool = False  # (review by question) they answered the question
    reviewed: bool = False  # (review by question) their answer is marked reviewed

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_late(self) -> bool:
        due = self.due_at
        return self.submitted_at is not None and due is not None and self.submitted_at > due


class Seat(NamedTuple):
    """One student of the class on a review page. In blind mode `label` is "Student 3",
    `username` is empty, and nothing says who it is."""

    label: str
    username: str
    submission: Work | None


def _roster(assignment: Assignment, *, blind: bool, annotate: dict | None = None) -> list[Seat]:
    """Every student of the class, in roster order; in blind mode numbered in the order the
    students started (which says nothing about their names), those who have not last. Each
    submission is read with the annotations given (`annotate`: `said` and `reviewed`).
    Two queries of plain values, whatever the class size."""
    students = (
        User.objects.filter(enrollments__classroom=assignment.classroom_id)
        .order_by("display_name", "pk")
        .values_list("pk", "display_name", "username")
    )
    columns = ("pk", "student_id", "submitted_at", "extended_due_at", *(annotate or {}))
    rows = enrolled_submissions(assignment).annotate(**(annotate or {})).values_list(*columns)
    submissions = {
        student: Work(pk, submitted, extended or assignment.due_at, *flags)
        for pk, student, submitted, extended, *flags in rows
    }
    seats = [(s, submissions.get(s[0])) for s in students]
    if not blind:
        return [Seat(name, username, work) for (_, name, username), work in seats]
    started = sorted(((s, w) for s, w in seats if w), key=lambda seat: seat[1].pk)
    waiting = sorted((seat for seat in seats if not seat[1]), key=lambda seat: seat[0][0])
    label = gettext("Student %(number)s")
    return [
        Seat(label % {"number": number}, "", work)
        for number, (_, work) in enumerate(started + waiting, start=1)
    ]


def _reviews(assignment: Assignment, **target: Prompt | KeySpan) -> dict[int, Review]:
    """The reviews of one prompt or key span in this assignment, by submission id."""
    reviews = Review.objects.filter(submission__assignment=assignment, **target)
    return {r.submission_id: r for r in reviews}


def reviewed_count(
    assignment: Assignment, *, prompt: Prompt | None, key_span: KeySpan | None
) -> int:
    """How many students of the class have their work on one prompt or key span marked
    reviewed: the count a review page shows (its cards' count), in one query."""
    return Review.objects.filter(
        submission__in=enrolled_submissions(assignment),
        prompt=prompt,
        key_span=key_span,
        reviewed_at__isnull=False,
    ).count()


def _reviewed(cards: "list[PromptCard] | list[KeyCard]") -> int:
    """The cards whose review is marked reviewed: only students of the class have a card."""
    return sum(card.review is not None and card.review.is_reviewed for card in cards)


# --- one prompt ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptCard:
    seat: Seat
    review: Review | None = None
    answer: Answer | None = None
    answered: bool = False  # an answer that says something (not emptied again)
    chosen: list[str] = field(default_factory=list)  # the techniques' names, as pages show them


@dataclass(frozen=True)
class PromptReview:
    prompt: Prompt
    segment: Segment
    number: int  # of `count` answerable prompts
    count: int
    previous: Prompt | None
    following: Prompt | None
    page: Page  # of the class's seats, STUDENTS_PER_PAGE at a time
    cards: list[PromptCard]  # the page's
    students: int  # in the class
    answered: int  # in the whole class
    reviewed: int  # in the whole class


def prompt_review(
    assignment: Assignment, prompt_pk: int, *, blind: bool, page: int | str | None = 1
) -> PromptReview:
    """Every student's answer to one prompt, with the review of each, a page of students at a
    time (the first for a number that is no page, the last for one beyond them); how many
    answered, and how many are reviewed, in the whole class."""
    prompts = lesson_prompts(assignment)
    found = find(prompts, prompt_pk, gettext("This lesson has no such question to review."))
    prompt = found.item
    choose = prompt.kind == Prompt.Kind.CHOOSE
    answers = Answer.objects.filter(prompt=prompt, submission=OuterRef("pk"))
    if choose:
        said = answers.filter(
            Exists(Answer.techniques.through.objects.filter(answer=OuterRef("pk")))
        )
    else:
        said = answers.exclude(text="")
    reviewed = Review.objects.filter(
        submission=OuterRef("pk"), prompt=prompt, reviewed_at__isnull=False
    )
    seats = _roster(
        assignment, blind=blind, annotate={"said": Exists(said), "reviewed": Exists(reviewed)}
    )
    shown = Paginator(seats, STUDENTS_PER_PAGE).get_page(page)
    on_page = [seat.submission.pk for seat in shown.object_list if seat.submission]
    answers_here = Answer.objects.filter(prompt=prompt, submission__in=on_page)
    by_submission = {a.submission_id: a for a in answers_here}
    # The names of the techniques chosen, in Technique's order, read beside the answers in
    # one query: prefetched onto the answers, the whole techniques were read and a queryset
    # made for each answer, and another by the template to list them, a millisecond of a page
    # of 20 (bench/review.py).
    chosen: dict[int, list[str]] = {}
    if choose:
        rows = (
            Answer.techniques.through.objects.filter(
                answer__prompt=prompt, answer__submission__in=on_page
            )
            .order_by("technique__taxonomy_id", "technique__position")
            .values_list("answer_id", "technique__name")
        )
        for answer_id, name in rows:
            chosen.setdefault(answer_id, []).append(catalogue_text(name))
    reviews = {
        r.submission_id: r for r in Review.objects.filter(submission__in=on_page, prompt=prompt)
    }
    cards = []
    for seat in shown.object_list:
        if seat.submission is None:
            cards.append(PromptCard(seat))
            continue
        pk = seat.submission.pk
        answer = by_submission.get(pk)
        names = chosen.get(answer.pk, []) if answer else []
        cards.append(PromptCard(seat, reviews.get(pk), answer, seat.submission.said, names))
    started = [seat.submission for seat in seats if seat.submission]
    return PromptReview(
        prompt=prompt,
        segment=prompt.segment,
        number=found.number,
        count=len(prompts),
        previous=found.previous,
        following=found.following,
        page=shown,
        cards=cards,
        students=len(seats),
        answered=sum(work.said for work in started),
        reviewed=sum(work.reviewed for work in started),
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
    found = find(keys, key_pk, gettext("This lesson's key has no such span."))
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
    mark = Mark(
        key.start,
        key.end,
        gettext("Key: %(technique)s") % {"technique": key.technique.display_name},
        ident=f"key-{key.pk}",
        kind=gettext("Key span"),
        technique=key.technique.display_name,
    )
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
        reviewed=_reviewed(cards),
    )


# --- the queue -------------------------------------------------------------------------------


class Waiting(NamedTuple):
    """A handed-in answer not reviewed yet: whose it is (the name, or "Student 3" in blind
    mode), and the address of its card (on the page of the question's review it is on)."""

    submission: Work
    label: str
    url: str


@dataclass(frozen=True)
class PromptGroup:
    """One question of the lesson, with the answers to it that wait for review: how many in
    the whole class, and those of the queue's page of students, the oldest hand-in first.
    Its address and its text cut short are worked out once, not once per answer."""

    prompt: Prompt
    url: str  # the question's review page (blind if the queue is)
    summary: str  # the question, cut to 100 characters
    short: str  # cut to 60: the end of each waiting answer's link, for screen readers
    count: int
    waiting: list[Waiting]


@dataclass(frozen=True)
class PassageGroup:
    """One passage of the lesson in the review index: its questions and its key spans."""

    segment: Segment
    prompts: list[PromptGroup]
    keys: list[KeySpan]

    @property
    def waiting(self) -> int:
        """Answers still to review in this passage, in the whole class."""
        return sum(group.count for group in self.prompts)


@dataclass(frozen=True)
class ReviewQueue:
    passages: list[PassageGroup]  # in reading order; only those with questions or key spans
    page: Page  # of the students with answers to review, the oldest hand-in first
    submitted_count: int
    student_count: int  # who started
    to_review: int  # answers
    students_waiting: int  # students with at least one answer to review
    blind_labels: dict[int, str]  # "Student 3" by submission id

    def label(self, submission: Submission, *, blind: bool) -> str:
        if blind:
            return self.blind_labels.get(submission.pk, "")
        return submission.student.display_name


def review_queue(assignment: Assignment, *, blind: bool, page: int | str | None = 1) -> ReviewQueue:
    """The review index: the lesson's passages, each with its questions and its key spans;
    for each question, how many handed-in answers await review, and those of one page of the
    students who have some (QUEUE_STUDENTS_PER_PAGE, the oldest hand-in first)."""
    prompts = lesson_prompts(assignment)
    keys = lesson_keys(assignment)
    rows = enrolled_submissions(assignment).order_by("pk")
    names: dict[int, str] = {}
    students_of: dict[int, int] = {}
    submissions: list[Work] = []
    for pk, student, name, submitted_at, extended in rows.values_list(
        "pk", "student_id", "student__display_name", "submitted_at", "extended_due_at"
    ):
        submissions.append(Work(pk, submitted_at, extended or assignment.due_at))
        names[pk], students_of[pk] = name, student
    label = gettext("Student %(number)s")
    labels = {s.pk: label % {"number": n} for n, s in enumerate(submissions, start=1)}
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
    waiting: dict[int, list[Work]] = {}
    for submission_id, prompt_id in pending:
        if submission_id in submitted:
            waiting.setdefault(prompt_id, []).append(submitted[submission_id])
    students = sorted(
        {s.pk: s for ids in waiting.values() for s in ids}.values(),
        key=lambda s: (s.submitted_at, s.pk),
    )
    shown = Paginator(students, QUEUE_STUDENTS_PER_PAGE).get_page(page)
    on_page = {s.pk for s in shown.object_list}
    # Where each student's card is on a question's review page: its order is the roster's
    # (by name), or in blind mode the order the students started (their label's number).
    if blind:
        place = {s.pk: n for n, s in enumerate(submissions)}
    else:
        roster = User.objects.filter(enrollments__classroom=assignment.classroom_id).order_by(
            "display_name", "pk"
        )
        at = {pk: n for n, pk in enumerate(roster.values_list("pk", flat=True))}
        place = {s.pk: at.get(students_of[s.pk], 0) for s in submissions}

    def card_url(url: str, submission: Work) -> str:
        number = place[submission.pk] // STUDENTS_PER_PAGE + 1
        query = "&".join(["blind=1"] * blind + [f"page={number}"] * (number > 1))
        return (
            f"{url}?{query}#submission-{submission.pk}"
            if query
            else f"{url}#submission-{submission.pk}"
        )

    def group(prompt: Prompt) -> PromptGroup:
        url = reverse("insights:review_prompt", args=[assignment.pk, prompt.pk])
        oldest_first = sorted(waiting.get(prompt.pk, []), key=lambda s: (s.submitted_at, s.pk))
        return PromptGroup(
            prompt=prompt,
            url=f"{url}?blind=1" if blind else url,
            summary=Truncator(prompt.text).chars(100),
            short=Truncator(prompt.text).chars(60),
            count=len(oldest_first),
            waiting=[
                Waiting(s, labels[s.pk] if blind else names[s.pk], card_url(url, s))
                for s in oldest_first
                if s.pk in on_page
            ],
        )

    segments = {p.segment_id: p.segment for p in prompts} | {k.segment_id: k.segment for k in keys}
    passages = [
        PassageGroup(
            segment=segment,
            prompts=[group(p) for p in prompts if p.segment_id == pk],
            keys=[k for k in keys if k.segment_id == pk],
        )
        for pk, segment in sorted(segments.items(), key=lambda item: item[1].position)
    ]
    return ReviewQueue(
        passages=passages,
        page=shown,
        submitted_count=len(submitted),
        student_count=len(submissions),
        to_review=sum(len(ids) for ids in waiting.values()),
        students_waiting=len(students),
        blind_labels=labels,
    )

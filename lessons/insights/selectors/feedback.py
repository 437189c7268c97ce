"""A student's feedback on one assignment: their highlights against the answer key, the key
spans they missed, their scores in plain words, and the teacher's comments."""

from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext, gettext_lazy, pgettext

from lessons.library.models import KeySpan, Prompt, Segment
from lessons.library.rendering import Mark, annotate
from lessons.work.models import Answer, Highlight, Review, Submission
from lessons.work.progress import (
    PassageCounts,
    PassageState,
    PassageTask,
    count_states,
    passage_state,
)

from .. import scoring
from .spans import span_of

VERDICT_TEXT = {
    scoring.Verdict.CORRECT: gettext_lazy("Correct"),
    scoring.Verdict.PARTIAL: gettext_lazy("Partly overlapping"),
    scoring.Verdict.WRONG_TECHNIQUE: gettext_lazy("Right words, another technique"),
    scoring.Verdict.NOT_IN_KEY: gettext_lazy("Not in the key"),
}


@dataclass(frozen=True)
class HighlightFeedback:
    highlight: Highlight
    verdict: str  # a scoring.Verdict
    verdict_text: str
    matches: list[KeySpan]  # the key spans it overlaps, whatever their technique


class AnswerFeedback(NamedTuple):
    prompt: Prompt
    answer: Answer | None
    review: Review | None


@dataclass(frozen=True)
class SegmentFeedback:
    segment: Segment
    html: str
    highlights: list[HighlightFeedback]
    missed: list[KeySpan]  # not highlighted at all
    other_technique: list[KeySpan]  # highlighted, only with another technique (shown once,
    # under the highlight that found it: "Right words, another technique")
    key_count: int  # key spans in this passage
    answers: list[AnswerFeedback]
    key_reviews: list[Review]
    state: PassageState  # the student's progress here (`lessons.work.progress`)


@dataclass(frozen=True)
class Feedback:
    segments: list[SegmentFeedback]
    scores: scoring.Scores
    spans_found: scoring.Scores
    found: int
    key_total: int
    correct: int
    highlight_total: int
    overall: Review | None
    progress: PassageCounts  # passages done, worked on, read, not opened


def build_feedback(submission: Submission, *, include_drafts: bool = False) -> Feedback:
    """Everything the feedback page shows, in a fixed number of queries. Students see only
    reviews their teacher marked reviewed; the teacher also sees drafts."""
    lesson = submission.assignment.lesson
    segments = list(lesson.segments.prefetch_related("prompts"))
    keys = list(KeySpan.objects.filter(segment__lesson=lesson).select_related("technique"))
    highlights = list(submission.highlights.select_related("technique"))
    answers = {
        a.prompt_id: a
        for a in Answer.objects.filter(submission=submission).prefetch_related("techniques")
    }
    reviews = [r for r in submission.reviews.all() if include_drafts or r.is_reviewed]
    spans: list[KeySpan | Highlight] = [*keys, *highlights]
    codes = {item.technique_id: item.technique.code for item in spans}
    key_spans = {k.pk: span_of(k, codes) for k in keys}
    student_spans = {h.pk: span_of(h, codes) for h in highlights}
    found = set(scoring.found_key_spans(student_spans.values(), key_spans.values()))
    other = set(scoring.other_technique_key_spans(student_spans.values(), key_spans.values()))

    by_segment: dict[int, list[KeySpan]] = {}
    for key in keys:
        by_segment.setdefault(key.segment_id, []).append(key)
    mine: dict[int, list[Highlight]] = {}
    for highlight in highlights:
        mine.setdefault(highlight.segment_id, []).append(highlight)
    prompt_reviews = {r.prompt_id: r for r in reviews if r.prompt_id}
    key_reviews = {r.key_span_id: r for r in reviews if r.key_span_id}

    correct = 0
    result = []
    for segment in segments:
        segment_keys = by_segment.get(segment.pk, [])
        segment_key_spans = [key_spans[k.pk] for k in segment_keys]
        marks = []
        items = []
        highlight_kind = pgettext("a mark in the text", "Highlight")
        for highlight in mine.get(segment.pk, []):
            span = student_spans[highlight.pk]
            verdict = scoring.classify(span, segment_key_spans)
            correct += verdict == scoring.Verdict.CORRECT
            text = str(VERDICT_TEXT[verdict])
            items.append(
                HighlightFeedback(
                    highlight=highlight,
                    verdict=verdict.value,
                    verdict_text=text,
                    matches=[k for k in segment_keys if scoring.overlap(span, key_spans[k.pk])],
                )
            )
            marks.append(
                Mark(
                    highlight.start,
                    highlight.end,
                    gettext("%(technique)s: %(verdict)s")
                    % {"technique": highlight.technique.display_name, "verdict": text.lower()},
                    ident=f"highlight-{highlight.pk}",
                    classes=(f"hl-{verdict.value}",),
                    kind=highlight_kind,
                    technique=highlight.technique.display_name,
                )
            )
        missed = [k for k in segment_keys if key_spans[k.pk] not in found | other]
        missed_label, key_kind = gettext("Missed: %(technique)s"), gettext("Key span")
        marks += [
            Mark(k.start, k.end, missed_label % {"technique": k.technique.display_name},
                 ident=f"key-{k.pk}", classes=("hl-missed",), kind=key_kind,
                 technique=k.technique.display_name)
            for k in missed
        ]  # fmt: skip
        result.append(
            SegmentFeedback(
                segment=segment,
                html=annotate(segment.body_html, sorted(marks, key=lambda m: (m.start, m.end))),
                highlights=items,
                missed=missed,
                other_technique=[k for k in segment_keys if key_spans[k.pk] in other],
                key_count=len(segment_keys),
                answers=[
                    AnswerFeedback(p, answers.get(p.pk), prompt_reviews.get(p.pk))
                    for p in segment.prompts.all()
                    if p.is_answerable
                ],
                key_reviews=[key_reviews[k.pk] for k in segment_keys if k.pk in key_reviews],
                state=_state(
                    submission, segment, answers, highlights=len(mine.get(segment.pk, []))
                ),
            )
        )
    return Feedback(
        segments=result,
        scores=scoring.score(student_spans.values(), key_spans.values()),
        spans_found=scoring.score_spans_only(student_spans.values(), key_spans.values()),
        found=len(found),
        key_total=len(key_spans),
        correct=correct,
        highlight_total=len(highlights),
        overall=next((r for r in reviews if not r.prompt_id and not r.key_span_id), None),
        progress=count_states([item.state for item in result]),
    )


def _state(
    submission: Submission, segment: Segment, answers: dict[int, Answer], *, highlights: int
) -> PassageState:
    """The student's state in one passage (`lessons.work.progress`), from the prompts, answers
    and highlights already loaded: an answer counts once something is written or chosen."""
    prompts = segment.prompts.all()
    questions = [p for p in prompts if p.is_answerable]
    answered = sum(
        1
        for p in questions
        if (answer := answers.get(p.pk)) and (answer.text or answer.techniques.all())
    )
    task = PassageTask.of(
        questions=len(questions),
        highlight_prompts=sum(p.kind == Prompt.Kind.HIGHLIGHT for p in prompts),
    )
    return passage_state(
        task,
        opened=segment.position <= submission.reached,
        highlights=highlights,
        answered=answered,
    )

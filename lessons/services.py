"""Writes that touch several models: importing lessons, assigning them, students' work."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import Classroom, User

from .anchoring import Anchor
from .lessonfile import KeyData, LessonData, LessonFormatError, PromptData, SegmentData
from .models import (
    Answer,
    Assignment,
    Highlight,
    KeySpan,
    Lesson,
    Prompt,
    Review,
    Segment,
    Submission,
    Taxonomy,
    Technique,
)
from .rendering import plain_text, render_markdown


class WorkError(Exception):
    """A student's request that cannot be carried out; the message is for the student."""

    status = 400


class WorkLocked(WorkError):
    status = 409


class DuplicateHighlight(WorkError):
    status = 409


# Lessons -------------------------------------------------------------------------------


@transaction.atomic
def lesson_import(
    *,
    data: LessonData,
    created_by: User | None = None,
    replace: bool = False,
    is_published: bool = True,
) -> Lesson:
    """Create a lesson from parsed file data. Checks what needs the database (the taxonomy
    and its technique IDs) and raises LessonFormatError, line by line, importing nothing."""
    meta = data.meta
    errors: list[tuple[int, str]] = []
    taxonomy = Taxonomy.objects.filter(slug=meta["taxonomy"]).first()
    if taxonomy is None:
        known = ", ".join(Taxonomy.objects.values_list("slug", flat=True))
        errors.append(
            (data.meta_lines.get("taxonomy", 1), f"unknown taxonomy (use one of {known})")
        )
        raise LessonFormatError(errors)
    techniques = {t.code: t for t in taxonomy.techniques.all()}
    for segment in data.segments:
        for key in segment.key:
            if key.technique not in techniques:
                errors.append(
                    (key.line, f"unknown technique {key.technique!r} in taxonomy {taxonomy.slug}")
                )
    existing = Lesson.objects.filter(slug=meta["slug"]).order_by("revision").first()
    if existing and not replace:
        errors.append(
            (data.meta_lines.get("slug", 1), f"a lesson with slug {meta['slug']!r} exists")
        )
    if existing and replace and existing.assignments.exists():
        errors.append(
            (data.meta_lines.get("slug", 1), "that lesson is assigned; it cannot be replaced")
        )
    elif existing and replace and existing.later_revisions.exists():
        errors.append(
            (data.meta_lines.get("slug", 1), "that lesson has revisions; it cannot be replaced")
        )
    if errors:
        raise LessonFormatError(errors)
    if existing:
        existing.delete()

    lesson = Lesson.objects.create(
        slug=meta["slug"],
        title=meta["title"],
        author=meta["author"],
        date=data.date,
        place=meta.get("place", ""),
        audience=meta["audience"],
        source=meta.get("source", ""),
        language=meta["language"],
        level=meta.get("level", ""),
        provenance=meta["provenance"],
        introduction=data.introduction,
        introduction_html=render_markdown(data.introduction),
        taxonomy=taxonomy,
        is_published=is_published,
        created_by=created_by,
    )
    prompts, keys = [], []
    for position, item in enumerate(data.segments, start=1):
        html = render_markdown(item.body)
        segment = Segment.objects.create(
            lesson=lesson,
            position=position,
            title=item.title,
            body=item.body,
            body_html=html,
            text=plain_text(html),
        )
        prompts += [
            Prompt(segment=segment, position=n, kind=p.kind, text=p.text)
            for n, p in enumerate(item.prompts, start=1)
        ]
        keys += [
            KeySpan(
                segment=segment,
                position=n,
                technique=techniques[k.technique],
                start=k.start,
                end=k.end,
                quote=k.quote,
                explanation=k.explanation,
            )
            for n, k in enumerate(item.key, start=1)
        ]
    Prompt.objects.bulk_create(prompts)
    KeySpan.objects.bulk_create(keys)
    return lesson


def lesson_to_data(lesson: Lesson) -> LessonData:
    """The inverse of `lesson_import`: what `dump_lesson` writes back to a file."""
    meta = {
        "title": lesson.title,
        "slug": lesson.slug,
        "author": lesson.author,
        "date": lesson.date.isoformat() if lesson.date else "",
        "place": lesson.place,
        "audience": lesson.audience,
        "language": lesson.language,
        "level": lesson.level,
        "taxonomy": lesson.taxonomy.slug,
        "source": lesson.source,
        "provenance": lesson.provenance,
    }
    segments = []
    for segment in lesson.segments.prefetch_related("prompts", "key_spans__technique"):
        segments.append(
            SegmentData(
                title=segment.title,
                body=segment.body,
                prompts=[PromptData(p.kind, p.text) for p in segment.prompts.all()],
                key=[
                    KeyData(k.technique.code, k.quote, 1, k.explanation, k.start, k.end)
                    for k in segment.key_spans.all()
                ],
            )
        )
    return LessonData(meta=meta, introduction=lesson.introduction, segments=segments)


# Assignments ---------------------------------------------------------------------------


def assignment_create(
    *,
    classroom: Classroom,
    lesson: Lesson,
    opens_at=None,
    due_at=None,
    feedback_release: str = Assignment.Release.ON_SUBMIT,
) -> tuple[Assignment, bool]:
    return Assignment.objects.get_or_create(
        classroom=classroom,
        lesson=lesson,
        defaults={"opens_at": opens_at, "due_at": due_at, "feedback_release": feedback_release},
    )


# Students' work ------------------------------------------------------------------------


def submission_for(*, assignment: Assignment, student: User) -> Submission:
    submission, _ = Submission.objects.get_or_create(assignment=assignment, student=student)
    submission.assignment = assignment
    return submission


def _check_open(submission: Submission) -> None:
    if submission.is_submitted:
        raise WorkLocked("You have already handed this lesson in, so it can no longer be changed.")
    if not submission.assignment.accept_late and submission.is_past_due():
        raise WorkLocked(
            "The due date has passed, so this lesson can no longer be changed. "
            "Your saved work is kept; ask your teacher if you need more time."
        )


def submission_move(*, submission: Submission, position: int) -> None:
    """Remember where the student is, so they resume there."""
    if submission.is_submitted:
        return
    fields = {"position": position, "reached": max(submission.reached, position)}
    if (submission.position, submission.reached) != (fields["position"], fields["reached"]):
        Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now(), **fields)
        submission.position, submission.reached = fields["position"], fields["reached"]


def highlight_create(
    *,
    submission: Submission,
    segment: Segment,
    technique: Technique,
    anchor: Anchor,
    note: str = "",
) -> Highlight:
    _check_open(submission)
    duplicate = submission.highlights.filter(
        segment=segment, technique=technique, start=anchor.start, end=anchor.end
    ).exists()
    if duplicate:
        raise DuplicateHighlight(
            f"You have already highlighted “{anchor.quote}” as {technique.name}."
        )
    try:
        with transaction.atomic():
            return Highlight.objects.create(
                submission=submission,
                segment=segment,
                technique=technique,
                start=anchor.start,
                end=anchor.end,
                quote=anchor.quote,
                prefix=anchor.prefix,
                suffix=anchor.suffix,
                note=note,
            )
    except IntegrityError as error:  # a double submit that raced the check above
        raise DuplicateHighlight(
            f"You have already highlighted “{anchor.quote}” as {technique.name}."
        ) from error


def highlight_update(*, highlight: Highlight, technique: Technique, note: str) -> Highlight:
    _check_open(highlight.submission)
    clash = (
        Highlight.objects.filter(
            submission=highlight.submission_id,
            segment=highlight.segment_id,
            technique=technique,
            start=highlight.start,
            end=highlight.end,
        )
        .exclude(pk=highlight.pk)
        .exists()
    )
    if clash:
        raise DuplicateHighlight(
            f"You have already highlighted “{highlight.quote}” as {technique.name}."
        )
    highlight.technique, highlight.note = technique, note
    highlight.save(update_fields=["technique", "note", "updated_at"])
    return highlight


def highlight_delete(*, highlight: Highlight) -> None:
    _check_open(highlight.submission)
    highlight.delete()


def _answer_create(submission: Submission, prompt: Prompt, text: str = "") -> Answer:
    """A new answer; when a concurrent save of the same form (the autosave racing "Save and
    continue") created it first, that one, brought up to date: the last save wins."""
    try:
        with transaction.atomic():
            return Answer.objects.create(submission=submission, prompt=prompt, text=text)
    except IntegrityError:
        answer = Answer.objects.select_for_update().get(submission=submission, prompt=prompt)
        if answer.text != text:
            answer.text = text
            answer.save(update_fields=["text", "updated_at"])
        return answer


@transaction.atomic
def answers_save(
    *,
    submission: Submission,
    texts: dict[Prompt, str],
    choices: dict[Prompt, Iterable[Technique]],
) -> None:
    """Save the answers to a segment's prompts (one Answer per student and prompt)."""
    _check_open(submission)
    existing = {
        a.prompt_id: a
        for a in Answer.objects.select_for_update().filter(
            submission=submission, prompt__in=[*texts, *choices]
        )
    }
    for prompt, text in texts.items():
        answer = existing.get(prompt.pk)
        if answer is None:
            if text:
                _answer_create(submission, prompt, text=text)
        elif answer.text != text:
            answer.text = text
            answer.save(update_fields=["text", "updated_at"])
    for prompt, techniques in choices.items():
        answer = existing.get(prompt.pk)
        chosen = set(techniques)
        if answer is None:
            if not chosen:
                continue
            answer = _answer_create(submission, prompt)
        elif set(answer.techniques.all()) == chosen:
            continue
        else:
            answer.save(update_fields=["updated_at"])
        answer.techniques.set(chosen)
    Submission.objects.filter(pk=submission.pk).update(updated_at=timezone.now())


def submission_submit(*, submission: Submission) -> bool:
    """Hand the work in. Returns False when it had been handed in already (a double submit).
    Raises WorkLocked after the due date when the assignment takes no late work."""
    if not submission.is_submitted:
        _check_open(submission)
    updated = Submission.objects.filter(pk=submission.pk, submitted_at__isnull=True).update(
        submitted_at=timezone.now()
    )
    submission.refresh_from_db(fields=["submitted_at"])
    return bool(updated)


# Feedback and review --------------------------------------------------------------------


def assignment_update(
    *,
    assignment: Assignment,
    opens_at,
    due_at,
    accept_late: bool,
    feedback_release: str,
) -> Assignment:
    assignment.opens_at, assignment.due_at = opens_at, due_at
    assignment.accept_late, assignment.feedback_release = accept_late, feedback_release
    assignment.save(
        update_fields=["opens_at", "due_at", "accept_late", "feedback_release", "updated_at"]
    )
    return assignment


def feedback_release(*, assignment: Assignment) -> bool:
    """Release feedback now (for manual release). False if it was released already."""
    updated = Assignment.objects.filter(pk=assignment.pk, feedback_released_at__isnull=True).update(
        feedback_release=Assignment.Release.MANUAL,
        feedback_released_at=timezone.now(),
        updated_at=timezone.now(),
    )
    assignment.refresh_from_db(fields=["feedback_release", "feedback_released_at"])
    return bool(updated)


def submission_extend(*, assignment: Assignment, student: User, due_at) -> Submission:
    """A later due date for one student (None takes the extension away)."""
    submission = submission_for(assignment=assignment, student=student)
    submission.extended_due_at = due_at
    submission.save(update_fields=["extended_due_at", "updated_at"])
    return submission


def review_save(
    *,
    submission: Submission,
    reviewer: User,
    comment: str,
    score: int | None,
    prompt: Prompt | None = None,
    key_span: KeySpan | None = None,
    reviewed: bool = True,
) -> Review:
    """Create or update the teacher's review of one answer, one key span, or the whole work."""
    with transaction.atomic():
        review, _ = Review.objects.select_for_update().get_or_create(
            submission=submission, prompt=prompt, key_span=key_span
        )
        review.comment, review.score, review.reviewer = comment, score, reviewer
        review.reviewed_at = timezone.now() if reviewed else None
        review.save()
    return review


# Library: duplicate and publish ---------------------------------------------------------


class LessonActionRefused(Exception):
    """A lesson action that cannot be carried out; the message is for the teacher."""

    status = 400


def _copy_slug(slug: str) -> str:
    max_length = Lesson._meta.get_field("slug").max_length
    base = f"{slug}-copy"
    candidate, n = base, 1
    while Lesson.objects.filter(slug=candidate[:max_length]).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate[:max_length]


@transaction.atomic
def lesson_duplicate(*, lesson: Lesson, by: User) -> Lesson:
    """A draft copy of `lesson` owned by `by`: its segments, prompts and key spans exactly."""
    title_length = Lesson._meta.get_field("title").max_length
    suffix = " (copy)"
    data = lesson_to_data(lesson)
    data.meta["slug"] = _copy_slug(lesson.slug)
    data.meta["title"] = lesson.title[: title_length - len(suffix)] + suffix
    return lesson_import(data=data, created_by=by, is_published=False)


def lesson_set_published(*, lesson: Lesson, published: bool) -> Lesson:
    """Publish or unpublish (see lessons/revisions.py: a published lesson is never changed,
    and an assigned one cannot go back to being a draft)."""
    from .revisions import RevisionRefused, lesson_publish, lesson_unpublish

    try:
        if published:
            return lesson_publish(lesson=lesson)
        return lesson_unpublish(lesson=lesson)
    except RevisionRefused as refusal:
        raise LessonActionRefused(str(refusal)) from refusal

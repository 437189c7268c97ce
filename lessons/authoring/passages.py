"""Writes of the passage editor: a passage's text, its prompts and its answer key.

Every write locks the lesson row and calls `revisions.check_editable` inside its
transaction, so a lesson published in another tab is never changed (lessons/revisions.py).
A changed text carries its key spans along by their words and context
(`anchoring.reanchor`); a key span that cannot be placed with confidence is never moved to
other words: the change is refused, listing it, until the author agrees to remove it.
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from core.refusals import Refusal
from lessons.library.anchoring import Anchor, Unplaceable, anchor_at, reanchor
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Technique
from lessons.library.rendering import plain_text, render_markdown
from lessons.library.services import RevisionRefused, check_editable

# Prompts move out of the way before they are numbered again: the unique (segment,
# position) constraint is checked row by row on PostgreSQL, so 1..n must not be written
# over positions still taken.
POSITION_OFFSET = 10_000


class EditRefused(Refusal):
    """An authoring write that cannot be carried out; the message is for the author."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class UnplacedKey:
    key: KeySpan
    reason: str


class KeysUnplaced(EditRefused):
    """The new text leaves these key spans without their words: nothing was saved."""

    def __init__(self, unplaced: list[UnplacedKey]):
        count = len(unplaced)
        super().__init__(
            f"{count} key span{'s' if count != 1 else ''} would no longer fit the changed "
            "text, so nothing is saved yet. Change the text so the words are there again, "
            "or remove these key spans."
        )
        self.unplaced = unplaced


def _gone(what: str) -> EditRefused:
    return EditRefused(f"That {what} is no longer in this passage: it was removed.", status=404)


def _lock_draft(lesson_id: int) -> Lesson:
    """Lock the lesson for this write, refusing unless it is still a draft."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson_id)
    try:
        check_editable(lesson)
    except RevisionRefused as refusal:
        raise EditRefused(str(refusal), status=409) from refusal
    Lesson.objects.filter(pk=lesson.pk).update(updated_at=timezone.now())
    return lesson


# The passage's text ---------------------------------------------------------------------


def _shared(a: str, b: str) -> int:
    """How many characters `a` and `b` have in common from their start."""
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


def _context_agreement(old: Anchor, new: Anchor) -> int:
    """How many characters of context next to the words are still the same."""
    return _shared(old.prefix[::-1], new.prefix[::-1]) + _shared(old.suffix, new.suffix)


def place_keys(
    keys: list[KeySpan], old_text: str, new_text: str
) -> tuple[list[tuple[KeySpan, Anchor]], list[UnplacedKey]]:
    """Where each key span's words are in the new text, or why they cannot be placed. Two
    key spans with one technique on the same words would be one: the one whose context
    agrees better keeps them, the other is listed."""
    placed: dict[tuple[int, int, int], tuple[KeySpan, Anchor, int]] = {}
    unplaced: list[UnplacedKey] = []
    for key in keys:
        old = anchor_at(old_text, key.start, key.end)
        try:
            anchor = reanchor(
                key.quote, old.prefix, old.suffix, [new_text], old_text=old_text
            ).anchor
        except Unplaceable as problem:
            unplaced.append(UnplacedKey(key, str(problem)))
            continue
        agreement = _context_agreement(old, anchor)
        spot = (key.technique_id, anchor.start, anchor.end)
        rival = placed.get(spot)
        if rival is None or agreement > rival[2]:
            if rival is not None:
                unplaced.append(UnplacedKey(rival[0], "its words are now another key span's"))
            placed[spot] = (key, anchor, agreement)
        else:
            unplaced.append(UnplacedKey(key, "its words are now another key span's"))
    return [(key, anchor) for key, anchor, _ in placed.values()], unplaced


@dataclass
class SegmentSaved:
    segment: Segment
    moved: int  # key spans still on their words, at other offsets
    removed: list[UnplacedKey]


@transaction.atomic
def segment_update(
    *, segment: Segment, title: str, body: str, remove: Collection[int] = ()
) -> SegmentSaved:
    """Save the passage's title and Markdown text. Key spans follow their words into the
    new text; those that cannot are removed only when their ids are in `remove` (what the
    author saw listed and agreed to), otherwise KeysUnplaced lists them and nothing is saved."""
    _lock_draft(segment.lesson_id)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if body == segment.body:
        segment.title = title
        segment.save(update_fields=["title", "updated_at"])
        return SegmentSaved(segment, 0, [])
    html = render_markdown(body)
    text = plain_text(html)
    keys = list(segment.key_spans.select_related("technique").order_by("position", "pk"))
    placed, unplaced = place_keys(keys, segment.text, text)
    if any(item.key.pk not in remove for item in unplaced):
        raise KeysUnplaced(unplaced)
    KeySpan.objects.filter(pk__in=[item.key.pk for item in unplaced]).delete()
    moved = []
    for key, anchor in placed:
        if (key.start, key.end) != (anchor.start, anchor.end):
            key.start, key.end = anchor.start, anchor.end
            moved.append(key)
    KeySpan.objects.bulk_update(moved, ["start", "end"])
    segment.title, segment.body, segment.body_html, segment.text = title, body, html, text
    segment.save(update_fields=["title", "body", "body_html", "text", "updated_at"])
    return SegmentSaved(segment, len(moved), unplaced)


# The answer key -------------------------------------------------------------------------


def _check_key(segment: Segment, technique: Technique, quote: str) -> None:
    if technique.taxonomy_id != segment.lesson.taxonomy_id:
        raise EditRefused("Choose a technique from this lesson's list.")
    if "\n" in quote:
        raise EditRefused(
            "A key span stays within one paragraph (the lesson file keeps each on one line). "
            "Mark the words in each paragraph separately."
        )


def _duplicate(technique: Technique, quote: str) -> EditRefused:
    return EditRefused(f"“{quote}” is already in the key as {technique.name}.", status=409)


@transaction.atomic
def key_span_create(
    *, segment: Segment, technique: Technique, anchor: Anchor, explanation: str
) -> KeySpan:
    _lock_draft(segment.lesson_id)
    _check_key(segment, technique, anchor.quote)
    keys = segment.key_spans.all()
    if keys.filter(technique=technique, start=anchor.start, end=anchor.end).exists():
        raise _duplicate(technique, anchor.quote)
    last = keys.aggregate(n=Max("position"))["n"] or 0
    return KeySpan.objects.create(
        segment=segment,
        position=last + 1,
        technique=technique,
        start=anchor.start,
        end=anchor.end,
        quote=anchor.quote,
        explanation=explanation,
    )


@transaction.atomic
def key_span_update(*, key_span: KeySpan, technique: Technique, explanation: str) -> KeySpan:
    """Change the technique and explanation; the words stay (remove and add to change them)."""
    _lock_draft(key_span.segment.lesson_id)
    if not KeySpan.objects.filter(pk=key_span.pk).exists():
        raise _gone("key span")
    _check_key(key_span.segment, technique, key_span.quote)
    clash = (
        KeySpan.objects.filter(
            segment=key_span.segment_id,
            technique=technique,
            start=key_span.start,
            end=key_span.end,
        )
        .exclude(pk=key_span.pk)
        .exists()
    )
    if clash:
        raise _duplicate(technique, key_span.quote)
    key_span.technique, key_span.explanation = technique, explanation
    key_span.save(update_fields=["technique", "explanation", "updated_at"])
    return key_span


@transaction.atomic
def key_span_delete(*, key_span: KeySpan) -> None:
    _lock_draft(key_span.segment.lesson_id)
    if not KeySpan.objects.filter(pk=key_span.pk).delete()[0]:
        raise _gone("key span")


# Prompts --------------------------------------------------------------------------------


def _renumber(segment: Segment, prompts: list[Prompt]) -> None:
    """Give `prompts` (all of the passage's, in their new order) the positions 1..n."""
    Prompt.objects.filter(segment=segment).update(position=F("position") + POSITION_OFFSET)
    for number, prompt in enumerate(prompts, start=1):
        prompt.position = number
    Prompt.objects.bulk_update(prompts, ["position"])


@transaction.atomic
def prompt_create(*, segment: Segment, kind: str, text: str) -> Prompt:
    _lock_draft(segment.lesson_id)
    prompts = segment.prompts.all()
    if prompts.filter(kind=kind, text=text).exists():
        raise EditRefused("This passage already has that prompt.", status=409)
    last = prompts.aggregate(n=Max("position"))["n"] or 0
    return Prompt.objects.create(segment=segment, position=last + 1, kind=kind, text=text)


@transaction.atomic
def prompt_update(*, prompt: Prompt, kind: str, text: str) -> Prompt:
    """Change a prompt in place: it keeps its identity (uid) across revisions."""
    _lock_draft(prompt.segment.lesson_id)
    if not Prompt.objects.filter(pk=prompt.pk).exists():
        raise _gone("prompt")
    clash = (
        Prompt.objects.filter(segment=prompt.segment_id, kind=kind, text=text)
        .exclude(pk=prompt.pk)
        .exists()
    )
    if clash:
        raise EditRefused("This passage already has that prompt.", status=409)
    prompt.kind, prompt.text = kind, text
    prompt.save(update_fields=["kind", "text", "updated_at"])
    return prompt


@transaction.atomic
def prompt_delete(*, prompt: Prompt) -> None:
    segment = prompt.segment
    _lock_draft(segment.lesson_id)
    if not Prompt.objects.filter(pk=prompt.pk).delete()[0]:
        raise _gone("prompt")
    _renumber(segment, list(segment.prompts.order_by("position", "pk")))


@transaction.atomic
def prompt_move(*, prompt: Prompt, direction: str) -> int:
    """Move a prompt one place up or down; returns its new position."""
    segment = prompt.segment
    _lock_draft(segment.lesson_id)
    prompts = list(segment.prompts.order_by("position", "pk"))
    index = next((i for i, p in enumerate(prompts) if p.pk == prompt.pk), None)
    if index is None:
        raise _gone("prompt")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(prompts):
        raise EditRefused(f"This prompt is already the {'first' if other < 0 else 'last'}.")
    prompts[index], prompts[other] = prompts[other], prompts[index]
    _renumber(segment, prompts)
    return other + 1

"""Writing a lesson in the browser: create it from pasted text, change its details, and
reshape its passages (split, merge, move, add, delete); import lesson files as drafts.

Every write here changes a DRAFT only (`revisions.check_editable`): students work on
published revisions, which are never changed. Reshaping passages keeps every key span on the
same words: each is re-placed with `anchoring.reanchor` by its quote and the words around
it, and the operation is refused, changing nothing, if one cannot be placed.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max
from django.utils.text import slugify

from core.models import User
from core.refusals import Refusal
from lessons.library.anchoring import Anchor, Unplaceable, anchor_at, reanchor
from lessons.library.bundles import LessonFile
from lessons.library.corpus import markdown_for
from lessons.library.corpus import paragraphs as corpus_paragraphs
from lessons.library.lessonfile import LessonFormatError, parse_lesson
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Taxonomy
from lessons.library.rendering import plain_text, render_markdown
from lessons.library.services import RevisionRefused, check_editable, lesson_import

MAX_PASTED_TEXT = 200_000  # characters of text pasted to make a lesson
MAX_INTRODUCTION = 20_000
MAX_PREVIEW = 50_000  # characters of Markdown one preview renders
MAX_PASSAGES = 400
SHORT_PARAGRAPH = 60  # a paragraph shorter than this (a dateline, a salutation) joins the next
SLUG_LENGTH = Lesson._meta.get_field("slug").max_length
TITLE_LENGTH = Segment._meta.get_field("title").max_length
HEADING_RE = re.compile(r"^#{1,6}[ \t]+(?P<title>.*?)[ \t#]*$")
_SHIFT = 10_000  # above any position (MAX_PASSAGES): a parking place while renumbering


class AuthoringRefused(RevisionRefused):
    """An authoring action that cannot be carried out; the message is for the author."""

    status = 400


class StaleForm(AuthoringRefused):
    """The page was out of date (another tab, a double submit): nothing was changed."""

    status = 409


# Proposing passages from pasted text -----------------------------------------------------


@dataclass
class Passage:
    title: str
    body: str


def paragraphs_of(body: str) -> list[str]:
    """The paragraphs of a passage's Markdown: runs of lines between blank lines."""
    return [body[p.start : p.end] for p in corpus_paragraphs(body)]


def _heading(paragraph: str) -> tuple[str, str] | None:
    """(title, rest) when the paragraph starts with a Markdown heading `# ...`."""
    first, _, rest = paragraph.partition("\n")
    match = HEADING_RE.match(first)
    if not match:
        return None
    return match["title"].strip()[:TITLE_LENGTH], rest.strip("\n")


def propose_passages(text: str, *, markdown: bool) -> list[Passage]:
    """Cut pasted text into passages: one paragraph (blank-line separated) per passage; in
    Markdown a heading `# ...` starts a passage and becomes its title; a paragraph shorter
    than SHORT_PARAGRAPH characters joins the paragraph after it (at the end of a section,
    the one before). Plain text is escaped so that it shows exactly as pasted; raises
    LessonFormatError, with the line, for a paragraph that cannot be shown as written."""
    errors: list[tuple[int, str]] = []
    sections: list[tuple[str, list[str]]] = [("", [])]
    for found in corpus_paragraphs(text):
        paragraph = text[found.start : found.end]
        if markdown:
            heading = _heading(paragraph)
            if heading:
                title, paragraph = heading
                if sections[-1][1] or not sections[-1][0]:
                    sections.append((title, []))
                else:  # two headings in a row: one passage, both titles
                    sections[-1] = (f"{sections[-1][0]}: {title}"[:TITLE_LENGTH], [])
                if not paragraph.strip():
                    continue
        else:
            escaped = markdown_for(paragraph)
            if escaped is None:
                errors.append((found.line, "this paragraph cannot be shown exactly as written"))
                continue
            paragraph = escaped
        sections[-1][1].append(paragraph)
    if errors:
        raise LessonFormatError(errors)
    passages: list[Passage] = []
    for title, paragraphs in sections:
        grouped: list[list[str]] = []
        waiting: list[str] = []
        for paragraph in paragraphs:
            waiting.append(paragraph)
            if len(plain_text(render_markdown(paragraph)).strip()) >= SHORT_PARAGRAPH:
                grouped.append(waiting)
                waiting = []
        if waiting:
            if grouped:
                grouped[-1] += waiting
            else:
                grouped.append(waiting)
        for index, group in enumerate(grouped):
            passages.append(Passage(title if index == 0 else "", "\n\n".join(group)))
        if title and not grouped:
            passages.append(Passage(title, ""))
    return [p for p in passages if p.body.strip() or p.title]


# Creating and describing a lesson --------------------------------------------------------

DETAIL_FIELDS = (
    "title", "author", "date", "place", "audience", "source", "language", "level",
    "provenance", "introduction",
)  # fmt: skip


def clean_slug(value: str) -> str:
    """A slug the lesson file format accepts (a-z, 0-9, single hyphens), or ""."""
    value = slugify(value).replace("_", "-")
    value = re.sub(r"-{2,}", "-", value).strip("-")
    return value[:SLUG_LENGTH].rstrip("-")


def slug_taken(slug: str, *, lesson: Lesson | None = None) -> bool:
    """Whether another lesson (any revision of another lineage) uses this slug."""
    others = Lesson.objects.filter(slug=slug)
    if lesson is not None:
        others = others.exclude(pk=lesson.lineage_id).exclude(root_id=lesson.lineage_id)
    return others.exists()


def unique_slug(title: str) -> str:
    """A free slug from the title: `slugify`, then -2, -3 ... while it is taken."""
    base = clean_slug(title) or "lesson"
    candidate, n = base, 1
    while slug_taken(candidate):
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
    return candidate


def _segment(lesson: Lesson, position: int, title: str, body: str, **extra) -> Segment:
    html = render_markdown(body)
    return Segment(
        lesson=lesson,
        position=position,
        title=title,
        body=body,
        body_html=html,
        text=plain_text(html),
        **extra,
    )


@transaction.atomic
def lesson_create(
    *,
    by: User,
    slug: str,
    taxonomy: Taxonomy,
    details: dict,
    passages: list[Passage],
) -> Lesson:
    """A new draft lesson of `by` with these passages. `details` holds DETAIL_FIELDS; an
    empty slug is made from the title."""
    if not passages:
        raise AuthoringRefused("Paste the text of the lesson: it has no paragraph yet.")
    if len(passages) > MAX_PASSAGES:
        raise AuthoringRefused(
            f"That makes {len(passages)} passages; a lesson has at most {MAX_PASSAGES}. "
            "Paste a shorter text, or fewer, longer paragraphs."
        )
    if slug and slug_taken(slug):
        raise AuthoringRefused(f"Another lesson already uses the address {slug!r}.")
    values = {name: details.get(name) or "" for name in DETAIL_FIELDS}
    values["date"] = details.get("date") or None
    lesson = Lesson.objects.create(
        slug=slug or unique_slug(values["title"]),
        taxonomy=taxonomy,
        introduction_html=render_markdown(values["introduction"]),
        is_published=False,
        created_by=by,
        **values,
    )
    Segment.objects.bulk_create(
        _segment(lesson, n, p.title, p.body) for n, p in enumerate(passages, start=1)
    )
    return lesson


def taxonomy_lock(lesson: Lesson) -> str:
    """Why the lesson's taxonomy cannot change now ("" when it can)."""
    if lesson.revision > 1:
        return (
            "Earlier revisions use this list, and classes move from one revision to the "
            "next with their highlights: a new revision keeps the list of techniques."
        )
    if KeySpan.objects.filter(segment__lesson=lesson).exists():
        return (
            "The answer key already names techniques from this list. Delete the key spans "
            "first to choose another list."
        )
    return ""


def slug_lock(lesson: Lesson) -> str:
    """Why the lesson's address cannot change now ("" when it can)."""
    if lesson.revision > 1:
        return "Every revision of a lesson keeps the address of the first."
    return ""


@transaction.atomic
def lesson_update_details(
    *, lesson: Lesson, details: dict, slug: str | None = None, taxonomy: Taxonomy | None = None
) -> Lesson:
    """Change a draft's details; `slug` and `taxonomy` (None: unchanged) only while they
    may change (`slug_lock`, `taxonomy_lock`)."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    check_editable(lesson)
    if slug is not None and slug != lesson.slug:
        if slug_lock(lesson):
            raise AuthoringRefused(slug_lock(lesson))
        if slug_taken(slug, lesson=lesson):
            raise AuthoringRefused(f"Another lesson already uses the address {slug!r}.")
        lesson.slug = slug
    if taxonomy is not None and taxonomy.pk != lesson.taxonomy_id:
        if taxonomy_lock(lesson):
            raise AuthoringRefused(taxonomy_lock(lesson))
        lesson.taxonomy = taxonomy
    for name in DETAIL_FIELDS:
        if name in details:
            setattr(lesson, name, details[name] or ("" if name != "date" else None))
    lesson.introduction_html = render_markdown(lesson.introduction)
    lesson.save()
    return lesson


@transaction.atomic
def lesson_delete(*, lesson: Lesson) -> None:
    """Delete a draft with its passages, prompts and key (published revisions stay)."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    check_editable(lesson)
    if lesson.assignments.exists() or lesson.later_revisions.exists():
        raise AuthoringRefused("Other revisions or classes depend on this lesson; it stays.")
    lesson.delete()


# Reshaping passages ----------------------------------------------------------------------


def _locked(lesson: Lesson) -> Lesson:
    locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
    check_editable(locked)
    return locked


def _passage(lesson: Lesson, position: int, uid: str | None) -> Segment:
    """The passage at `position`; with `uid` (sent by the page), it must be that passage."""
    segment = Segment.objects.filter(lesson=lesson, position=position).first()
    if segment is None:
        raise AuthoringRefused(f"This lesson has no passage {position}.")
    if uid and str(segment.uid) != uid:
        raise StaleForm(
            "The passages changed since this page was loaded, so nothing was done. "
            "Here is the lesson as it is now."
        )
    return segment


def _shift(lesson: Lesson, after: int, by: int) -> None:
    """Move every passage after position `after` by `by` places. Positions are unique at
    every moment (databases check row by row), so they go through a parking place first."""
    Segment.objects.filter(lesson=lesson, position__gt=after).update(
        position=F("position") + _SHIFT
    )
    Segment.objects.filter(lesson=lesson, position__gt=_SHIFT).update(
        position=F("position") - _SHIFT + by
    )


def _replace_keys(keys: list[KeySpan], texts: list[str], contexts: list[Anchor]) -> list[int]:
    """Re-place each key span (its words, with `contexts[i]`'s prefix and suffix) in `texts`:
    sets start, end and quote; returns the index of the text each went to. Raises
    AuthoringRefused, changing nothing, when one cannot be placed with confidence."""
    where = []
    for key, context in zip(keys, contexts, strict=True):
        try:
            place = reanchor(key.quote, context.prefix, context.suffix, texts)
        except Unplaceable as problem:
            raise AuthoringRefused(
                f"The key span “{key.quote}” could not be kept on the same words ({problem}), "
                "so nothing was changed. Edit or delete that key span first."
            ) from problem
        key.start, key.end, key.quote = place.anchor.start, place.anchor.end, place.anchor.quote
        where.append(place.index)
    return where


@transaction.atomic
def segment_split(
    *, lesson: Lesson, position: int, paragraph: int, uid: str | None = None
) -> tuple[Segment, Segment]:
    """Split passage `position` after its paragraph `paragraph` (from 1). The first part
    keeps the passage's identity and its prompts; the second part is a new passage. Each
    key span goes with its words."""
    lesson = _locked(lesson)
    segment = _passage(lesson, position, uid)
    parts = paragraphs_of(segment.body)
    if len(parts) < 2:
        raise AuthoringRefused(
            f"Passage {position} has one paragraph, so it cannot be split. Edit its text to "
            "put a blank line where it should be cut."
        )
    if not 1 <= paragraph < len(parts):
        raise AuthoringRefused(
            f"Passage {position} has {len(parts)} paragraphs: split it after paragraph 1 to "
            f"{len(parts) - 1}."
        )
    if lesson.segments.count() >= MAX_PASSAGES:
        raise AuthoringRefused(f"A lesson has at most {MAX_PASSAGES} passages.")
    first = _segment(lesson, position, segment.title, "\n\n".join(parts[:paragraph]))
    second = _segment(lesson, position + 1, "", "\n\n".join(parts[paragraph:]))
    keys = list(segment.key_spans.order_by("position", "pk"))
    old = segment.text
    # The context of each key span, cut at the new passage edge when the texts line up
    # (the words beyond it now belong to the other passage, as an edge agrees with anything).
    cut = len(first.text)
    rest = len(old) - len(second.text)
    lined_up = (
        old.startswith(first.text) and old.endswith(second.text) and not old[cut:rest].strip()
    )
    contexts = []
    for key in keys:
        if lined_up and key.end <= cut:
            contexts.append(anchor_at(old[:cut], key.start, key.end))
        elif lined_up and key.start >= rest:
            contexts.append(anchor_at(old[rest:], key.start - rest, key.end - rest))
        elif lined_up:
            raise AuthoringRefused(
                f"The key span “{key.quote}” runs across that paragraph break, so the passage "
                "was not split there. Edit or delete that key span first."
            )
        else:
            contexts.append(anchor_at(old, key.start, key.end))
    where = _replace_keys(keys, [first.text, second.text], contexts)
    _shift(lesson, position, 1)
    second.save()
    segment.title, segment.body, segment.body_html, segment.text = (
        first.title,
        first.body,
        first.body_html,
        first.text,
    )
    segment.save(update_fields=["title", "body", "body_html", "text", "updated_at"])
    counters = [0, 0]
    for key, index in zip(keys, where, strict=True):
        counters[index] += 1
        key.segment = segment if index == 0 else second
        key.position = counters[index]
    KeySpan.objects.bulk_update(keys, ["segment", "start", "end", "quote", "position"])
    return segment, second


@transaction.atomic
def segment_merge(*, lesson: Lesson, position: int, uid: str | None = None) -> Segment:
    """Join passage `position` and the next one: the texts join, the prompts and key spans
    of the second follow those of the first, and the passage keeps the first's identity."""
    lesson = _locked(lesson)
    segment = _passage(lesson, position, uid)
    following = Segment.objects.filter(lesson=lesson, position=position + 1).first()
    if following is None:
        raise AuthoringRefused(
            f"Passage {position} is the last one: there is no next passage to merge it with."
        )
    body = "\n\n".join(b.strip("\n") for b in (segment.body, following.body) if b.strip())
    merged = _segment(lesson, position, segment.title or following.title, body)
    keys = list(segment.key_spans.order_by("position", "pk"))
    keys += list(following.key_spans.order_by("position", "pk"))
    texts = {segment.pk: segment.text, following.pk: following.text}
    contexts = [anchor_at(texts[key.segment_id], key.start, key.end) for key in keys]
    _replace_keys(keys, [merged.text], contexts)
    for n, key in enumerate(keys, start=1):
        key.segment, key.position = segment, n
    KeySpan.objects.bulk_update(keys, ["segment", "start", "end", "quote", "position"])
    prompts = list(following.prompts.order_by("position"))
    last = segment.prompts.aggregate(n=Max("position"))["n"] or 0
    for n, prompt in enumerate(prompts, start=last + 1):
        prompt.segment, prompt.position = segment, n
    Prompt.objects.bulk_update(prompts, ["segment", "position"])
    following.delete()
    segment.title, segment.body, segment.body_html, segment.text = (
        merged.title,
        merged.body,
        merged.body_html,
        merged.text,
    )
    segment.save(update_fields=["title", "body", "body_html", "text", "updated_at"])
    _shift(lesson, position + 1, -1)
    return segment


@transaction.atomic
def segment_move(
    *, lesson: Lesson, position: int, direction: str, uid: str | None = None
) -> Segment:
    """Swap passage `position` with the one before ("up") or after ("down") it."""
    if direction not in ("up", "down"):
        raise AuthoringRefused("Move a passage up or down.")
    lesson = _locked(lesson)
    segment = _passage(lesson, position, uid)
    other_position = position - 1 if direction == "up" else position + 1
    other = Segment.objects.filter(lesson=lesson, position=other_position).first()
    if other is None:
        where = "first" if direction == "up" else "last"
        raise AuthoringRefused(
            f"Passage {position} is the {where} one: it cannot move {direction}."
        )
    Segment.objects.filter(pk=segment.pk).update(position=_SHIFT)
    Segment.objects.filter(pk=other.pk).update(position=position)
    Segment.objects.filter(pk=segment.pk).update(position=other_position)
    segment.position = other_position
    return segment


@transaction.atomic
def segment_delete(*, lesson: Lesson, position: int, uid: str | None = None) -> None:
    """Delete a passage with its prompts and key spans; the later ones move up."""
    lesson = _locked(lesson)
    segment = _passage(lesson, position, uid)
    segment.delete()
    _shift(lesson, position, -1)


@transaction.atomic
def segment_add(*, lesson: Lesson, title: str = "", body: str = "") -> Segment:
    """Append a passage (empty, or with this Markdown) at the end of the lesson."""
    lesson = _locked(lesson)
    last = lesson.segments.aggregate(n=Max("position"))["n"] or 0
    if last >= MAX_PASSAGES:
        raise AuthoringRefused(f"A lesson has at most {MAX_PASSAGES} passages.")
    segment = _segment(lesson, last + 1, title, body)
    segment.save()
    return segment


# Importing lesson files --------------------------------------------------------------------


class ImportProblems(Refusal):
    """Problems in uploaded lesson files, as (file, line, message); nothing was imported."""

    status = 400

    def __init__(self, problems: list[tuple[str, int, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{f}:{line}: {m}" for f, line, m in problems))


class _Undo(Exception):
    pass


def lessons_import(*, files: list[LessonFile], by: User, check_only: bool = False) -> list[Lesson]:
    """Import lesson files as drafts of `by`: all of them, or none (ImportProblems lists
    every problem of every file, with its line). `check_only` imports nothing in any case,
    to report the problems of files that came with others that could not be read."""
    problems: list[tuple[str, int, str]] = []
    lessons: list[Lesson] = []
    try:
        with transaction.atomic():
            for file in files:
                try:
                    data = parse_lesson(file.text)
                    lessons.append(lesson_import(data=data, created_by=by, is_published=False))
                except LessonFormatError as error:
                    problems += [(file.name, line, message) for line, message in error.errors]
            if problems or check_only:
                raise _Undo
    except _Undo:
        if problems:
            raise ImportProblems(problems) from None
        return []
    return lessons

"""Writing a lesson in the browser: create it from pasted text, change its details, reshape
its passages (split, merge, move, add, delete), edit a passage's text, prompts and answer
key; import lesson files and corpus articles as drafts.

Every write here changes a DRAFT only (`library.services.check_editable`, inside the write's
transaction, after locking the lesson row): students work on published revisions, which are
never changed. Everything refused is a `Refusal`.

The editor knows what it does to a passage's text, so nothing is found again by searching
for the same words. Every write that changes the text (edit, split, merge) makes an edit map
(`textmap.follow`: the new text's characters back to the old text's) and with it:

- keeps each passage's `origin`, the map back to the passages of the revision the draft was
  copied from (`library.textmap`), in the same transaction, so that moving a class to the
  new revision puts each highlight where its own characters went (`library.selectors.
  revision_maps`). A passage without one (a first revision, an imported lesson) stays
  without; a passage the author adds to a later revision has an empty one (all new);
- moves each key span of the draft onto its own characters. One whose characters did not
  survive together is never put on the same words elsewhere: reshaping passages is refused,
  changing nothing; a changed text lists it (`KeysUnplaced`) until the author agrees to
  remove it.
"""

import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.core.files import File
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop, ngettext

from core.models import User
from core.refusals import Refusal
from lessons.library import bundles
from lessons.library.anchoring import Anchor, anchor_at
from lessons.library.bundles import LessonFile
from lessons.library.corpus import (
    ARTICLE,
    LABELS,
    TAXONOMY,
    CorpusFormatError,
    Paragraph,
    article_id_from_name,
    article_to_lesson,
    markdown_for,
    pieces_of,
    readable_groups,
    stretches,
)
from lessons.library.corpus import paragraphs as corpus_paragraphs
from lessons.library.lessonfile import LessonData, LessonFormatError, parse_lesson
from lessons.library.models import KeySpan, Lesson, Prompt, Segment, Taxonomy, Technique
from lessons.library.problems import translated
from lessons.library.rendering import plain_text, render_markdown
from lessons.library.services import (
    check_editable,
    field_max_length,
    lesson_import,
    shorten_slug,
    suffixed_slug,
)
from lessons.library.signals import draft_changed
from lessons.library.textmap import TextMap, follow, follow_parts

logger = logging.getLogger(__name__)

MAX_PASTED_TEXT = 200_000  # characters of text pasted to make a lesson
MAX_INTRODUCTION = 20_000
MAX_PREVIEW = 50_000  # characters of Markdown one preview renders
MAX_PASSAGES = 400
SLUG_LENGTH = field_max_length(Lesson, "slug")
TITLE_LENGTH = field_max_length(Segment, "title")
HEADING_RE = re.compile(r"^#{1,6}[ \t]+(?P<title>.*?)[ \t#]*$")
# Positions are unique at every moment (PostgreSQL checks row by row), so passages and
# prompts being renumbered are parked above any position first.
_SHIFT = 10_000


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


def _sections(text: str, *, markdown: bool) -> list[tuple[str, list[Paragraph]]]:
    """The text's paragraphs by section: in Markdown a heading `# ...` starts a section and
    names it (two headings in a row name one section), and is not part of a paragraph."""
    sections: list[tuple[str, list[Paragraph]]] = [("", [])]
    for found in corpus_paragraphs(text):
        paragraph = found
        heading = _heading(text[found.start : found.end]) if markdown else None
        if heading:
            title, _ = heading
            if sections[-1][1] or not sections[-1][0]:
                sections.append((title, []))
            else:  # two headings in a row: one passage, both titles
                sections[-1] = (f"{sections[-1][0]}: {title}"[:TITLE_LENGTH], [])
            line_end = text.find("\n", found.start, found.end)
            if line_end < 0 or not text[line_end : found.end].strip():
                continue
            paragraph = Paragraph(line_end + 1, found.end, found.line + 1)
        sections[-1][1].append(paragraph)
    return sections


def propose_passages(text: str, *, markdown: bool) -> list[Passage]:
    """Cut pasted text into passages of a readable length (`library.corpus.readable_groups`:
    about MIN_WORDS to MAX_WORDS words), between paragraphs (blank-line separated) where it
    can, else between sentences. In Markdown a heading `# ...` starts a passage and becomes
    its title. Plain text is escaped so that it shows exactly as pasted; raises
    LessonFormatError, with the line, for a paragraph that cannot be shown as written."""
    errors: set[tuple[int, str]] = set()
    passages: list[Passage] = []
    for title, paragraphs in _sections(text, markdown=markdown):
        pieces = pieces_of(text, [(p.start, p.end) for p in paragraphs])
        for index, group in enumerate(readable_groups([piece.words for piece in pieces])):
            parts = []
            for start, end, block in stretches(pieces, group):
                part = text[start:end] if markdown else markdown_for(text[start:end])
                if part is None:
                    line = paragraphs[block].line
                    errors.add((line, gettext("this paragraph cannot be shown exactly as written")))
                parts.append(part or "")
            passages.append(Passage(title if index == 0 else "", "\n\n".join(parts)))
        if title and not pieces:
            passages.append(Passage(title, ""))
    if errors:
        raise LessonFormatError(list(errors))
    return [p for p in passages if p.body.strip() or p.title]


# Creating and describing a lesson --------------------------------------------------------

DETAIL_FIELDS = (
    "title", "author", "date", "place", "audience", "source", "language", "level",
    "provenance", "introduction",
)  # fmt: skip


def clean_slug(value: str) -> str:
    """A slug the lesson file format accepts (a-z, 0-9, single hyphens), or "": at most
    SLUG_LENGTH characters, cut between words."""
    value = slugify(value).replace("_", "-")
    value = re.sub(r"-{2,}", "-", value).strip("-")
    return shorten_slug(value, SLUG_LENGTH)


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
        candidate = suffixed_slug(base, f"-{n}", SLUG_LENGTH)
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
    text: str,
    markdown: bool,
) -> Lesson:
    """A new draft lesson of `by`, its passages proposed from the pasted `text`
    (`propose_passages`). `details` holds DETAIL_FIELDS; an empty slug is made from the
    title. A text that cannot be shown as written is refused about the field `text`."""
    try:
        passages = propose_passages(text, markdown=markdown)
    except LessonFormatError as error:
        raise Refusal(
            " ".join(
                gettext("Line %(line)s of the text: %(message)s.")
                % {"line": line, "message": message}
                for line, message in error.errors
            ),
            field="text",
        ) from error
    if not passages:
        raise Refusal(gettext("Paste the text of the lesson: it has no paragraph yet."))
    if len(passages) > MAX_PASSAGES:
        raise Refusal(
            gettext(
                "That makes %(count)s passages; a lesson has at most %(limit)s. Paste a shorter "
                "text, or fewer, longer paragraphs."
            )
            % {"count": len(passages), "limit": MAX_PASSAGES}
        )
    if slug and slug_taken(slug):
        raise Refusal(
            gettext("Another lesson already uses the address “%(slug)s”.") % {"slug": slug}
        )
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
        return gettext(
            "Earlier revisions use this list, and classes move from one revision to the "
            "next with their highlights: a new revision keeps the list of techniques."
        )
    if KeySpan.objects.filter(segment__lesson=lesson).exists():
        return gettext(
            "The answer key already names techniques from this list. Delete the key spans "
            "first to choose another list."
        )
    return ""


def slug_lock(lesson: Lesson) -> str:
    """Why the lesson's address cannot change now ("" when it can)."""
    if lesson.revision > 1:
        return gettext("Every revision of a lesson keeps the address of the first.")
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
            raise Refusal(slug_lock(lesson))
        if slug_taken(slug, lesson=lesson):
            raise Refusal(
                gettext("Another lesson already uses the address “%(slug)s”.") % {"slug": slug}
            )
        lesson.slug = slug
    if taxonomy is not None and taxonomy.pk != lesson.taxonomy_id:
        if taxonomy_lock(lesson):
            raise Refusal(taxonomy_lock(lesson))
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
        raise Refusal(gettext("Other revisions or classes depend on this lesson; it stays."))
    lesson.delete()


# Reshaping passages ----------------------------------------------------------------------


def _locked(lesson: Lesson) -> Lesson:
    locked = Lesson.objects.select_for_update().get(pk=lesson.pk)
    check_editable(locked)
    draft_changed.send(Lesson, lesson_id=locked.pk)
    return locked


def _passage(lesson: Lesson, position: int, uid: str | None) -> Segment:
    """The passage at `position`; with `uid` (sent by the page), it must be that passage."""
    segment = Segment.objects.filter(lesson=lesson, position=position).first()
    if segment is None:
        raise Refusal(gettext("This lesson has no passage %(position)s.") % {"position": position})
    if uid and str(segment.uid) != uid:
        raise Refusal(
            gettext(
                "The passages changed since this page was loaded, so nothing was done. "
                "Here is the lesson as it is now."
            ),
            status=409,
        )
    return segment


def _shift(lesson: Lesson, after: int, by: int) -> None:
    """Move every passage after position `after` by `by` places (parked first, `_SHIFT`)."""
    Segment.objects.filter(lesson=lesson, position__gt=after).update(
        position=F("position") + _SHIFT
    )
    Segment.objects.filter(lesson=lesson, position__gt=_SHIFT).update(
        position=F("position") - _SHIFT + by
    )


# The edit maps of the text a write changes: source 0 is the first old text, 1 the second.


def _edit_map(old_texts: list[str], new_text: str) -> TextMap:
    """Where each character of `new_text`, made from `old_texts`, stood in them."""
    return follow([(t, TextMap.identity(n, len(t))) for n, t in enumerate(old_texts)], new_text)


def _origin(edit: TextMap, old: list[Segment]) -> list | None:
    """The new text's `origin`, from its edit map and the old passages' (None when one of
    them has none: the lesson keeps no maps)."""
    maps = [segment.text_map for segment in old]
    known = [text_map for text_map in maps if text_map is not None]
    if len(known) < len(maps):
        return None
    return edit.through(dict(enumerate(known))).to_json()


def _not_kept(key: KeySpan, done: str) -> Refusal:
    """A split or merge changes no words, so a key span loses its characters only when the
    Markdown renders otherwise in the new passages (a list cut in two or joined)."""
    if done == "split":
        message = gettext(
            "The key span “%(quote)s” could not be kept on the same words (the text reads "
            "otherwise once the passages are split, as a list does), so nothing was changed. "
            "Edit or delete that key span first."
        )
    else:
        message = gettext(
            "The key span “%(quote)s” could not be kept on the same words (the text reads "
            "otherwise once the passages are joined, as a list does), so nothing was changed. "
            "Edit or delete that key span first."
        )
    return Refusal(message % {"quote": key.quote})


@transaction.atomic
def segment_split(
    *, lesson: Lesson, position: int, paragraph: int, uid: str | None = None
) -> tuple[Segment, Segment]:
    """Split passage `position` after its paragraph `paragraph` (from 1). The first part
    keeps the passage's identity and its prompts; the second part is a new passage. Each
    key span goes with its own characters, and each part's `origin` with its text."""
    lesson = _locked(lesson)
    segment = _passage(lesson, position, uid)
    parts = paragraphs_of(segment.body)
    if len(parts) < 2:
        raise Refusal(
            gettext(
                "Passage %(position)s has one paragraph, so it cannot be split. Edit its text "
                "to put a blank line where it should be cut."
            )
            % {"position": position}
        )
    if not 1 <= paragraph < len(parts):
        raise Refusal(
            gettext(
                "Passage %(position)s has %(count)s paragraphs: split it after paragraph 1 to "
                "%(last)s."
            )
            % {"position": position, "count": len(parts), "last": len(parts) - 1}
        )
    if lesson.segments.count() >= MAX_PASSAGES:
        raise Refusal(gettext("A lesson has at most %(limit)s passages.") % {"limit": MAX_PASSAGES})
    first = _segment(lesson, position, segment.title, "\n\n".join(parts[:paragraph]))
    second = _segment(lesson, position + 1, "", "\n\n".join(parts[paragraph:]))
    keys = list(segment.key_spans.order_by("position", "pk"))
    old = segment.text
    cut = len(first.text)
    rest = len(old) - len(second.text)
    lined_up = (
        old.startswith(first.text) and old.endswith(second.text) and not old[cut:rest].strip()
    )
    whole = TextMap.identity(0, len(old))
    if lined_up:  # each part is its piece of the old text, exactly
        edits = [whole.part(0, cut), whole.part(rest, len(old))]
    else:  # the Markdown renders otherwise in parts (a list cut in two): one diff of both
        edits = follow_parts([(old, whole)], [first.text, second.text])
    where = []
    for key in keys:
        if lined_up and key.start < rest and key.end > cut:
            raise Refusal(
                gettext(
                    "The key span “%(quote)s” runs across that paragraph break, so the passage "
                    "was not split there. Edit or delete that key span first."
                )
                % {"quote": key.quote}
            )
        spans = [edit.find(0, key.start, key.end) for edit in edits]
        index = next((n for n, span in enumerate(spans) if span), None)
        if index is None:
            raise _not_kept(key, "split")
        span = spans[index]
        assert span is not None  # the first span found
        key.start, key.end = span
        where.append(index)
    first.origin, second.origin = (_origin(edit, [segment]) for edit in edits)
    _shift(lesson, position, 1)
    second.save()
    segment.title, segment.body, segment.body_html, segment.text, segment.origin = (
        first.title,
        first.body,
        first.body_html,
        first.text,
        first.origin,
    )
    segment.save(update_fields=["title", "body", "body_html", "text", "origin", "updated_at"])
    counters = [0, 0]
    for key, index in zip(keys, where, strict=True):
        counters[index] += 1
        key.segment = segment if index == 0 else second
        key.position = counters[index]
    KeySpan.objects.bulk_update(keys, ["segment", "start", "end", "position"])
    return segment, second


@transaction.atomic
def segment_merge(*, lesson: Lesson, position: int, uid: str | None = None) -> Segment:
    """Join passage `position` and the next one: the texts join, the prompts and key spans
    of the second follow those of the first, and the passage keeps the first's identity."""
    lesson = _locked(lesson)
    segment = _passage(lesson, position, uid)
    following = Segment.objects.filter(lesson=lesson, position=position + 1).first()
    if following is None:
        raise Refusal(
            gettext(
                "Passage %(position)s is the last one: there is no next passage to merge it with."
            )
            % {"position": position}
        )
    body = "\n\n".join(b.strip("\n") for b in (segment.body, following.body) if b.strip())
    merged = _segment(lesson, position, segment.title or following.title, body)
    keys = list(segment.key_spans.order_by("position", "pk"))
    keys += list(following.key_spans.order_by("position", "pk"))
    edit = _edit_map([segment.text, following.text], merged.text)
    for n, key in enumerate(keys, start=1):
        span = edit.find(0 if key.segment_id == segment.pk else 1, key.start, key.end)
        if span is None:
            raise _not_kept(key, "joined")
        (key.start, key.end), key.segment, key.position = span, segment, n
    merged.origin = _origin(edit, [segment, following])
    KeySpan.objects.bulk_update(keys, ["segment", "start", "end", "position"])
    prompts = list(following.prompts.order_by("position"))
    last = segment.prompts.aggregate(n=Max("position"))["n"] or 0
    for n, prompt in enumerate(prompts, start=last + 1):
        prompt.segment, prompt.position = segment, n
    Prompt.objects.bulk_update(prompts, ["segment", "position"])
    following.delete()
    segment.title, segment.body, segment.body_html, segment.text, segment.origin = (
        merged.title,
        merged.body,
        merged.body_html,
        merged.text,
        merged.origin,
    )
    segment.save(update_fields=["title", "body", "body_html", "text", "origin", "updated_at"])
    _shift(lesson, position + 1, -1)
    return segment


@transaction.atomic
def segment_move(
    *, lesson: Lesson, position: int, direction: str, uid: str | None = None
) -> Segment:
    """Swap passage `position` with the one before ("up") or after ("down") it (their texts,
    and so their `origin`, do not change)."""
    if direction not in ("up", "down"):
        raise Refusal(gettext("Move a passage up or down."))
    lesson = _locked(lesson)
    segment = _passage(lesson, position, uid)
    other_position = position - 1 if direction == "up" else position + 1
    other = Segment.objects.filter(lesson=lesson, position=other_position).first()
    if other is None:
        if direction == "up":
            message = gettext("Passage %(position)s is the first one: it cannot move up.")
        else:
            message = gettext("Passage %(position)s is the last one: it cannot move down.")
        raise Refusal(message % {"position": position})
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
    """Append a passage (empty, or with this Markdown) at the end of the lesson. In a later
    revision every character of it is new (an empty `origin`)."""
    lesson = _locked(lesson)
    last = lesson.segments.aggregate(n=Max("position"))["n"] or 0
    if last >= MAX_PASSAGES:
        raise Refusal(gettext("A lesson has at most %(limit)s passages.") % {"limit": MAX_PASSAGES})
    origin = TextMap().to_json() if lesson.revision > 1 else None
    segment = _segment(lesson, last + 1, title, body, origin=origin)
    segment.save()
    return segment


# The passage editor: a passage's text ----------------------------------------------------
#
# Every write locks the lesson row and checks it is still a draft inside its transaction, so
# a lesson published in another tab is never changed (a 409: the page was out of date).


@dataclass(frozen=True)
class UnplacedKey:
    key: KeySpan
    reason: str


class KeysUnplaced(Refusal):
    """The new text leaves these key spans without their words: nothing was saved."""

    def __init__(self, unplaced: list[UnplacedKey]):
        count = len(unplaced)
        super().__init__(
            ngettext(
                "%(count)s key span would no longer fit the changed text, so nothing is saved "
                "yet. Change the text so the words are there again, or remove this key span.",
                "%(count)s key spans would no longer fit the changed text, so nothing is saved "
                "yet. Change the text so the words are there again, or remove these key spans.",
                count,
            )
            % {"count": count}
        )
        self.unplaced = unplaced


GONE = {
    "key span": gettext_noop("That key span is no longer in this passage: it was removed."),
    "prompt": gettext_noop("That prompt is no longer in this passage: it was removed."),
}


def _gone(what: str) -> Refusal:
    return Refusal(gettext(GONE[what]), status=404)


def _lock_draft(lesson_id: int) -> Lesson:
    """Lock the lesson for this write, refusing unless it is still a draft."""
    lesson = Lesson.objects.select_for_update().get(pk=lesson_id)
    check_editable(lesson, status=409)
    Lesson.objects.filter(pk=lesson.pk).update(updated_at=timezone.now())
    draft_changed.send(Lesson, lesson_id=lesson.pk)
    return lesson


def _why_lost(key: KeySpan, new_text: str) -> str:
    if key.quote in new_text:
        return gettext("its own words were changed, though the same words stand elsewhere")
    return gettext("the words are no longer in the text")


def place_keys(
    keys: list[KeySpan], old_text: str, new_text: str, edit: TextMap | None = None
) -> tuple[list[tuple[KeySpan, Anchor]], list[UnplacedKey]]:
    """Where each key span's own characters went when the text changed from `old_text` to
    `new_text` (by the edit map, `edit` when already made), or why they cannot be placed:
    they did not all survive together. Two key spans with one technique never end on the
    same words: the second is listed."""
    edit = edit or _edit_map([old_text], new_text)
    placed: dict[tuple[int, int, int], tuple[KeySpan, Anchor]] = {}
    unplaced: list[UnplacedKey] = []
    for key in keys:
        span = edit.find(0, key.start, key.end)
        if span is None:
            unplaced.append(UnplacedKey(key, _why_lost(key, new_text)))
        elif (key.technique_id, *span) in placed:
            unplaced.append(UnplacedKey(key, gettext("its words are now another key span's")))
        else:
            placed[(key.technique_id, *span)] = (key, anchor_at(new_text, *span))
    return list(placed.values()), unplaced


@dataclass
class SegmentSaved:
    segment: Segment
    moved: int  # key spans still on their words, at other offsets
    removed: list[UnplacedKey]


@transaction.atomic
def segment_update(
    *, segment: Segment, title: str, body: str, remove: Collection[int] = ()
) -> SegmentSaved:
    """Save the passage's title and Markdown text. Key spans follow their own characters
    into the new text (`place_keys`); those whose characters did not survive together are
    removed only when their ids are in `remove` (what the author saw listed and agreed to),
    otherwise KeysUnplaced lists them and nothing is saved. The passage's `origin` follows
    the edit."""
    _lock_draft(segment.lesson_id)
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    if body == segment.body:
        segment.title = title
        segment.save(update_fields=["title", "updated_at"])
        return SegmentSaved(segment, 0, [])
    html = render_markdown(body)
    text = plain_text(html)
    keys = list(segment.key_spans.select_related("technique").order_by("position", "pk"))
    edit = _edit_map([segment.text], text)
    placed, unplaced = place_keys(keys, segment.text, text, edit)
    if any(item.key.pk not in remove for item in unplaced):
        raise KeysUnplaced(unplaced)
    KeySpan.objects.filter(pk__in=[item.key.pk for item in unplaced]).delete()
    moved = []
    for key, anchor in placed:
        if (key.start, key.end) != (anchor.start, anchor.end):
            key.start, key.end = anchor.start, anchor.end
            moved.append(key)
    KeySpan.objects.bulk_update(moved, ["start", "end"])
    segment.origin = _origin(edit, [segment])
    segment.title, segment.body, segment.body_html, segment.text = title, body, html, text
    segment.save(update_fields=["title", "body", "body_html", "text", "origin", "updated_at"])
    return SegmentSaved(segment, len(moved), unplaced)


# The passage editor: its answer key ------------------------------------------------------


def _check_key(segment: Segment, technique: Technique, quote: str) -> None:
    if technique.taxonomy_id != segment.lesson.taxonomy_id:
        raise Refusal(gettext("Choose a technique from this lesson's list."))
    if "\n" in quote:
        raise Refusal(
            gettext(
                "A key span stays within one paragraph (the lesson file keeps each on one "
                "line). Mark the words in each paragraph separately."
            )
        )


def _duplicate(technique: Technique, quote: str) -> Refusal:
    return Refusal(
        gettext("“%(quote)s” is already in the key as %(technique)s.")
        % {"quote": quote, "technique": technique.display_name},
        status=409,
    )


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


# The passage editor: its prompts ---------------------------------------------------------


def _renumber(segment: Segment, prompts: list[Prompt]) -> None:
    """Give `prompts` (all of the passage's, in their new order) the positions 1..n."""
    Prompt.objects.filter(segment=segment).update(position=F("position") + _SHIFT)
    for number, prompt in enumerate(prompts, start=1):
        prompt.position = number
    Prompt.objects.bulk_update(prompts, ["position"])


@transaction.atomic
def prompt_create(*, segment: Segment, kind: str, text: str) -> Prompt:
    _lock_draft(segment.lesson_id)
    prompts = segment.prompts.all()
    if prompts.filter(kind=kind, text=text).exists():
        raise Refusal(gettext("This passage already has that prompt."), status=409)
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
        raise Refusal(gettext("This passage already has that prompt."), status=409)
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
        raise Refusal(
            gettext("This prompt is already the first.")
            if other < 0
            else gettext("This prompt is already the last.")
        )
    prompts[index], prompts[other] = prompts[other], prompts[index]
    _renumber(segment, prompts)
    return other + 1


# Importing lesson files and corpus articles ----------------------------------------------


class ImportProblems(Refusal):
    """Nothing was imported: `problems` lists every problem found, as `FILE:LINE: message`."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _refused_import(by: User, names: list[str], problems: list[str]) -> ImportProblems:
    logger.warning(
        "import refused: %s problem(s) in %s",
        len(problems),
        ", ".join(names),
        extra={"user_id": by.pk, "files": names, "problems": len(problems)},
    )
    return ImportProblems(problems)


class _Undo(Exception):
    pass


# Imports in the worker (`tasks.py`) say how far they have got, `report(step, done, total)`,
# and finish their job inside the import's own transaction, `then(lessons)`: the lessons
# and the job's outcome are saved together, or neither.
Report = Callable[[str, int, int], None]
Then = Callable[[list[Lesson]], None]
READING = gettext_noop("Reading the lesson files")
SAVING = gettext_noop("Saving the lessons (all of them, or none)")


def _import(
    files: list[LessonFile],
    by: User,
    *,
    check_only: bool = False,
    report: Report | None = None,
    then: Then | None = None,
) -> tuple[list[Lesson], list[tuple[str, int, str]]]:
    """The lessons imported from `files` and the problems found, as (file, line, message):
    all of the lessons, or none when there is a problem (or `check_only`). Every file is
    read first (`report`ed file by file), then the lessons are saved in one transaction, in
    which `then(lessons)` runs last."""
    found: dict[int, list[tuple[str, int, str]]] = {}
    parsed: list[tuple[int, LessonFile, LessonData]] = []
    for index, file in enumerate(files):
        if report:
            report(gettext(READING), index, len(files))
        try:
            parsed.append((index, file, parse_lesson(file.text, draft=True)))
        except LessonFormatError as error:
            found[index] = [(file.name, line, message) for line, message in error.errors]
    if report:
        report(gettext(SAVING), 0, 0)
    lessons: list[Lesson] = []
    try:
        with transaction.atomic():
            for index, file, data in parsed:
                try:
                    lessons.append(lesson_import(data=data, created_by=by, is_published=False))
                except LessonFormatError as error:
                    found[index] = [(file.name, line, message) for line, message in error.errors]
            if found or check_only:
                raise _Undo
            if then:
                then(lessons)
    except _Undo:
        return [], [problem for index in sorted(found) for problem in found[index]]
    return lessons, []


def lessons_import(
    *, files: list[LessonFile], by: User, report: Report | None = None, then: Then | None = None
) -> list[Lesson]:
    """Import lesson files as drafts of `by`: all of them, or none (ImportProblems lists
    every problem of every file, with its line)."""
    lessons, problems = _import(files, by, report=report, then=then)
    if problems:
        described = [_described(*problem) for problem in problems]
        raise _refused_import(by, [file.name for file in files], described)
    return lessons


def lessons_import_upload(
    *, upload: File, by: User, report: Report | None = None, then: Then | None = None
) -> list[Lesson]:
    """Import an uploaded lesson file, or a zip of them, as drafts of `by` (`lessons_import`).
    When some files of a zip cannot be read, those that can are checked too, so that every
    problem is listed at once."""
    name = _name(upload)
    try:
        bundles.check_upload_size(name, upload.size)
        files = bundles.read_upload(name, upload.read())
    except bundles.BundleError as error:
        _, more = _import(error.files, by, check_only=True)
        described = [_described(*problem) for problem in sorted(error.problems + more)]
        raise _refused_import(by, [name], described) from None
    return lessons_import(files=files, by=by, report=report, then=then)


def _described(name: str, line: int, message: str) -> str:
    """`FILE:LINE: message`, the message in the active language (the file formats' problems
    are English: `library.problems`)."""
    return bundles.describe(name, line, translated(message, gettext))


def _name(upload: File) -> str:
    """An uploaded file's name (a form's FileField refuses a file without one)."""
    assert upload.name is not None, "an upload without a name"
    return upload.name


def _read_text(upload: File) -> str:
    """An uploaded corpus file's text: exactly its UTF-8, as offsets count every code point."""
    if upload.size > bundles.MAX_UPLOAD_BYTES:
        raise ValueError(gettext("%(file)s: the file is larger than 2 MB.") % {"file": upload.name})
    try:
        return upload.read().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            gettext("%(file)s: the file is not UTF-8 text.") % {"file": upload.name}
        ) from error


def corpus_article_import(
    *,
    article: File,
    labels: File,
    by: User,
    title: str = "",
    author: str = "",
    audience: str = "",
    report: Report | None = None,
    then: Then | None = None,
) -> Lesson:
    """A draft of `by` from an annotated research-corpus article and its labels file
    (`library.corpus`): passages of a readable length, the gold labels as its answer key. A
    title left empty is the article's first line. ImportProblems lists every problem. In
    the worker, `report` says how far it has got and `then([lesson])` runs in the
    transaction that saves the lesson."""
    names = {ARTICLE: _name(article), LABELS: _name(labels)}
    try:
        texts = {ARTICLE: _read_text(article), LABELS: _read_text(labels)}
    except ValueError as error:
        raise _refused_import(by, list(names.values()), [str(error)]) from None
    article_id = article_id_from_name(names[ARTICLE])
    title = title.strip()
    first_line = texts[ARTICLE].strip().split("\n", 1)[0]
    slug = unique_slug(title or first_line or f"article-{article_id or 'import'}")
    techniques = set(
        Technique.objects.filter(taxonomy__slug=TAXONOMY).values_list("code", flat=True)
    )
    if report:
        report(gettext("Reading the article and its labels"), 0, 0)
    try:
        data = article_to_lesson(
            texts[ARTICLE],
            texts[LABELS],
            slug=slug,
            techniques=techniques,
            article_id=article_id,
            title=title or None,
            author=author.strip(),
            audience=audience.strip(),
        )
        if report:
            report(gettext("Saving the lesson"), 0, 0)
        with transaction.atomic():
            lesson = lesson_import(data=data, created_by=by, is_published=False)
            if then:
                then([lesson])
        return lesson
    except CorpusFormatError as error:
        problems = [
            f"{names[where]}:{line}: {translated(message, gettext)}"
            if where
            else translated(message, gettext)
            for where, line, message in error.problems
        ]
    except LessonFormatError as error:
        problems = [
            f"{names[LABELS]}:{line}: {translated(message, gettext)}"
            if line
            else translated(message, gettext)
            for line, message in error.errors
        ]
    raise _refused_import(by, list(names.values()), problems)

"""Annotated research-corpus articles as lessons. Pure Python, no Django.

A corpus article is a UTF-8 text file, `article<ID>.txt`, and a labels file with one gold
span per line: `<ID> TAB <technique> TAB <start> TAB <end>`, offsets in Unicode code points
(start inclusive, end exclusive) into the article. The article becomes a lesson whose
segments (passages) are stretches of the article of a readable length, each with a plain text
that is exactly those characters of the article, so each label maps to the same characters in
its segment; the labels become the answer key, with explanations left empty for the author to
write. A paragraph (paragraphs are separated by blank lines) is one passage; one longer than
MAX_WORDS words is cut between its lines, since most corpus articles separate their
paragraphs with single line breaks (`readable_groups`, below, also cuts the text an author
pastes: lessons.authoring).

`services.lesson_import` checks the technique IDs against the taxonomy in the database.
Problems are English, each a `problems.Problem` that the author's pages translate.
"""

import re
from bisect import bisect_right
from collections.abc import Collection
from dataclasses import dataclass

from .anchoring import EDGE_CHARS, occurrence_of
from .lessonfile import SLUG_RE, KeyData, LessonData, LessonFormatError, PromptData, SegmentData
from .problems import Problem, gettext_noop
from .rendering import plain_text, render_markdown

ARTICLE, LABELS = "article", "labels"
TAXONOMY = "semeval-2020"
PROMPT = "Highlight the words where a propaganda technique is at work."
INTRODUCTION = (
    "Read the article, one passage at a time. Highlight the words where a propaganda "
    "technique is at work, and name the technique."
)
TITLE_LENGTH = 200  # Lesson.title
ARTICLE_NAME_RE = re.compile(r"^article(?P<id>[^./\\]+)\.txt$")
DIGITS_RE = re.compile(r"^[0-9]+$")
NEGATIVE_RE = re.compile(r"^-[0-9]+$")

# Python-Markdown's backslash escapes (Markdown.ESCAPED_CHARS). Characters that start inline
# syntax anywhere are always escaped; block syntax only where a line starts.
_ALWAYS = {
    "\\": "\\\\", "`": "\\`", "*": "\\*", "_": "\\_", "[": "\\[", "]": "\\]",
    "&": "&amp;", "<": "&lt;", "\t": "&#9;",
}  # fmt: skip
_LINE_START = {"#": "\\#", ">": "\\>", "+": "\\+", "-": "\\-", "=": "&#61;"}
_EVERYWHERE = {c: "\\" + c for c in "`*_{}[]()>#+-.!"} | _ALWAYS | {"=": "&#61;"}
_ORDERED_RE = re.compile(r"^[0-9]+\.")
_SPACE = "&#32;"


@dataclass(frozen=True)
class Label:
    article_id: str
    technique: str
    start: int
    end: int
    line: int  # in the labels file, from 1

    @property
    def span(self) -> str:
        return f"{self.start}-{self.end}"


@dataclass(frozen=True)
class Paragraph:
    start: int  # offsets into the article
    end: int
    line: int  # where it starts in the article file, from 1


class CorpusFormatError(LessonFormatError):
    """Problems in an article, its labels or the options. `problems` lists
    (file, line, message) with file ARTICLE, LABELS or "" (an option, no file line);
    `errors` (of LessonFormatError) gives (line, "file: message")."""

    def __init__(self, problems: list[tuple[str, int, str]]):
        order = {"": 0, ARTICLE: 1, LABELS: 2}
        self.problems = sorted(problems, key=lambda p: (order[p[0]], p[1], p[2]))
        super().__init__(
            [
                (line, f"{where}: {message}" if where else message)
                for where, line, message in problems
            ]
        )

    def __str__(self) -> str:
        return "\n".join(
            f"{where} line {line}: {message}" if where else message
            for where, line, message in self.problems
        )


def article_id_from_name(name: str) -> str | None:
    """`article111111111.txt` -> "111111111"; None for other names."""
    match = ARTICLE_NAME_RE.match(name)
    return match["id"] if match else None


# Labels --------------------------------------------------------------------------------


def _read_labels(text: str, article_id: str | None) -> tuple[list[Label], list[tuple[int, str]]]:
    labels: list[Label] = []
    errors: list[tuple[int, str]] = []
    expected = article_id
    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 4:
            if len(line.split()) == 4:
                message = gettext_noop(
                    "a label is 4 fields separated by tabs: article ID, technique, start, end; "
                    "this line has %(count)s (are they separated by spaces, not tabs?)"
                )
            else:
                message = gettext_noop(
                    "a label is 4 fields separated by tabs: article ID, technique, start, end; "
                    "this line has %(count)s"
                )
            errors.append((number, Problem(message, count=len(fields))))
            continue
        ident, technique, *offsets = (field.strip() for field in fields)
        problems: list[Problem] = []
        if not ident:
            problems.append(Problem(gettext_noop("the article ID is missing")))
        elif expected is None:
            expected = ident
        elif ident != expected:
            problems.append(
                Problem(
                    gettext_noop("this label is for article %(found)s, not %(expected)s"),
                    found=repr(ident),
                    expected=repr(expected),
                )
            )
        if not technique:
            problems.append(Problem(gettext_noop("the technique is missing")))
        numbers = []
        for negative, not_number, value in zip(
            (
                gettext_noop("the start offset %(value)s is negative"),
                gettext_noop("the end offset %(value)s is negative"),
            ),
            (
                gettext_noop("the start offset %(value)s is not a whole number (digits 0-9)"),
                gettext_noop("the end offset %(value)s is not a whole number (digits 0-9)"),
            ),
            offsets,
            strict=True,
        ):
            if DIGITS_RE.match(value):
                numbers.append(int(value))
            elif NEGATIVE_RE.match(value):
                problems.append(Problem(negative, value=value))
            else:
                problems.append(Problem(not_number, value=repr(value)))
        if len(numbers) == 2 and numbers[0] >= numbers[1]:
            problems.append(
                Problem(
                    gettext_noop("the span %(span)s is empty: the start must be before the end"),
                    span=f"{numbers[0]}-{numbers[1]}",
                )
            )
        if problems:
            errors += [(number, problem) for problem in problems]
        else:
            labels.append(Label(ident, technique, numbers[0], numbers[1], number))
    return labels, errors


def parse_labels(text: str, *, article_id: str | None = None) -> list[Label]:
    """Read a labels file. Every line must name the same article: `article_id`, or the one
    the first label names. Blank lines are ignored. Raises CorpusFormatError (a
    LessonFormatError) listing every bad line."""
    labels, errors = _read_labels(text, article_id)
    if errors:
        raise CorpusFormatError([(LABELS, line, message) for line, message in errors])
    return labels


# The article ---------------------------------------------------------------------------


def paragraphs(article: str) -> list[Paragraph]:
    """Runs of lines between blank lines (lines of nothing but spaces and tabs, which is
    what Markdown takes for blank)."""
    found: list[Paragraph] = []
    offset, first, end = 0, None, 0
    for number, line in enumerate(article.split("\n"), start=1):
        if line.strip(" \t"):
            if first is None:
                first = (offset, number)
            end = offset + len(line)
        elif first is not None:
            found.append(Paragraph(first[0], end, first[1]))
            first = None
        offset += len(line) + 1
    if first is not None:
        found.append(Paragraph(first[0], end, first[1]))
    return found


def _escape_line(line: str, table: dict[str, str], line_start: dict[str, str]) -> str:
    core = line.strip(" ")
    lead = len(line) - len(line.lstrip(" "))
    trail = len(line) - len(line.rstrip(" ")) if core else 0
    ordered = _ORDERED_RE.match(core)
    out = [_SPACE * lead]
    for index, char in enumerate(core):
        if char in table:
            out.append(table[char])
        elif index == 0 and char in line_start:
            out.append(line_start[char])
        elif ordered and index == ordered.end() - 1:
            out.append("\\.")
        else:
            out.append(char)
    out.append(_SPACE * trail)
    return "".join(out)


def markdown_for(text: str) -> str | None:
    """Markdown whose plain text is exactly `text` (one paragraph; a line break inside it
    is kept, and shown, as a hard line break), or None when there is none: the characters
    Markdown would take for syntax are escaped, and the result is checked by rendering."""
    for table, line_start in ((_ALWAYS, _LINE_START), (_EVERYWHERE, {})):
        body = "  \n".join(_escape_line(line, table, line_start) for line in text.split("\n"))
        if plain_text(render_markdown(body)) == text:
            return body
    return None


def _unshowable(text: str) -> Problem:
    """Why markdown_for failed, for the author."""
    if "\r" in text:
        return Problem(
            gettext_noop(
                "it has carriage returns (Windows line endings), which a web page cannot show"
            )
        )
    shown = plain_text(render_markdown("  \n".join(text.split("\n"))))
    index = next(
        (i for i, (a, b) in enumerate(zip(text, shown, strict=False)) if a != b),
        min(len(text), len(shown)),
    )
    if index < len(text):
        return Problem(
            gettext_noop("character %(index)s of the paragraph, %(character)s, is lost"),
            index=index,
            character=f"U+{ord(text[index]):04X}",
        )
    return Problem(gettext_noop("the page would show more than the text"))


# Cutting a text into passages of a readable length ---------------------------------------
#
# Students read a lesson one passage at a time, and a passage of about MIN_WORDS to
# MAX_WORDS words reads as one page. A text is cut between its blocks (paragraphs, or the
# lines of a corpus article), inside a block only at the end of a sentence, and inside a
# sentence only when the sentence alone is longer than MAX_WORDS (then between two words).

MIN_WORDS, MAX_WORDS = 80, 250
TARGET_WORDS = 160  # the length the cut aims at, all else being equal
_SHORT, _LONG = 10**8, 10**10  # the cost of a passage shorter or longer than the bounds
# The end of a sentence: its punctuation, perhaps a closing quotation mark or bracket, then
# white space.
_SENTENCE_END_RE = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]*_]*(?=\s)")
_OPENING = "\"'\u201c\u2018\u00ab([*_"  # may come before the first letter of a sentence
_WORD_RE = re.compile(r"\S+")
# Words written with a full stop that rarely end a sentence.
ABBREVIATIONS = frozenset({
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "nos",
    "gen", "col", "lt", "sgt", "capt", "rev", "gov", "sen", "rep", "inc", "ltd", "co", "corp",
    "mt", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "fig", "approx", "dept", "pres", "u.s", "u.k", "u.n",
})  # fmt: skip


@dataclass(frozen=True)
class Piece:
    """Characters [start, end) of a text that a cut may not divide: a whole block, or a
    sentence (or a run of words) of a block too long for one passage. The first and the last
    piece of a block reach to the block's edges."""

    start: int
    end: int
    block: int  # which block it belongs to (its index)
    words: int


def word_count(text: str) -> int:
    return len(text.split())


def _ends_sentence(text: str, match: re.Match, end: int) -> int | None:
    """Where the next sentence starts, if `match` (a full stop, question or exclamation mark
    followed by white space) ends one: the next word starts with a capital letter or a digit,
    perhaps after an opening quotation mark, and the word before is not an abbreviation or
    an initial."""
    start = match.end()
    while start < end and text[start].isspace():
        start += 1
    first = start
    while first < end and text[first] in _OPENING:
        first += 1
    if first >= end or not (text[first].isupper() or text[first].isdigit()):
        return None
    if match[0].startswith("."):
        begin = match.start()
        while begin > 0 and not text[begin - 1].isspace():
            begin -= 1
        word = text[begin : match.start()].lstrip(_OPENING).lower()
        if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            return None
    return start


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of text[start:end] as (start, end) offsets, without the white space
    between them."""
    spans: list[tuple[int, int]] = []
    begin = start
    for match in _SENTENCE_END_RE.finditer(text, start, end):
        following = _ends_sentence(text, match, end)
        if following is not None:
            spans.append((begin, match.end()))
            begin = following
    spans.append((begin, end))
    return spans


def _word_runs(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """text[start:end], longer than MAX_WORDS words, in runs of about equal length."""
    words = [(m.start(), m.end()) for m in _WORD_RE.finditer(text, start, end)]
    parts = -(-len(words) // MAX_WORDS)
    size = -(-len(words) // parts)
    return [
        (words[i][0], words[min(i + size, len(words)) - 1][1]) for i in range(0, len(words), size)
    ]


def pieces_of(text: str, blocks: list[tuple[int, int]]) -> list[Piece]:
    """The blocks (start, end) of `text` as pieces: a block of at most MAX_WORDS words is one
    piece; a longer one is cut at the ends of its sentences, and a sentence of more than
    MAX_WORDS words into runs of words."""
    pieces: list[Piece] = []
    for index, (start, end) in enumerate(blocks):
        spans = [(start, end)]
        if word_count(text[start:end]) > MAX_WORDS:
            spans = [
                run
                for a, b in sentence_spans(text, start, end)
                for run in (
                    _word_runs(text, a, b) if word_count(text[a:b]) > MAX_WORDS else [(a, b)]
                )
            ]
        last = len(spans) - 1
        for n, (a, b) in enumerate(spans):
            pieces.append(
                Piece(
                    start if n == 0 else a,
                    end if n == last else b,
                    index,
                    word_count(text[a:b]),
                )
            )
    return pieces


def _cost(words: int) -> int:
    if words < MIN_WORDS:
        return _SHORT + (MIN_WORDS - words) ** 2
    if words > MAX_WORDS:
        return _LONG + (words - MAX_WORDS) ** 2
    return (words - TARGET_WORDS) ** 2


def readable_groups(sizes: list[int], *, joined: Collection[int] = ()) -> list[range]:
    """Consecutive groups of pieces whose sizes (in words) are `sizes`, as ranges of their
    indexes: each of MIN_WORDS to MAX_WORDS words where it can be (a group out of those
    bounds costs far more than any within them), and close to TARGET_WORDS. No group starts
    at an index in `joined` (a piece that must stay with the one before it). The cheapest
    cut, found by dynamic programming over where the last group starts."""
    count = len(sizes)
    # best[i]: the cost of the best cut of the first i pieces, and where its last group starts
    best: list[tuple[int, int]] = [(0, 0)]
    for stop in range(1, count + 1):
        words, choice = 0, None
        for first in range(stop - 1, -1, -1):
            words += sizes[first]
            if first == 0 or first not in joined:
                cost = best[first][0] + _cost(words)
                if choice is None or cost < choice[0]:
                    choice = (cost, first)
            if words > MAX_WORDS and stop - first > 1 and choice is not None:
                break
        assert choice is not None  # first == 0 is always a candidate
        best.append(choice)
    groups: list[range] = []
    stop = count
    while stop:
        first = best[stop][1]
        groups.append(range(first, stop))
        stop = first
    return groups[::-1]


def stretches(pieces: list[Piece], group: range) -> list[tuple[int, int, int]]:
    """What a group of pieces covers of each of its blocks, as (start, end, block)."""
    covered: list[tuple[int, int, int]] = []
    for piece in (pieces[i] for i in group):
        if covered and covered[-1][2] == piece.block:
            covered[-1] = (covered[-1][0], piece.end, piece.block)
        else:
            covered.append((piece.start, piece.end, piece.block))
    return covered


# The article's passages ----------------------------------------------------------------


def _lines(article: str, paragraph: Paragraph) -> list[Paragraph]:
    """The lines of a paragraph of the article (none of them blank)."""
    lines, offset = [], paragraph.start
    for number, line in enumerate(article[paragraph.start : paragraph.end].split("\n")):
        lines.append(Paragraph(offset, offset + len(line), paragraph.line + number))
        offset += len(line) + 1
    return lines


Stretch = Paragraph  # a stretch of one line (or a whole paragraph) that a passage shows


def _passages(
    article: str, paragraph: Paragraph, labels: list[Label]
) -> list[tuple[Paragraph, list[Stretch]]]:
    """The passages of a paragraph of the article (start, end, first line), each with the
    stretches of the article it shows. A paragraph of at most MAX_WORDS words is one passage,
    as it is; a longer one is cut between its lines (most corpus articles separate their
    paragraphs with single line breaks), inside a line only between sentences, and never
    inside a label, so that each label is in one passage, on the same characters."""
    if word_count(article[paragraph.start : paragraph.end]) <= MAX_WORDS:
        return [(paragraph, [paragraph])]
    lines = _lines(article, paragraph)
    pieces = pieces_of(article, [(line.start, line.end) for line in lines])
    inside = [label for label in labels if paragraph.start <= label.start < paragraph.end]
    joined = {
        index
        for index in range(1, len(pieces))
        if any(
            label.start < pieces[index].start and label.end > pieces[index - 1].end
            for label in inside
        )
    }
    passages = []
    for group in readable_groups([piece.words for piece in pieces], joined=joined):
        shown = [
            Stretch(start, end, lines[block].line) for start, end, block in stretches(pieces, group)
        ]
        passages.append((Paragraph(shown[0].start, shown[-1].end, shown[0].line), shown))
    return passages


def _passage_markdown(
    article: str, shown: list[Stretch], problems: list[tuple[str, int, str]]
) -> str | None:
    """The Markdown of a passage whose plain text is exactly the article's characters from
    its first stretch to its last: each stretch a paragraph of its own (a line break between
    them, as in the article), a paragraph shown whole with its line breaks as hard line
    breaks. A stretch that cannot be shown exactly is a problem at its line."""
    bodies = []
    for stretch in shown:
        text = article[stretch.start : stretch.end]
        body = markdown_for(text)
        if body is None:
            problems.append(
                (
                    ARTICLE,
                    stretch.line,
                    Problem(
                        gettext_noop(
                            "this paragraph cannot be shown exactly as written "
                            "(%(reason)s), so offsets into it would not match"
                        ),
                        reason=_unshowable(text),
                    ),
                )
            )
            return None
        bodies.append(body)
    return "\n\n".join(bodies)


# The lesson ----------------------------------------------------------------------------


OPTIONS = {
    "title": None,
    "taxonomy": TAXONOMY,
    "author": "",
    "audience": "",
    "language": "en",
    "provenance": None,
    "introduction": None,
    "article_id": None,
}


def _build(
    article: str, labels: list[Label], slug: str, options: dict
) -> tuple[LessonData | None, list[tuple[str, int, str]]]:
    options = OPTIONS | options
    problems: list[tuple[str, int, str]] = []
    if not SLUG_RE.match(slug):
        problems.append(
            (
                "",
                0,
                Problem(
                    gettext_noop("the slug %(slug)s may use only a-z, 0-9 and single hyphens"),
                    slug=repr(slug),
                ),
            )
        )
    found = paragraphs(article)
    if not found:
        problems.append((ARTICLE, 1, Problem(gettext_noop("the article has no text"))))
    title = options["title"]
    if title is None and found:
        title = article[found[0].start : found[0].end].split("\n")[0].strip(" \t\ufeff")
        if len(title) > TITLE_LENGTH:
            title = title[: TITLE_LENGTH - 1].rstrip() + "…"
    if not (title or "").strip():
        problems.append(("", 0, Problem(gettext_noop("the lesson needs a title"))))

    starts = [paragraph.start for paragraph in found]
    placed: dict[tuple[str, int, int], tuple[int, Label]] = {}
    for label in labels:
        if label.end > len(article):
            problems.append(
                (
                    LABELS,
                    label.line,
                    Problem(
                        gettext_noop(
                            "the span %(span)s ends after the end of the article, which "
                            "has %(length)s characters"
                        ),
                        span=label.span,
                        length=len(article),
                    ),
                )
            )
            continue
        index = bisect_right(starts, label.start) - 1
        if index >= 0 and label.end <= found[index].end:
            # A repeated label is kept once: it would count twice in every score.
            placed.setdefault((label.technique, label.start, label.end), (index, label))
            continue
        touched = [p for p in found if p.start < label.end and label.start < p.end]
        if len(touched) > 1:
            message = Problem(
                gettext_noop(
                    "the span %(span)s crosses a paragraph break (article lines "
                    "%(first)s to %(last)s)"
                ),
                span=label.span,
                first=touched[0].line,
                last=touched[-1].line,
            )
        elif touched:
            message = Problem(
                gettext_noop("the span %(span)s crosses a paragraph break"), span=label.span
            )
        else:
            message = Problem(
                gettext_noop("the span %(span)s holds only the blank lines between paragraphs"),
                span=label.span,
            )
        problems.append((LABELS, label.line, message))

    kept = [label for _, label in placed.values()]
    passages: list[Paragraph] = []
    segments: list[SegmentData] = []
    for paragraph in found:
        for passage, shown in _passages(article, paragraph, kept):
            body = _passage_markdown(article, shown, problems)
            segment = SegmentData(title="", body=body or "", line=passage.line)
            segment.prompts.append(PromptData("highlight", PROMPT))
            passages.append(passage)
            segments.append(segment)
    if problems:
        return None, problems

    starts = [passage.start for passage in passages]
    for label in sorted(kept, key=lambda label: (label.start, label.end, label.line)):
        index = bisect_right(starts, label.start) - 1
        paragraph = passages[index]
        assert label.end <= paragraph.end, "a passage was cut inside a label"
        text = article[paragraph.start : paragraph.end]
        start, end = label.start - paragraph.start, label.end - paragraph.start
        quote = text[start:end]
        segments[index].key.append(
            KeyData(
                technique=label.technique,
                quote=quote,
                occurrence=occurrence_of(text, quote, start),
                explanation="",  # for the author to write
                start=start,
                end=end,
                line=label.line,
            )
        )

    ident = options["article_id"] or (labels[0].article_id if labels else None)
    provenance = options["provenance"]
    if provenance is None:
        which = f"Article {ident} of an annotated" if ident else "An article of an annotated"
        provenance = (
            f"{which} research corpus of news articles; the answer key is the corpus's gold "
            "labels. Reproduced word for word for study. Lens does not endorse the text."
        )
    meta = {
        "title": title or "",
        "slug": slug,
        "author": options["author"],
        "audience": options["audience"],
        "language": options["language"],
        "taxonomy": options["taxonomy"],
        "provenance": provenance,
    }
    introduction = options["introduction"]
    data = LessonData(
        meta=meta,
        introduction=INTRODUCTION if introduction is None else introduction,
        segments=segments,
        # Line 0: from an option, not from a line of either file. (services.lesson_import
        # reports slug and taxonomy problems at these lines, key problems at KeyData.line,
        # which is the label's line in the labels file.)
        meta_lines=dict.fromkeys(meta, 0),
    )
    return data, []


def corpus_to_lesson(
    article: str,
    labels: list[Label],
    *,
    slug: str,
    title: str | None = None,
    taxonomy: str = TAXONOMY,
    author: str = "",
    audience: str = "",
    language: str = "en",
    provenance: str | None = None,
    introduction: str | None = None,
    article_id: str | None = None,
) -> LessonData:
    """The lesson for an article and its parsed labels: one segment per paragraph, or per
    readable stretch of a long paragraph (`_passages`); the first line of the article is the
    title, unless `title` is given; one highlight prompt per segment, one key span per
    distinct label with an empty explanation. Raises CorpusFormatError naming the article or
    labels line of every problem."""
    options = {
        "title": title, "taxonomy": taxonomy, "author": author, "audience": audience,
        "language": language, "provenance": provenance, "introduction": introduction,
        "article_id": article_id,
    }  # fmt: skip
    data, problems = _build(article, labels, slug, options)
    if data is None:
        raise CorpusFormatError(problems)
    return data


def article_to_lesson(
    article: str,
    labels_text: str,
    *,
    slug: str,
    techniques: set[str] | None = None,
    **options,
) -> LessonData:
    """Both files at once (the labels file unparsed): every problem in either is reported
    in one CorpusFormatError; with `techniques` (the taxonomy's IDs), unknown IDs too.
    `options` are those of corpus_to_lesson."""
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise TypeError(f"unexpected options {sorted(unknown)}")
    labels, errors = _read_labels(labels_text, options.get("article_id"))
    problems = [(LABELS, line, message) for line, message in errors]
    if techniques is not None:
        taxonomy = options.get("taxonomy", TAXONOMY)
        problems += [
            (
                LABELS,
                label.line,
                Problem(
                    gettext_noop("unknown technique %(technique)s in taxonomy %(taxonomy)s"),
                    technique=repr(label.technique),
                    taxonomy=taxonomy,
                ),
            )
            for label in labels
            if label.technique not in techniques
        ]
    data, more = _build(article, labels, slug, options)
    if data is None or problems:
        raise CorpusFormatError(problems + more)
    return data


def corpus_notes(labels: list[Label], lesson: LessonData) -> list[tuple[int, str]]:
    """Labels-file lines worth telling the author about, though they import: repeated
    labels (kept once), and key quotes that a lesson file cannot hold as they are (so an
    export of the lesson will not read back until they are edited)."""
    notes: list[tuple[int, str]] = []
    first: dict[tuple[str, int, int], int] = {}
    for label in labels:
        identity = (label.technique, label.start, label.end)
        if identity in first:
            notes.append(
                (
                    label.line,
                    Problem(
                        gettext_noop("the same label as line %(line)s; kept once"),
                        line=first[identity],
                    ),
                )
            )
        else:
            first[identity] = label.line
    for segment in lesson.segments:
        for key in segment.key:
            if "\n" in key.quote:
                notes.append(
                    (
                        key.line,
                        Problem(
                            gettext_noop(
                                "the quote crosses a line break, which a lesson file cannot "
                                "write in a key line"
                            )
                        ),
                    )
                )
            elif key.quote != key.quote.strip(EDGE_CHARS):
                notes.append(
                    (
                        key.line,
                        Problem(
                            gettext_noop(
                                "the quote starts or ends with white space or . , : ; which a "
                                "lesson file does not accept in a key line"
                            )
                        ),
                    )
                )
    return sorted(notes)

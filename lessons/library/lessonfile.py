"""The lesson file format (docs/lesson-format.md): parse and write, with no Django.

A lesson is one Markdown file: front matter, `## Introduction`, then `## Segment` sections,
each with its text, `### Prompts` and `### Key`. Parsing checks everything that can be
checked without the database (quotes are found in their segment's rendered text) and
reports every problem with its line number; the importer checks technique IDs. Problems are
English, each a `problems.Problem` that the author's pages translate.

A draft's file may lack what only publishing needs (who wrote the text, for whom, its
provenance, the introduction, a passage's text, any passage): read as a draft
(`parse_lesson(source, draft=True)`), those are listed in `LessonData.missing` instead of
refusing the file, so that a draft exported at any stage imports back as a draft.
"""

import datetime
import re
from dataclasses import dataclass, field

from .anchoring import EDGE_CHARS, occurrence_of, occurrences
from .problems import Problem, gettext_noop
from .rendering import plain_text, render_markdown

META_FIELDS = (
    "title", "slug", "author", "date", "place", "audience", "language", "level", "taxonomy",
    "source", "provenance",
)  # fmt: skip
REQUIRED_META = ("title", "slug", "author", "audience", "language", "taxonomy", "provenance")
PUBLISHING_META = ("author", "audience", "provenance")  # a draft may be without them
PROMPT_KINDS = ("highlight", "text", "choose")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A line that is not a list item starts with "\0" (see `_items`), which no technique has.
KEY_RE = re.compile(
    r'^(?P<technique>[^|\0]+?)\s*\|\s*"(?P<quote>.*)"(?:\s*#(?P<n>\d+))?\s*\|\s*(?P<why>.*)$'
)
NUL_MESSAGE = gettext_noop("a NUL character (U+0000) cannot be stored: remove it")
PROMPT_RE = re.compile(r"^(?P<kind>[a-z]+)\s*:\s*(?P<text>.+)$")


@dataclass
class PromptData:
    kind: str
    text: str
    line: int = 0


@dataclass
class KeyData:
    technique: str
    quote: str
    occurrence: int
    explanation: str
    start: int = 0
    end: int = 0
    line: int = 0


@dataclass
class SegmentData:
    title: str
    body: str
    prompts: list[PromptData] = field(default_factory=list)
    key: list[KeyData] = field(default_factory=list)
    line: int = 0

    @property
    def html(self) -> str:
        return render_markdown(self.body)

    @property
    def text(self) -> str:
        return plain_text(self.html)


@dataclass
class LessonData:
    meta: dict[str, str]
    introduction: str
    segments: list[SegmentData]
    meta_lines: dict[str, int] = field(default_factory=dict)
    # What publishing still needs, as (line, problem): read as a draft only.
    missing: list[tuple[int, str]] = field(default_factory=list)

    @property
    def date(self) -> datetime.date | None:
        value = self.meta.get("date", "")
        return datetime.date.fromisoformat(value) if value else None


class LessonFormatError(ValueError):
    """Every problem of a file, as (line, message): a `problems.Problem`, in English until
    shown (`problems.translated`); str() is for management commands."""

    def __init__(self, errors: list[tuple[int, str]]):

        self.errors = sorted(errors)
        super().__init__("\n".join(f"line {line}: {message}" for line, message in self.errors))


def _items(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """List items `- ...`, with indented continuation lines joined on."""
    items: list[tuple[int, str]] = []
    for number, line in lines:
        if line.startswith("- "):
            items.append((number, line[2:].strip()))
        elif line.startswith("  ") and items:
            items[-1] = (items[-1][0], f"{items[-1][1]} {line.strip()}")
        elif line.strip():
            items.append((number, "\0" + line.strip()))
    return items


def parse_lesson(source: str, *, draft: bool = False) -> LessonData:
    """The lesson a file holds; LessonFormatError lists every problem. With `draft`, what
    only publishing needs is not a problem but listed in the result's `missing`."""
    errors: list[tuple[int, str]] = []
    missing: list[tuple[int, str]] = []
    # Where a problem that only publishing minds goes.
    unpublishable = missing if draft else errors
    lines = source.removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    nul_lines: list[tuple[int, str]] = [
        (n, Problem(NUL_MESSAGE)) for n, line in enumerate(lines, start=1) if "\x00" in line
    ]
    if nul_lines:
        raise LessonFormatError(nul_lines)
    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    if index >= len(lines) or lines[index].strip() != "---":
        raise LessonFormatError(
            [
                (
                    index + 1,
                    Problem(gettext_noop("the file must start with front matter: a line ---")),
                )
            ]
        )
    index += 1
    last_key = None
    while index < len(lines) and lines[index].strip() != "---":
        number, line = index + 1, lines[index]
        index += 1
        if not line.strip():
            continue
        if line.startswith("  ") and last_key:
            meta[last_key] = f"{meta[last_key]} {line.strip()}".strip()
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in META_FIELDS:
            errors.append(
                (
                    number,
                    Problem(
                        gettext_noop("unknown front-matter line %(line)s"), line=repr(line.strip())
                    ),
                )
            )
            continue
        if key in meta:
            errors.append((number, Problem(gettext_noop("%(field)s is given twice"), field=key)))
        meta[key], meta_lines[key], last_key = value.strip(), number, key
    if index >= len(lines):
        closed = Problem(gettext_noop("the front matter is not closed by a line ---"))
        raise LessonFormatError([*errors, (index, closed)])
    front_end = index + 1
    for key in REQUIRED_META:
        if not meta.get(key):
            (unpublishable if key in PUBLISHING_META else errors).append(
                (1, Problem(gettext_noop("the front matter has no %(field)s"), field=key))
            )
    if meta.get("slug") and not SLUG_RE.match(meta["slug"]):
        errors.append(
            (
                meta_lines["slug"],
                Problem(gettext_noop("slug may use only a-z, 0-9 and single hyphens")),
            )
        )
    if meta.get("date"):
        try:
            datetime.date.fromisoformat(meta["date"])
        except ValueError:
            errors.append(
                (meta_lines["date"], Problem(gettext_noop("date must be written YYYY-MM-DD")))
            )

    # Split the body into ## sections and ### subsections.
    sections: list[tuple[int, str, list[tuple[int, str]]]] = []
    for offset, line in enumerate(lines[front_end:], start=front_end + 1):
        if line.startswith("## "):
            sections.append((offset, line[3:].strip(), []))
        elif sections:
            sections[-1][2].append((offset, line))
        elif line.strip():
            errors.append((offset, Problem(gettext_noop("text before the first ## section"))))

    introduction = ""
    segments: list[SegmentData] = []
    for number, heading, body in sections:
        name, _, title = heading.partition(":")
        name = name.strip().lower()
        if name == "introduction":
            if segments or introduction:
                errors.append(
                    (
                        number,
                        Problem(
                            gettext_noop("## Introduction must come once, before the segments")
                        ),
                    )
                )
            introduction = "\n".join(line for _, line in body).strip()
            continue
        if name != "segment":
            errors.append(
                (
                    number,
                    Problem(
                        gettext_noop("unknown section %(heading)s: use Introduction or Segment"),
                        heading=repr(heading),
                    ),
                )
            )
            continue
        segment = SegmentData(title=title.strip(), body="", line=number)
        parts: dict[str, list[tuple[int, str]]] = {"text": [], "prompts": [], "key": []}
        current = "text"
        for line_number, line in body:
            if line.startswith("### "):
                part = line[4:].strip().lower()
                if part not in ("prompts", "key"):
                    errors.append(
                        (
                            line_number,
                            Problem(
                                gettext_noop("unknown subsection %(heading)s"),
                                heading=repr(line.strip()),
                            ),
                        )
                    )
                    continue
                current = part
                continue
            parts[current].append((line_number, line))
        segment.body = "\n".join(line for _, line in parts["text"]).strip()
        if not segment.body:
            unpublishable.append((number, Problem(gettext_noop("this segment has no text"))))
        text = segment.text
        for line_number, item in _items(parts["prompts"]):
            match = PROMPT_RE.match(item)
            if not match or match["kind"] not in PROMPT_KINDS:
                errors.append(
                    (
                        line_number,
                        Problem(
                            gettext_noop(
                                "a prompt is written '- highlight: ...', '- text: ...' "
                                "or '- choose: ...'"
                            )
                        ),
                    )
                )
                continue
            segment.prompts.append(PromptData(match["kind"], match["text"].strip(), line_number))
        for line_number, item in _items(parts["key"]):
            match = KEY_RE.match(item)
            if not match:
                errors.append(
                    (
                        line_number,
                        Problem(
                            gettext_noop('a key line is written - TECHNIQUE | "quoted words" | why')
                        ),
                    )
                )
                continue
            span = KeyData(
                technique=match["technique"].strip(),
                quote=match["quote"],
                occurrence=int(match["n"] or 1),
                explanation=match["why"].strip(),
                line=line_number,
            )
            found = occurrences(text, span.quote)
            if not span.quote or span.quote != span.quote.strip(EDGE_CHARS):
                errors.append(
                    (
                        line_number,
                        Problem(
                            gettext_noop("a quote must not start or end with a space or . , : ;")
                        ),
                    )
                )
            elif not found:
                errors.append(
                    (
                        line_number,
                        Problem(
                            gettext_noop("the quote %(quote)s is not in this segment"),
                            quote=repr(span.quote),
                        ),
                    )
                )
            elif span.occurrence > len(found) or span.occurrence < 1:
                errors.append(
                    (
                        line_number,
                        Problem(
                            gettext_noop("the quote %(quote)s occurs only %(count)s time(s)"),
                            quote=repr(span.quote),
                            count=len(found),
                        ),
                    )
                )
            else:
                span.start, span.end = found[span.occurrence - 1]
                segment.key.append(span)
        segments.append(segment)
    if not segments:
        unpublishable.append((len(lines), Problem(gettext_noop("the lesson has no ## Segment"))))
    if not introduction:
        unpublishable.append(
            (front_end, Problem(gettext_noop("the lesson has no ## Introduction")))
        )

    if errors:
        raise LessonFormatError(errors)
    return LessonData(meta=meta, introduction=introduction, segments=segments,
                      meta_lines=meta_lines, missing=sorted(missing))  # fmt: skip


def dump_lesson(lesson: LessonData) -> str:
    """Write a lesson in the file format; `parse_lesson(dump_lesson(x))` equals x."""
    out = ["---"]
    for key in META_FIELDS:
        value = lesson.meta.get(key, "")
        if value or key in REQUIRED_META:
            out.append(f"{key}: {value}")
    out += ["---", "", "## Introduction", "", lesson.introduction.strip(), ""]
    for segment in lesson.segments:
        heading = f"## Segment: {segment.title}" if segment.title else "## Segment"
        out += [heading, "", segment.body.strip(), ""]
        if segment.prompts:
            out += ["### Prompts", ""]
            out += [f"- {p.kind}: {p.text}" for p in segment.prompts]
            out.append("")
        if segment.key:
            out += ["### Key", ""]
            text = segment.text
            for span in segment.key:
                n = occurrence_of(text, span.quote, span.start)
                suffix = f" #{n}" if n > 1 else ""
                line = f'- {span.technique} | "{span.quote}"{suffix} | {span.explanation}'
                out.append(line.rstrip())
            out.append("")
    return "\n".join(out)

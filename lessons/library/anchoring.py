"""Where a quote sits in a segment's plain text. Pure Python, no Django.

Offsets are Python `str` indices: Unicode code points, start inclusive, end exclusive,
the convention of the research corpora. The browser converts its UTF-16 indices before
sending them (static/js/highlight.js).
"""

import re
from dataclasses import dataclass

CONTEXT_LENGTH = 32
EDGE_CHARS = " \t\r\n\u00a0.,:;"


class AnchorError(ValueError):
    """The words could not be placed in the text; the message is for the student. It is
    English with named placeholders (`message`, filled from `values`): the form translates it
    (`library.forms.ANCHOR_MESSAGES` marks every one for the catalogue)."""

    def __init__(self, message: str, **values: object):
        super().__init__(message % values if values else message)
        self.message = message
        self.values = values


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    quote: str
    prefix: str
    suffix: str


class AmbiguousQuote(AnchorError):
    def __init__(self, text: str, matches: list[tuple[int, int]]):
        self.choices = [anchor_at(text, start, end) for start, end in matches]
        super().__init__(
            "These words appear %(count)s times in this passage. Choose which one you mean.",
            count=len(matches),
        )


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) so it neither starts nor ends with white space or . , : ;"""
    while start < end and text[start] in EDGE_CHARS:
        start += 1
    while end > start and text[end - 1] in EDGE_CHARS:
        end -= 1
    return start, end


def anchor_at(text: str, start: int, end: int) -> Anchor:
    return Anchor(
        start=start,
        end=end,
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
    )


def occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    """Every place the exact quote occurs, overlapping ones included."""
    found = []
    index = text.find(quote)
    while quote and index != -1:
        found.append((index, index + len(quote)))
        index = text.find(quote, index + 1)
    return found


def loose_occurrences(text: str, quote: str) -> list[tuple[int, int]]:
    """Matches ignoring case and differences in white space, for typed quotes."""
    words = quote.split()
    if not words:
        return []
    pattern = re.compile(r"\s+".join(re.escape(word) for word in words), re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def locate(
    text: str,
    quote: str,
    *,
    start: int | None = None,
    end: int | None = None,
    occurrence: int | None = None,
) -> Anchor:
    """Place a highlight: by offsets (checked against the quote when one is given), or by
    the quote alone (a typed quote; `occurrence` picks among repeats, 1-based)."""
    quote = quote.strip(EDGE_CHARS)
    if start is not None or end is not None:
        if start is None or end is None:
            raise AnchorError("Both ends of the selection are needed.")
        if not (0 <= start < end <= len(text)):
            raise AnchorError("That selection is outside this passage.")
        start, end = trim(text, start, end)
        if start == end:
            raise AnchorError("Select some words, not only spaces or punctuation.")
        if quote and " ".join(text[start:end].split()) != " ".join(quote.split()):
            raise AnchorError(
                "The selected words do not match the passage. Reload the page and try again."
            )
        return anchor_at(text, start, end)
    if not quote:
        raise AnchorError("Type or select the words you want to highlight.")
    matches = occurrences(text, quote) or loose_occurrences(text, quote)
    if not matches:
        raise AnchorError("“%(quote)s” is not in this passage. Check the spelling.", quote=quote)
    if occurrence is not None:
        if not 1 <= occurrence <= len(matches):
            raise AnchorError("That occurrence of the words does not exist.")
        return anchor_at(text, *matches[occurrence - 1])
    if len(matches) > 1:
        raise AmbiguousQuote(text, matches)
    return anchor_at(text, *matches[0])


def occurrence_of(text: str, quote: str, start: int) -> int:
    """Which occurrence (1-based) of `quote` starts at `start`, as `locate` counts them."""
    return [s for s, _ in occurrences(text, quote)].index(start) + 1


# Characters of context on a side that must still agree when a highlight's words are looked
# for in a new revision of its lesson (lessons/work/selectors.py).
CONTEXT_CHECK = 8

"""Where each character of a passage came from.

Students' highlights point at characters of a passage. When an author edits a draft of the
next revision, the editor knows what it did to the text: it keeps, for every passage of the
draft, a `TextMap` from the passage's characters back to the characters of the published
revision the draft was copied from. Moving a class to the new revision then puts each
highlight where its own characters went, when they survived together and unchanged, and
lists it otherwise: nothing is found again by searching for the same words
(docs/revisions.md).

A map is a tuple of runs `(start, end, source, source_start)`: this passage's characters
`[start, end)` are the characters `[source_start, source_start + end - start)` of passage
`source` (a passage id of the earlier revision), unchanged. Characters in no run were
written by the author. Pure Python: offsets are code points, as everywhere in Lens.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

Run = tuple[int, int, int, int]


def _normalised(runs: Iterable[Run]) -> tuple[Run, ...]:
    """Runs sorted, empty ones dropped, neighbours that continue each other joined."""
    out: list[Run] = []
    for start, end, source, source_start in sorted(r for r in runs if r[1] > r[0]):
        if out:
            p_start, p_end, p_source, p_source_start = out[-1]
            if (
                p_end == start
                and p_source == source
                and p_source_start + (p_end - p_start) == (source_start)
            ):
                out[-1] = (p_start, end, source, p_source_start)
                continue
        out.append((start, end, source, source_start))
    return tuple(out)


@dataclass(frozen=True)
class TextMap:
    runs: tuple[Run, ...] = ()

    @classmethod
    def identity(cls, source: int, length: int) -> "TextMap":
        """A passage copied whole from passage `source`."""
        return cls(_normalised([(0, length, source, 0)]))

    @classmethod
    def from_json(cls, value: Sequence[Sequence[int]] | None) -> "TextMap | None":
        if value is None:
            return None
        return cls(_normalised((int(a), int(b), int(c), int(d)) for a, b, c, d in value))

    def to_json(self) -> list[list[int]]:
        return [list(run) for run in self.runs]

    def sources(self) -> set[int]:
        return {run[2] for run in self.runs}

    def find(self, source: int, start: int, end: int) -> tuple[int, int] | None:
        """Where characters `[start, end)` of passage `source` are in this passage, if they
        all survived together, in order and unchanged; else None."""
        for r_start, r_end, r_source, r_source_start in self.runs:
            offset = r_source_start - r_start
            if (
                r_source == source
                and r_source_start <= start
                and end <= r_source_start + (r_end - r_start)
            ):
                return start - offset, end - offset
        return None

    def part(self, start: int, end: int) -> "TextMap":
        """The map of characters `[start, end)` of this passage cut out as a passage of their
        own (a passage split where its text lines up): offsets counted from `start`."""
        return TextMap(
            _normalised(
                (
                    max(r_start, start) - start,
                    min(r_end, end) - start,
                    source,
                    source_start + max(r_start, start) - r_start,
                )
                for r_start, r_end, source, source_start in self.runs
            )
        )

    def through(self, earlier: Mapping[int, "TextMap"]) -> "TextMap":
        """This map composed with the maps of the passages it points to: a map back to the
        revision before those (a class two revisions behind moves in one step). A character
        the author wrote in between has no origin."""
        runs: list[Run] = []
        for start, end, source, source_start in self.runs:
            inner = earlier.get(source)
            if inner is None:
                continue
            source_end = source_start + (end - start)
            for i_start, i_end, i_source, i_source_start in inner.runs:
                lo, hi = max(i_start, source_start), min(i_end, source_end)
                if lo < hi:
                    runs.append(
                        (
                            start + lo - source_start,
                            start + hi - source_start,
                            i_source,
                            i_source_start + lo - i_start,
                        )
                    )
        return TextMap(_normalised(runs))


# Between the shared start and end (two or more edits in one save), only stretches at least
# this long count as unchanged: a shorter one ("pe" of "people" replaced by "peace", or a word
# the author deleted and typed again elsewhere) is more likely a coincidence of the new words.
MIN_STRETCH = 32
# Comparing the part between character by character takes up to about len(old) * len(new)
# steps (40 s for a 20,000-character passage rewritten in one save, with the lesson locked).
# Beyond this many, the part between counts as rewritten: highlights in it are listed, never
# put on other words.
MAX_MIDDLE = 4_000_000

_SEPARATOR = object()  # between two source texts: matches nothing, so no run crosses it


def _matching_blocks(old: list[object], new: list[object]) -> list[tuple[int, int, int]]:
    """(old index, new index, length) of the stretches that stand unchanged. What the two
    texts share at their start and at their end is kept as it is: an edit in one place of
    the passage (what one save usually is) is then found exactly, and only the part between
    is compared character by character."""
    shortest = min(len(old), len(new))
    head = 0
    while head < shortest and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < shortest - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    blocks = [(0, 0, head)]
    if (len(old) - head - tail) * (len(new) - head - tail) <= MAX_MIDDLE:
        middle = SequenceMatcher(
            None,
            old[head : len(old) - tail],
            new[head : len(new) - tail],
            autojunk=False,
        )
        blocks += [
            (head + a, head + b, size)
            for a, b, size in middle.get_matching_blocks()
            if size >= MIN_STRETCH
        ]
    blocks.append((len(old) - tail, len(new) - tail, tail))
    return blocks


def _follow(sources: Sequence[tuple[str, TextMap]], new: list[object]) -> TextMap:
    old: list[object] = []
    where: list[tuple[int, int]] = []  # (index of the source, offset in it) per old item
    for index, (text, _) in enumerate(sources):
        if index:
            old.append(_SEPARATOR)
            where.append((-1, -1))
        old.extend(text)
        where.extend((index, offset) for offset in range(len(text)))
    runs: list[Run] = []
    for a, b, size in _matching_blocks(old, new):
        if not size:
            continue
        index, offset = where[a]
        for r_start, r_end, r_source, r_source_start in sources[index][1].runs:
            lo, hi = max(r_start, offset), min(r_end, offset + size)
            if lo < hi:
                runs.append(
                    (b + lo - offset, b + hi - offset, r_source, r_source_start + lo - r_start)
                )
    return TextMap(_normalised(runs))


def follow(sources: Sequence[tuple[str, TextMap]], new_text: str) -> TextMap:
    """The map of `new_text`, made by the editor from the texts of `sources` (one passage
    edited, a part of a split passage, two passages merged), given each source's own map.
    The characters that stand unchanged in the new text, by a code-point diff, keep their
    origin; the rest are the author's."""
    return _follow(sources, list(new_text))


_CUT = object()  # between two new texts: matches nothing, so no run crosses it


def follow_parts(sources: Sequence[tuple[str, TextMap]], new_texts: Sequence[str]) -> list[TextMap]:
    """`follow` for several new texts made from `sources` at once (a passage split where
    the parts' texts do not line up with it): one diff of the parts in order, so that no
    character of a source goes to two parts."""
    new: list[object] = []
    starts = []
    for index, text in enumerate(new_texts):
        if index:
            new.append(_CUT)
        starts.append(len(new))
        new.extend(text)
    joined = _follow(sources, new)
    return [
        joined.part(start, start + len(text)) for start, text in zip(starts, new_texts, strict=True)
    ]


def locate(
    maps: Mapping[int, TextMap], source: int, start: int, end: int
) -> tuple[int, int, int] | None:
    """Where characters `[start, end)` of the earlier passage `source` went in a revision
    whose passages have these maps: `(passage, start, end)`, or None when they did not all
    survive together (or stand in two passages, which the editor never does)."""
    found = [
        (passage, *span)
        for passage, text_map in maps.items()
        if (span := text_map.find(source, start, end)) is not None
    ]
    return found[0] if len(found) == 1 else None

"""The heat map's pieces of text (`selectors.dashboard._paragraphs`), cut from the runs with
neighbouring runs of one level joined first and each piece sliced once, are those the runs
gave one by one, joined as they came (the way before: tested against it on any text)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.insights import scoring
from lessons.insights.selectors.dashboard import (
    HeatPiece,
    _paragraphs,
    coverage_runs,
    heat_level,
)


def _paragraphs_run_by_run(text: str, runs: list[tuple[int, int, int]], n: int):
    """The pieces as they were cut before: a piece per run, joined to the one before it when
    their levels are the same."""
    paragraphs: list[list[HeatPiece]] = []
    i = 0
    position = 0
    for line in text.split("\n"):
        start, end = position, position + len(line)
        position = end + 1
        while i < len(runs) and runs[i][1] <= start:
            i += 1
        if not line.strip():
            continue
        pieces: list[HeatPiece] = []
        j = i
        while j < len(runs) and runs[j][0] < end:
            a, b, k = runs[j]
            piece = HeatPiece(text[max(a, start) : min(b, end)], heat_level(k, n), k)
            if pieces and pieces[-1].level == piece.level:
                last = pieces[-1]
                piece = HeatPiece(last.text + piece.text, last.level, max(last.students, k))
                pieces[-1] = piece
            else:
                pieces.append(piece)
            j += 1
        paragraphs.append(pieces)
    return paragraphs


spans_of_owners = st.dictionaries(
    st.integers(1, 9),
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(1, 25)).map(
            lambda t: scoring.Span(1, t[0], t[0] + t[1], "A")
        ),
        max_size=6,
    ),
    max_size=9,
)


@settings(max_examples=300)
@given(spans_of_owners, st.text(alphabet="ab c\n", max_size=40), st.integers(0, 3))
def test_the_heat_maps_pieces_are_those_cut_run_by_run(owners, text, others):
    merged = [
        [x for s in scoring.merge_spans(spans, ignore_technique=True) for x in (s.start, s.end)]
        for spans in owners.values()
    ]
    runs = coverage_runs(merged, len(text))
    students = len(owners) + others  # some students highlighted nothing here
    assert _paragraphs(text, runs, students) == _paragraphs_run_by_run(text, runs, students)

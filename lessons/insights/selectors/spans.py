"""Where rows of the database become `scoring.Span`s: the one place the models and the pure
scoring module meet."""

from collections.abc import Mapping
from typing import Protocol

from .. import scoring


class SpanRow(Protocol):
    """A highlight or a key span: a model instance, or a named row of `values_list`."""

    @property
    def segment_id(self) -> int: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def technique_id(self) -> int: ...


def span_of(row: SpanRow, codes: Mapping[int, str]) -> scoring.Span:
    """The row as a scoring span, its technique by code (`codes`: technique id -> code; a
    technique not in it gets "", as where the techniques were not loaded)."""
    return scoring.Span(row.segment_id, row.start, row.end, codes.get(row.technique_id, ""))

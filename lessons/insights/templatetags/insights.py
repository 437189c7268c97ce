"""Template tags of the insights pages."""

from collections.abc import Iterable
from functools import cache
from typing import Any

from django import template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# A student's state in one passage, in a symbol (hidden from screen readers) and in words.
# The states of `lessons.work.progress.PassageState`.
_PASSAGE_STATES = {
    "done": ("✓", "done"),
    "worked": ("✎", "worked on"),
    "read": ("○", "read only"),
    "none": ("·", "not opened"),
}


@cache  # a few dozen different cells in a whole class
def _cell(status: str, count: int) -> SafeString:
    symbol, words = _PASSAGE_STATES[status]
    highlights = ""
    if count:
        highlights = format_html(
            ' <span class="cell-count">{}<span class="visually-hidden"> highlight{}</span></span>',
            count,
            "" if count == 1 else "s",
        )
    return format_html(
        '<td class="cell cell-{}"><span aria-hidden="true">{}</span>'
        '<span class="visually-hidden">{}</span>{}</td>',
        status,
        symbol,
        words,
        highlights,
    )


@register.simple_tag
def passage_state(status: str) -> SafeString:
    """A student's state in one passage, in its symbol (hidden from screen readers) and in
    words, as the dashboard's legend says them."""
    symbol, words = _PASSAGE_STATES[status]
    return format_html(
        '<span class="passage-state cell-{}"><span aria-hidden="true">{}</span> {}</span>',
        status,
        symbol,
        words,
    )


@register.simple_tag
def passage_cells(cells: Iterable[tuple[str, int]]) -> SafeString:
    """One student's cells of the dashboard's progress table: per passage, their state and how
    many highlights they made there (`StudentRow.cells`).

    Written here rather than in the template, each kind of cell once: the class of 200 of
    bench/dashboard.py has 4,000 cells, which took the template language about 45 ms (the rest
    of the dashboard's template about 55 ms), `format_html_join` about 25 ms, and this about
    1 ms. Every cell is built by `format_html`, which escapes, so their concatenation is
    safe."""
    return mark_safe("".join([_cell(status, count) for status, count in cells]))


@register.simple_tag
def heat_paragraphs(paragraphs: Iterable[Iterable[tuple[str, int, int]]]) -> SafeString:
    """A passage of the heat map (`SegmentHeat.paragraphs`): a paragraph per line, each piece
    of text at a heat level in a span of that level.

    Written here rather than in the template: the pieces of a class of 200 took the
    template language about as long as the rest of the dashboard's template. Every piece of
    text is escaped; the levels are numbers."""
    return mark_safe(
        "\n".join(
            "<p>"
            + "".join(
                f'<span class="heat heat-{int(level)}">{escape(text)}</span>'
                if level
                else escape(text)
                for text, level, _ in paragraph
            )
            + "</p>"
            for paragraph in paragraphs
        )
    )


@register.simple_tag
def confusion_cells(cells: Iterable[Any]) -> SafeString:
    """One row's cells of the dashboard's confusion table (`ConfusionRow.cells`): a count,
    shaded by its share of the row (its level), in bold on the diagonal, muted when 0; a
    dash where no count can be. Written here for the same reason as `passage_cells`; the
    counts and levels are numbers."""
    out = []
    for cell in cells:
        if cell is None:
            out.append('<td class="number muted">\u2013</td>')  # an en dash
            continue
        classes = f"number conf conf-{int(cell.level)}"
        classes += " diag" if cell.diagonal else ""
        classes += "" if cell.count else " muted"
        out.append(f'<td class="{classes}">{int(cell.count)}</td>')
    return mark_safe("".join(out))


@register.simple_tag
def select_options(choices: Iterable[tuple[Any, Any]], current: Any) -> SafeString:
    """The `<option>`s of a choice field, the one whose value is `current` selected (compared
    as text, as the form posts it back; None selects the empty choice). A review page holds a
    form per student: written here, not by the template language, for the same reason as
    `passage_cells`. Values and labels are escaped."""
    chosen = "" if current is None else str(current)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == chosen else "", label)
            for value, label in choices
        ),
    )

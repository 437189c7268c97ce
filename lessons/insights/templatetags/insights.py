"""Template tags of the insights pages."""

import html
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import is_aware, localtime
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext, pgettext

from ..forms import ReviewForm

register = template.Library()

# A student's state in one passage, in a symbol (hidden from screen readers) and in words.
# The states of `lessons.work.progress.PassageState`.
_PASSAGE_STATES = {
    "done": ("✓", gettext_lazy("done")),
    "worked": ("✎", gettext_lazy("worked on")),
    "read": ("○", gettext_lazy("read only")),
    "none": ("·", gettext_lazy("not opened")),
}


@cache  # a few dozen different cells in a whole class, in the language of the page
def _cell(status: str, count: int, language: str | None) -> SafeString:
    symbol, words = _PASSAGE_STATES[status]
    highlights = ""
    if count:
        highlights = format_html(
            ' <span class="cell-count">{}<span class="visually-hidden"> {}</span></span>',
            count,
            ngettext("highlight", "highlights", count),
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
def progress_rows(progress: Any, assignment: Any) -> SafeString:
    """The rows of the dashboard's progress table (`selectors.dashboard.Progress`): per
    student, their name (a link to their work), passages done, hand-in, extension,
    highlights, key spans found, F1, and a cell per passage: their state and how many
    highlights they made there (`StudentRow.cells`), each kind of cell written once.

    Written here rather than in the template: a page of 30 rows took the template language
    about 6 ms, a seventh of the dashboard of 200 (bench/dashboard.py); and as one string
    per row rather than by `format_html`, whose escaping of each of a row's thirteen values
    took half of the 2 ms left. Names, dates and sentences are escaped (`_escape`), the
    figures are numbers, and the cells are `format_html`'s, so the rows are safe."""
    passages = int(progress.passages)
    keys = len(progress.work.keys)
    language = get_language()
    not_started = format_html('<span class="muted">{}</span>', gettext("not started"))
    not_yet = format_html('<span class="muted">{}</span>', gettext("not yet"))
    late = format_html(' <strong class="flag-late">{}</strong>', gettext("LATE"))
    no_extension = format_html('<span class="muted">{}</span>', pgettext("no extension", "none"))
    no_highlights = format_html('<span class="muted">{}</span>', gettext("No highlights yet"))
    no_score = '<td class="number"><span class="muted">\u2013</span></td>'  # an en dash
    of, until = gettext("%(n)s of %(total)s"), gettext("until %(date)s")
    done_by = gettext("Passages done by %(name)s")
    rows = []
    for row in progress.rows:
        student, submission, done = row.student, row.submission, int(row.done)
        name = student.display_name
        if submission is None:
            handed_in: str = not_started
        elif submission.submitted_at is None:
            handed_in = not_yet
        else:
            handed_in = _escape(_when(submission.submitted_at))
            handed_in += late if submission.is_late else ""
        extended = submission.extended_due_at if submission is not None else None
        extension = _escape(until % {"date": _when(extended)}) if extended else no_extension
        if row.scores:
            found = _escape(of % {"n": int(row.found), "total": keys})
            f1 = floatformat(row.scores.f1, 2) if row.scores.student_count else no_highlights
            scores = f'<td class="number">{found}</td><td class="number">{f1}</td>'
        else:
            scores = no_score + no_score
        url = reverse("insights:student_work", args=[assignment.pk, student.pk])
        rows.append(
            f'<tr><th scope="row"><a href="{_escape(url)}">{_escape(name)}</a></th>\n'
            f'      <td class="nowrap"><progress max="{passages}" value="{done}"'
            f' aria-label="{_escape(done_by % {"name": name})}">'
            f"{_escape(of % {'n': done, 'total': passages})}</progress> {done}/{passages}</td>\n"
            f"      <td>{handed_in}</td>\n"
            f"      <td>{extension}</td>\n"
            f'      <td class="number">{int(row.highlight_count)}</td>\n'
            f"      {scores}\n"
            f"      {''.join([_cell(status, n, language) for status, n in row.cells])}</tr>"
        )
    return mark_safe("\n".join(rows))


@register.simple_tag
def passage_headings(segments: Iterable[Any]) -> SafeString:
    """The headings of the progress table's columns of passages: each passage's position,
    with "Passage" for screen readers. Written here for the same reason as `heat_segments`:
    twenty translated headings a page. Positions are numbers."""
    heading = gettext('<span class="visually-hidden">Passage </span>%(position)s')
    return mark_safe(
        "".join(
            f'<th scope="col" class="cell-head">{heading % {"position": int(s.position)}}</th>'
            for s in segments
        )
    )


def _escape(value: Any) -> str:
    """`django.utils.html.escape` as plain text: the tags below build a whole row or section
    as one string and mark it safe once, rather than each value on its way (the same
    characters escaped, the same way: `html.escape`)."""
    return html.escape(str(value))


def _local(moment: Any) -> Any:
    """A date and time in the current time zone, as a template shows it."""
    return localtime(moment) if settings.USE_TZ and is_aware(moment) else moment


def _when(moment: Any) -> str:
    """A date and time as the `date` filter writes it with SHORT_DATETIME_FORMAT."""
    return formats.date_format(_local(moment), "SHORT_DATETIME_FORMAT")


def _heat_text(paragraphs: Iterable[Iterable[tuple[str, int, int]]]) -> str:
    """A passage's text in the heat map (`SegmentHeat.paragraphs`): a paragraph per line,
    each piece of text at a heat level in a span of that level. Written in Python since the
    pieces of a class of 200 took the template language about as long as the rest of the
    dashboard's template. Every piece of text is escaped; the levels are numbers."""
    return "\n".join(
        "<p>"
        + "".join(
            f'<span class="heat heat-{int(level)}">{_escape(text)}</span>'
            if level
            else _escape(text)
            for text, level, _ in paragraph
        )
        + "</p>"
        for paragraph in paragraphs
    )


def _phrase_items(phrases: Iterable[Any], students: int) -> str:
    """The items of a passage's list of its most highlighted phrases (`SegmentHeat.phrases`):
    each phrase quoted, and how many of the class's `students` highlighted it. Written in
    Python since the 100 phrases of a lesson of 20 passages, each with its count in words,
    were more than half of the heat map's time in the template language. Every phrase is
    escaped; the counts are numbers."""
    counted = ngettext(
        "%(highlighted)s of %(students)s student",
        "%(highlighted)s of %(students)s students",
        students,
    )
    return "\n".join(
        f"<li><q>{_escape(phrase.text)}</q>: "
        f"{_escape(counted % {'highlighted': phrase.count, 'students': students})}</li>"
        for phrase in phrases
    )


@register.simple_tag
def heat_legend_items(legend: Iterable[Any], students: int) -> SafeString:
    """The items of the heat map's legend after "no shading" (`HeatMap.legend`): each level's
    swatch, its line and how many of the class's `students` it stands for. Written here for
    the same reason as `heat_segments`; the lines are the catalogue's words, escaped as the
    template escaped them, the figures are numbers."""
    level_of = gettext("level %(level)s")
    range_of = gettext("%(line)s: %(low)s–%(high)s of %(students)s")  # noqa: RUF001
    one_of = gettext("%(line)s: %(low)s of %(students)s")
    total = int(students)
    out = []
    for entry in legend:
        level, low, high = int(entry.level), int(entry.low), int(entry.high)
        line = _escape(entry.line)
        if high != low:
            count = range_of % {"line": line, "low": low, "high": high, "students": total}
        else:
            count = one_of % {"line": line, "low": low, "students": total}
        out.append(
            f'\n      <li><span class="heat heat-{level} heat-swatch">'
            f"{level_of % {'level': level}}</span> {count}</li>\n    "
        )
    return mark_safe("".join(out))


@register.simple_tag
def heat_segments(heat: Any, language: str) -> SafeString:
    """Every passage of the heat map (`HeatMap.segments`), each a section: its heading
    ("Passage 3: its title"), its text at the heat levels (`_heat_text`, in the lesson's
    `language`) and the list of its most highlighted phrases (`_phrase_items`), or a line that
    says nobody highlighted there.

    Written here rather than by a loop of the template language: the 20 sections of the seed
    lesson took it about 2 ms a page (bench/dashboard.py), as much again as their text. The
    sentences are looked up in the catalogue once per page, and their words are the
    catalogue's own, as `{% translate %}` writes them; titles, text and phrases are escaped,
    positions and counts are numbers."""
    passage = gettext("Passage %(position)s")
    most = gettext("Most highlighted here:")
    nobody = gettext("Nobody highlighted anything in this passage.")
    lang = _escape(language)
    students = int(heat.students)
    out = []
    for item in heat.segments:
        segment = item.segment
        position = int(segment.position)
        title = f': <span lang="{lang}">{_escape(segment.title)}</span>' if segment.title else ""
        if item.phrases:
            phrases = (
                f'\n      <p class="phrases-heading" id="heat-phrases-{position}">{most}</p>'
                f'\n      <ul class="phrases" aria-labelledby="heat-phrases-{position}">'
                f"\n        {_phrase_items(item.phrases, students)}\n      </ul>\n    "
            )
        else:
            phrases = f'\n      <p class="muted">{nobody}</p>\n    '
        out.append(
            f'\n  <section class="card heat-segment" aria-labelledby="heat-passage-{position}">'
            f'\n    <h3 id="heat-passage-{position}">'
            f"{passage % {'position': position}}{title}</h3>"
            f'\n    <div class="source-text heat-text" lang="{lang}">'
            f"{_heat_text(item.paragraphs)}</div>\n    {phrases}\n  </section>\n"
        )
    return mark_safe("".join(out))


@register.simple_tag
def missed_items(missed: Iterable[Any], started: int, assignment: Any, language: str) -> SafeString:
    """The items of the dashboard's list of key spans most often missed
    (`selectors.dashboard.MissedKey`): the quote (in the lesson's `language`), its technique
    and passage, how many of the `started` students missed it, and a link to review the
    class's work on it. Written here for the same reason as `heat_segments`; the quotes and
    names are escaped, the counts are numbers, the sentences the catalogue's own."""
    passage = gettext("passage %(position)s")
    missed_by = gettext("missed by %(missed)s of %(started)s")
    review = gettext('Review<span class="visually-hidden"> the class\'s work on “%(quote)s”</span>')
    lang = _escape(language)
    out = []
    for item in missed:
        quote = _escape(item.key.quote)
        url = reverse("insights:review_key_span", args=[assignment.pk, item.key.pk])
        out.append(
            f'\n      <li>\n        <q lang="{lang}">{quote}</q> — '
            f"{_escape(item.technique.display_name)}, "
            f"{passage % {'position': int(item.segment.position)}}:"
            f"\n        <strong>{missed_by % {'missed': int(item.missed), 'started': int(started)}}"
            f'</strong>.\n        <a href="{_escape(url)}">{review % {"quote": quote}}</a>'
            "\n      </li>\n    "
        )
    return mark_safe("".join(out))


@register.simple_tag
def agreement_rows(agreements: Iterable[Any], started: int) -> SafeString:
    """The rows of the dashboard's table of agreement per passage
    (`selectors.dashboard.SegmentAgreement`): the passage, its agreement in percent with a
    bar, and how many of the `started` students highlighted there; "No highlights yet" where
    nobody did. Written here for the same reason as `heat_segments`; titles are escaped,
    the figures are numbers."""
    of = gettext("%(n)s of %(total)s")
    nothing = gettext("No highlights yet")
    total = int(started)
    out = []
    for item in agreements:
        segment = item.segment
        title = f": {_escape(segment.title)}" if segment.title else ""
        if item.agreement is None:
            cells = (
                f'\n        <td class="muted">{nothing}</td>'
                f'\n        <td class="number">{of % {"n": 0, "total": total}}</td>'
                '\n        <td class="chart"></td>\n        '
            )
        else:
            percent = int(item.percent)
            cells = (
                f'\n        <td class="number">{percent}%</td>'
                f'\n        <td class="number">{of % {"n": int(item.highlighters), "total": total}}'
                '</td>\n        <td class="chart"><svg class="bar" viewBox="0 0 100 10"'
                ' preserveAspectRatio="none" aria-hidden="true"><rect class="bar-agree" x="0"'
                f' y="0" width="{percent}" height="10"/></svg></td>\n        '
            )
        out.append(
            f'\n      <tr>\n        <th scope="row">{int(segment.position)}{title}</th>'
            f"\n        {cells}\n      </tr>\n    "
        )
    return mark_safe("".join(out))


@register.simple_tag
def rate_rows(rates: Iterable[Any]) -> SafeString:
    """The rows of the dashboard's table of techniques found and missed
    (`selectors.dashboard.TechniqueRate`): the technique, its key spans, then found, with
    another technique and missed (a percentage, and the count of all possible), and the
    chart. Written here for the same reason as `progress_rows`: its dozen rows took the
    template language about as long as the whole heat map. Names are escaped; the figures
    are numbers."""
    of = gettext("(%(n)s of %(total)s)")
    out = []
    for rate in rates:
        possible = int(rate.possible)
        found, other, missed = (
            int(rate.found_percent),
            int(rate.other_percent),
            int(rate.missed_percent),
        )
        found_of = _escape(of % {"n": int(rate.found), "total": possible})
        other_of = _escape(of % {"n": int(rate.other), "total": possible})
        missed_of = _escape(of % {"n": int(rate.missed), "total": possible})
        out.append(
            "\n      <tr>"
            f'\n        <th scope="row">{_escape(rate.technique.display_name)}</th>'
            f'\n        <td class="number">{int(rate.key_spans)}</td>'
            f'\n        <td class="number">{found}% <span class="muted">{found_of}</span></td>'
            f'\n        <td class="number">{other}% <span class="muted">{other_of}</span></td>'
            f'\n        <td class="number">{missed}% <span class="muted">{missed_of}</span></td>'
            '\n        <td class="chart"><svg class="bar" viewBox="0 0 100 10"'
            ' preserveAspectRatio="none" aria-hidden="true">'
            f'<rect class="bar-found" x="0" y="0" width="{found}" height="10"/>'
            f'<rect class="bar-other" x="{found}" y="0" width="{other}" height="10"/>'
            f'<rect class="bar-missed" x="{int(rate.missed_at)}" y="0" width="{missed}"'
            ' height="10"/></svg></td>\n      </tr>\n    '
        )
    return mark_safe("".join(out))


@register.simple_tag
def confusion_rows(rows: Iterable[Any]) -> SafeString:
    """The rows of the dashboard's confusion table (`ConfusionRow`): the key's technique
    ("Not in the key" for the row without one), then each count, shaded by its share of the
    row (its level), in bold on the diagonal, muted when 0; a dash where no count can be.
    Written here for the same reason as `progress_rows`; names are escaped, the counts and
    levels are numbers."""
    not_in_key = gettext("Not in the key")
    out = []
    for row in rows:
        heading = _escape(row.technique.display_name) if row.technique else not_in_key
        cells = []
        for cell in row.cells:
            if cell is None:
                cells.append('<td class="number muted">\u2013</td>')  # an en dash
                continue
            classes = f"number conf conf-{int(cell.level)}"
            classes += " diag" if cell.diagonal else ""
            classes += "" if cell.count else " muted"
            cells.append(f'<td class="{classes}">{int(cell.count)}</td>')
        out.append(
            f'\n      <tr>\n        <th scope="row">{heading}</th>'
            f"\n        {''.join(cells)}\n      </tr>\n    "
        )
    return mark_safe("".join(out))


@register.simple_tag
def select_options(choices: Iterable[tuple[Any, Any]], current: Any) -> SafeString:
    """The `<option>`s of a choice field, the one whose value is `current` selected (compared
    as text, as the form posts it back; None selects the empty choice). A review page holds a
    form per student: written here, not by the template language, for the same reason as
    `progress_rows`. Values and labels are escaped."""
    chosen = "" if current is None else str(current)
    return _options(tuple((str(value), str(label)) for value, label in choices), chosen)


@lru_cache(maxsize=256)  # the same dozen options on every form of a page, a few selected
def _options(choices: tuple[tuple[str, str], ...], chosen: str) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if value == chosen else "", label)
            for value, label in choices
        ),
    )


# One review form (`review_form`); every value is escaped by `format_html`, the labels are
# the catalogue's (`_review_labels`).
_REVIEW_FORM = """<form id="review-{pk}" class="review-form" method="post" novalidate
      action="{action}"
      data-hx-post="{action}"
      data-hx-target="this" data-hx-swap="outerHTML">
  {csrf}
  {form_errors}
  <input type="hidden" name="prompt" value="{prompt}">
  <input type="hidden" name="key_span" value="{key_span}">
  <input type="hidden" name="next" value="{next}">
  <div class="field{comment_error_class}">
    <label for="review-{pk}-comment" id="review-{pk}-comment-label">{comment_label}</label>
    {comment_errors}
    <textarea name="comment" id="review-{pk}-comment" rows="3" maxlength="{max_length}"
              aria-labelledby="review-{pk}-comment-label submission-{pk}-name"{comment_invalid}>
{comment}</textarea>
  </div>
  <div class="review-controls">
    <div class="field{score_error_class}">
      <label for="review-{pk}-score" id="review-{pk}-score-label">{score_label}</label>
      {score_errors}
      <select name="score" id="review-{pk}-score"
              aria-labelledby="review-{pk}-score-label submission-{pk}-name"{score_invalid}>
        {options}
      </select>
    </div>
    <div class="choice">
      <input type="checkbox" name="reviewed" id="review-{pk}-reviewed"{checked}
             aria-labelledby="review-{pk}-reviewed-label submission-{pk}-name">
      <label for="review-{pk}-reviewed" id="review-{pk}-reviewed-label">{reviewed_label}</label>
    </div>
    <button type="submit" id="review-{pk}-save"
            aria-labelledby="review-{pk}-save submission-{pk}-name">{save_label}</button>
  </div>
  <p class="review-state">{state}</p>
  <p class="save-status" role="status" id="review-{pk}-status">{status}</p>
</form>"""


@lru_cache(maxsize=64)  # per language and highest score: the same on every form of a page
def _review_labels(language: str | None, max_score: int) -> dict[str, SafeString]:
    # The catalogue's own markup (a span for screen readers), trusted as a template's text.
    labels = {
        "comment_label": gettext('Comment<span class="visually-hidden"> for</span>'),
        # The en dash as in the catalogue's msgid (a range, 0 to the highest score).
        "score_label": gettext('Score (0–%(max)s)<span class="visually-hidden"> for</span>')  # noqa: RUF001
        % {"max": max_score},
        "reviewed_label": gettext('Reviewed<span class="visually-hidden"> for</span>'),
        "save_label": gettext('Save<span class="visually-hidden"> review for</span>'),
    }
    return {name: mark_safe(label) for name, label in labels.items()}


def _field_errors(pk: str, name: str, errors: Any) -> dict[str, Any]:
    """A field's errors as the review form shows them: a list, and the field marked invalid
    and described by it."""
    if not errors:
        return {f"{name}_error_class": "", f"{name}_errors": "", f"{name}_invalid": ""}
    ident = f"review-{pk}-{name}_error"
    return {
        f"{name}_error_class": " field-error",
        f"{name}_errors": format_html(
            '<ul class="errors" id="{}">{}</ul>',
            ident,
            format_html_join("", "<li>{}</li>", ((error,) for error in errors)),
        ),
        f"{name}_invalid": format_html(' aria-invalid="true" aria-describedby="{}"', ident),
    }


# The values a review form shows, by field name.
_REVIEW_VALUES = ("comment", "score", "reviewed", "prompt", "key_span", "next")


@register.simple_tag(takes_context=True)
def review_form(
    context: template.Context, form: Any, assignment: Any, submission: Any, review: Any
) -> SafeString:
    """One review form (`lessons.insights.forms.ReviewForm`) on a review card, its fields
    written out rather than rendered by their widgets: `insights/_review_form.html` says what
    it shows. A page of review by question holds 20: the template language took 0.3 to 0.5 ms
    for each (bench/review.py), this about a fifth of that. `form` is a ReviewForm (sent, with
    its mistakes, or just saved), or for a form nobody has sent yet the initial values it would
    be made with (a dict): making the 20 forms of a page took as long as writing them (their
    fields are copied for each). `saved_at` and `refusal` come from the context (after a save,
    or a refused save)."""
    pk = str(int(submission.pk))
    if isinstance(form, dict):
        values, form_errors = form, False
        comment_errors = score_errors = ()
    else:
        values = {name: form[name].value() for name in _REVIEW_VALUES}
        form_errors = bool(form.non_field_errors())
        comment_errors, score_errors = form["comment"].errors, form["score"].errors
    fields: Any = ReviewForm.base_fields  # the same on every ReviewForm
    csrf = context.get("csrf_token")
    saved_at, refusal = context.get("saved_at"), context.get("refusal")
    if review and review.is_reviewed:
        state = gettext("Reviewed %(when)s") % {"when": _when(review.reviewed_at)}
    elif review:
        state = gettext("Saved, not marked reviewed: the student does not see it yet")
    else:
        state = gettext("Not reviewed yet")
    if saved_at:
        when = formats.time_format(_local(saved_at), "TIME_FORMAT")
        status = gettext("Saved at %(when)s.") % {"when": when}
    else:
        status = refusal.message if refusal else ""
    return format_html(
        _REVIEW_FORM,
        pk=pk,
        action=reverse("insights:review_save", args=[assignment.pk, pk]),
        csrf=format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf)
        if csrf and csrf != "NOTPROVIDED"
        else "",
        form_errors=render_to_string("_form_errors.html", {"form": form}) if form_errors else "",
        prompt=_or_empty(values.get("prompt")),
        key_span=_or_empty(values.get("key_span")),
        next=_or_empty(values.get("next")),
        max_length=fields["comment"].max_length,
        comment=_or_empty(values.get("comment")),
        options=select_options(fields["score"].choices, values.get("score")),
        checked=mark_safe(" checked") if values.get("reviewed") else "",
        state=state,
        status=status,
        **_field_errors(pk, "comment", comment_errors),
        **_field_errors(pk, "score", score_errors),
        **_review_labels(get_language(), ReviewForm.max_score),
    )


def _or_empty(value: Any) -> Any:
    return "" if value is None else value

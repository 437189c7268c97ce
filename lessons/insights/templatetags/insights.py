"""Template tags of the insights pages."""

from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import is_aware, localtime
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext, pgettext

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
    about 6 ms, a seventh of the dashboard of 200 (bench/dashboard.py). Every piece is built
    by `format_html`, which escapes names and dates, so their concatenation is safe."""
    passages = progress.passages
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
        name, submission, done = row.student.display_name, row.submission, row.done
        if submission is None:
            handed_in: SafeString | str = not_started
        elif submission.submitted_at is None:
            handed_in = not_yet
        else:
            handed_in = format_html(
                "{}{}", _when(submission.submitted_at), late if submission.is_late else ""
            )
        extended = submission.extended_due_at if submission is not None else None
        extension = escape(until % {"date": _when(extended)}) if extended else no_extension
        if row.scores:
            found = of % {"n": row.found, "total": keys}
            f1 = floatformat(row.scores.f1, 2) if row.scores.student_count else no_highlights
            scores = format_html('<td class="number">{}</td><td class="number">{}</td>', found, f1)
        else:
            scores = mark_safe(no_score + no_score)
        rows.append(
            format_html(
                '<tr><th scope="row"><a href="{}">{}</a></th>\n'
                '      <td class="nowrap">'
                '<progress max="{}" value="{}" aria-label="{}">{}</progress> {}/{}</td>\n'
                "      <td>{}</td>\n"
                "      <td>{}</td>\n"
                '      <td class="number">{}</td>\n'
                "      {}\n"
                "      {}</tr>",
                reverse("insights:student_work", args=[assignment.pk, row.student.pk]),
                name,
                passages,
                done,
                done_by % {"name": name},
                of % {"n": done, "total": passages},
                done,
                passages,
                handed_in,
                extension,
                row.highlight_count,
                scores,
                mark_safe("".join([_cell(status, n, language) for status, n in row.cells])),
            )
        )
    return mark_safe("\n".join(rows))


def _local(moment: Any) -> Any:
    """A date and time in the current time zone, as a template shows it."""
    return localtime(moment) if settings.USE_TZ and is_aware(moment) else moment


def _when(moment: Any) -> str:
    """A date and time as the `date` filter writes it with SHORT_DATETIME_FORMAT."""
    return formats.date_format(_local(moment), "SHORT_DATETIME_FORMAT")


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
def heat_phrases(phrases: Iterable[Any], students: int) -> SafeString:
    """The items of a passage's list of its most highlighted phrases in the heat map
    (`SegmentHeat.phrases`): each phrase quoted, and how many of the class's `students`
    highlighted it. Written here rather than in the template: the 100 phrases of a lesson of
    20 passages, each with its count in words, were more than half of the heat map's time in
    the template language. Every phrase is escaped; the counts are numbers."""
    counted = ngettext(
        "%(highlighted)s of %(students)s student",
        "%(highlighted)s of %(students)s students",
        students,
    )
    return format_html_join(
        "\n",
        "<li><q>{}</q>: {}</li>",
        (
            (phrase.text, counted % {"highlighted": phrase.count, "students": students})
            for phrase in phrases
        ),
    )


@register.simple_tag
def rate_cells(rate: Any) -> SafeString:
    """The cells of one row of the dashboard's table of techniques found and missed
    (`selectors.dashboard.TechniqueRate`), after its heading: key spans, then found, with
    another technique and missed (a percentage, and the count of all possible), and the
    chart. Written here for the same reason as `progress_rows`: its dozen rows took the
    template language about as long as the whole heat map. The figures are numbers."""
    of = gettext("(%(n)s of %(total)s)")
    possible = int(rate.possible)
    found, other, missed = (
        int(rate.found_percent),
        int(rate.other_percent),
        int(rate.missed_percent),
    )
    return format_html(
        '<td class="number">{}</td>\n'
        '        <td class="number">{}% <span class="muted">{}</span></td>\n'
        '        <td class="number">{}% <span class="muted">{}</span></td>\n'
        '        <td class="number">{}% <span class="muted">{}</span></td>\n'
        '        <td class="chart"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none"'
        ' aria-hidden="true"><rect class="bar-found" x="0" y="0" width="{}" height="10"/>'
        '<rect class="bar-other" x="{}" y="0" width="{}" height="10"/>'
        '<rect class="bar-missed" x="{}" y="0" width="{}" height="10"/></svg></td>',
        int(rate.key_spans),
        found,
        of % {"n": int(rate.found), "total": possible},
        other,
        of % {"n": int(rate.other), "total": possible},
        missed,
        of % {"n": int(rate.missed), "total": possible},
        found,
        found,
        other,
        int(rate.missed_at),
        missed,
    )


@register.simple_tag
def confusion_cells(cells: Iterable[Any]) -> SafeString:
    """One row's cells of the dashboard's confusion table (`ConfusionRow.cells`): a count,
    shaded by its share of the row (its level), in bold on the diagonal, muted when 0; a
    dash where no count can be. Written here for the same reason as `progress_rows`; the
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


def _field_errors(pk: str, bound: Any) -> dict[str, Any]:
    """A field's errors as the review form shows them: a list, and the field marked invalid
    and described by it."""
    name = bound.name
    errors = bound.errors
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


@register.simple_tag(takes_context=True)
def review_form(
    context: template.Context, form: Any, assignment: Any, submission: Any, review: Any
) -> SafeString:
    """One review form (`lessons.insights.forms.ReviewForm`) on a review card, its fields
    written out rather than rendered by their widgets: `insights/_review_form.html` says what
    it shows. A page of review by question holds 20: the template language took 0.3 to 0.5 ms
    for each (bench/review.py), this about a fifth of that. `saved_at` and `refusal` come from
    the context (after a save, or a refused save)."""
    pk = str(int(submission.pk))
    comment, score, reviewed = form["comment"], form["score"], form["reviewed"]
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
    value = comment.value()
    return format_html(
        _REVIEW_FORM,
        pk=pk,
        action=reverse("insights:review_save", args=[assignment.pk, pk]),
        csrf=format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf)
        if csrf and csrf != "NOTPROVIDED"
        else "",
        form_errors=render_to_string("_form_errors.html", {"form": form})
        if form.non_field_errors()
        else "",
        prompt=_or_empty(form["prompt"].value()),
        key_span=_or_empty(form["key_span"].value()),
        next=_or_empty(form["next"].value()),
        max_length=comment.field.max_length,
        comment="" if value is None else value,
        options=select_options(score.field.choices, score.value()),
        checked=mark_safe(" checked") if reviewed.value() else "",
        state=state,
        status=status,
        **_field_errors(pk, comment),
        **_field_errors(pk, score),
        **_review_labels(get_language(), form.max_score),
    )


def _or_empty(value: Any) -> Any:
    return "" if value is None else value

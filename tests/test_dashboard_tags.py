"""The dashboard's sections written by template tags (`lessons/insights/templatetags/insights.py`:
the heat map's passages, the most missed key spans, agreement per passage, the tables of
techniques and of confusion, the progress table's headings) write, character for character,
what the template markup they replaced wrote: the same words in English and in Spanish, the
same escaping of titles, quotes and names, the same attributes for screen readers. Each
markup below is the template's as it was (the way before)."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from lessons.insights.selectors.dashboard import (
    ConfusionCell,
    ConfusionRow,
    HeatMap,
    HeatPiece,
    MissedKey,
    Phrase,
    SegmentAgreement,
    SegmentHeat,
    TechniqueRate,
    heat_legend,
)
from lessons.insights.templatetags import insights as tags

# Words a template must escape, and the quotes and dashes the catalogue's sentences hold.
TRICKY = 'Tom & Jerry\'s <b>"best"</b> “quote” — 1 < 2'

_HEAT_BEFORE = """{% load i18n %}{% for item in heat.segments %}
  <section class="card heat-segment" aria-labelledby="heat-passage-{{ item.segment.position }}">
    <h3 id="heat-passage-{{ item.segment.position }}">{% blocktranslate trimmed with position=item.segment.position %}Passage {{ position }}{% endblocktranslate %}{% if item.segment.title %}: <span lang="{{ lesson.language }}">{{ item.segment.title }}</span>{% endif %}</h3>
    <div class="source-text heat-text" lang="{{ lesson.language }}">{% for paragraph in item.paragraphs %}{% if not forloop.first %}
{% endif %}<p>{% for piece in paragraph %}{% if piece.level %}<span class="heat heat-{{ piece.level }}">{{ piece.text }}</span>{% else %}{{ piece.text }}{% endif %}{% endfor %}</p>{% endfor %}</div>
    {% if item.phrases %}
      <p class="phrases-heading" id="heat-phrases-{{ item.segment.position }}">{% translate "Most highlighted here:" %}</p>
      <ul class="phrases" aria-labelledby="heat-phrases-{{ item.segment.position }}">
        {% for phrase in item.phrases %}{% if not forloop.first %}
{% endif %}<li><q>{{ phrase.text }}</q>: {% blocktranslate trimmed with highlighted=phrase.count count students=heat.students %}{{ highlighted }} of {{ students }} student{% plural %}{{ highlighted }} of {{ students }} students{% endblocktranslate %}</li>{% endfor %}
      </ul>
    {% else %}
      <p class="muted">{% translate "Nobody highlighted anything in this passage." %}</p>
    {% endif %}
  </section>
{% endfor %}"""  # noqa: E501

_LEGEND_BEFORE = """{% load i18n %}{% for entry in heat.legend %}
      <li><span class="heat heat-{{ entry.level }} heat-swatch">{% blocktranslate trimmed with level=entry.level %}level {{ level }}{% endblocktranslate %}</span> {% if entry.high != entry.low %}{% blocktranslate trimmed with line=entry.line low=entry.low high=entry.high students=heat.students %}{{ line }}: {{ low }}–{{ high }} of {{ students }}{% endblocktranslate %}{% else %}{% blocktranslate trimmed with line=entry.line low=entry.low students=heat.students %}{{ line }}: {{ low }} of {{ students }}{% endblocktranslate %}{% endif %}</li>
    {% endfor %}"""  # noqa: E501

_MISSED_BEFORE = """{% load i18n %}{% for item in board.missed %}
      <li>
        <q lang="{{ lesson.language }}">{{ item.key.quote }}</q> — {{ item.technique.display_name }}, {% blocktranslate trimmed with position=item.segment.position %}passage {{ position }}{% endblocktranslate %}:
        <strong>{% blocktranslate trimmed with missed=item.missed started=board.started %}missed by {{ missed }} of {{ started }}{% endblocktranslate %}</strong>.
        <a href="{% url 'insights:review_key_span' assignment.pk item.key.pk %}">{% blocktranslate trimmed with quote=item.key.quote %}Review<span class="visually-hidden"> the class's work on “{{ quote }}”</span>{% endblocktranslate %}</a>
      </li>
    {% endfor %}"""  # noqa: E501

_AGREEMENT_BEFORE = """{% load i18n %}{% for item in board.agreements %}
      <tr>
        <th scope="row">{{ item.segment.position }}{% if item.segment.title %}: {{ item.segment.title }}{% endif %}</th>
        {% if item.agreement is None %}
        <td class="muted">{% translate "No highlights yet" %}</td>
        <td class="number">{% blocktranslate trimmed with n=0 total=board.started %}{{ n }} of {{ total }}{% endblocktranslate %}</td>
        <td class="chart"></td>
        {% else %}
        <td class="number">{{ item.percent }}%</td>
        <td class="number">{% blocktranslate trimmed with n=item.highlighters total=board.started %}{{ n }} of {{ total }}{% endblocktranslate %}</td>
        <td class="chart"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect class="bar-agree" x="0" y="0" width="{{ item.percent }}" height="10"/></svg></td>
        {% endif %}
      </tr>
    {% endfor %}"""  # noqa: E501

# The rows of the table of techniques, with the cells `rate_cells` wrote.
_RATES_BEFORE = """{% load i18n %}{% for rate in board.rates %}
      <tr>
        <th scope="row">{{ rate.technique.display_name }}</th>
        <td class="number">{{ rate.key_spans }}</td>
        <td class="number">{{ rate.found_percent }}% <span class="muted">{% blocktranslate trimmed with n=rate.found total=rate.possible %}({{ n }} of {{ total }}){% endblocktranslate %}</span></td>
        <td class="number">{{ rate.other_percent }}% <span class="muted">{% blocktranslate trimmed with n=rate.other total=rate.possible %}({{ n }} of {{ total }}){% endblocktranslate %}</span></td>
        <td class="number">{{ rate.missed_percent }}% <span class="muted">{% blocktranslate trimmed with n=rate.missed total=rate.possible %}({{ n }} of {{ total }}){% endblocktranslate %}</span></td>
        <td class="chart"><svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true"><rect class="bar-found" x="0" y="0" width="{{ rate.found_percent }}" height="10"/><rect class="bar-other" x="{{ rate.found_percent }}" y="0" width="{{ rate.other_percent }}" height="10"/><rect class="bar-missed" x="{{ rate.missed_at }}" y="0" width="{{ rate.missed_percent }}" height="10"/></svg></td>
      </tr>
    {% endfor %}"""  # noqa: E501

# The rows of the confusion table, with the cells `confusion_cells` wrote.
_CONFUSION_BEFORE = """{% load i18n %}{% for row in board.confusion.rows %}
      <tr>
        <th scope="row">{% if row.technique %}{{ row.technique.display_name }}{% else %}{% translate "Not in the key" %}{% endif %}</th>
        {% for cell in row.cells %}{% if cell is None %}<td class="number muted">–</td>{% else %}<td class="number conf conf-{{ cell.level }}{% if cell.diagonal %} diag{% endif %}{% if not cell.count %} muted{% endif %}">{{ cell.count }}</td>{% endif %}{% endfor %}
      </tr>
    {% endfor %}"""  # noqa: E501

_HEADINGS_BEFORE = """{% load i18n %}{% for segment in segments %}<th scope="col" class="cell-head">{% blocktranslate trimmed with position=segment.position %}<span class="visually-hidden">Passage </span>{{ position }}{% endblocktranslate %}</th>{% endfor %}"""  # noqa: E501


def _before(markup: str, **context: object) -> str:
    return Template(markup).render(Context(context))


def _passage(position: int, title: str) -> SimpleNamespace:
    return SimpleNamespace(position=position, title=title)


def _technique(name: str) -> SimpleNamespace:
    return SimpleNamespace(display_name=name, position=1)


@pytest.fixture(params=["en", "es"])
def language(request):
    with translation.override(request.param):
        yield request.param


def test_the_heat_maps_passages_are_written_as_the_template_wrote_them(language):
    pieces = [[HeatPiece("Plain ", 0, 0), HeatPiece(TRICKY, 3, 2)], [HeatPiece("& more", 5, 4)]]
    heat = HeatMap(
        segments=[
            SegmentHeat(_passage(1, TRICKY), pieces, [Phrase(TRICKY, 3), Phrase("x", 1)], [], 3),
            SegmentHeat(_passage(2, ""), [[HeatPiece("Nobody here", 0, 0)]], [], [], 0),
        ],
        students=4,
        legend=[],
    )
    lesson = SimpleNamespace(language="es")

    before = _before(_HEAT_BEFORE, heat=heat, lesson=lesson)

    assert tags.heat_segments(heat, lesson.language) == before
    assert "&lt;b&gt;&quot;best&quot;&lt;/b&gt;" in before  # the stand-ins do need escaping


@pytest.mark.parametrize("students", [1, 3, 7, 200])
def test_the_heat_legend_is_written_as_the_template_wrote_it(language, students):
    heat = HeatMap(segments=[], students=students, legend=heat_legend(students))

    before = _before(_LEGEND_BEFORE, heat=heat)

    assert tags.heat_legend_items(heat.legend, students) == before
    assert before.count("<li>") == len(heat.legend)


def test_the_most_missed_key_spans_are_written_as_the_template_wrote_them(language):
    missed = [
        MissedKey(
            SimpleNamespace(pk=7, quote=TRICKY), _passage(3, ""), _technique(TRICKY), missed=12
        ),
        MissedKey(SimpleNamespace(pk=8, quote="b"), _passage(1, "x"), _technique("Doubt"), 1),
    ]
    board = SimpleNamespace(missed=missed, started=20)
    assignment = SimpleNamespace(pk=5)
    lesson = SimpleNamespace(language="en")

    before = _before(_MISSED_BEFORE, board=board, assignment=assignment, lesson=lesson)

    assert tags.missed_items(missed, 20, assignment, lesson.language) == before


def test_agreement_per_passage_is_written_as_the_template_wrote_it(language):
    agreements = [
        SegmentAgreement(_passage(2, TRICKY), 0.768, 5),
        SegmentAgreement(_passage(1, ""), None, 0),
    ]
    board = SimpleNamespace(agreements=agreements, started=9)

    assert tags.agreement_rows(agreements, 9) == _before(_AGREEMENT_BEFORE, board=board)


def test_the_techniques_found_and_missed_are_written_as_the_template_wrote_them(language):
    rates = [
        TechniqueRate(_technique(TRICKY), key_spans=4, found=13, possible=36, other=5),
        TechniqueRate(_technique("Doubt"), key_spans=1, found=0, possible=0),
    ]
    board = SimpleNamespace(rates=rates)

    assert tags.rate_rows(rates) == _before(_RATES_BEFORE, board=board)


def test_the_confusion_table_is_written_as_the_template_wrote_it(language):
    rows = [
        ConfusionRow(
            _technique(TRICKY), [ConfusionCell(3, 5, True), ConfusionCell(0, 0, False), None]
        ),
        ConfusionRow(None, [ConfusionCell(2, 4, False), None, None]),
    ]
    board = SimpleNamespace(confusion=SimpleNamespace(rows=rows))

    assert tags.confusion_rows(rows) == _before(_CONFUSION_BEFORE, board=board)


def test_the_progress_tables_passage_headings_are_written_as_the_template_wrote_them(language):
    segments = [_passage(1, ""), _passage(2, "x"), _passage(13, "")]

    assert tags.passage_headings(segments) == _before(_HEADINGS_BEFORE, segments=segments)

"""The technique taxonomies in the reader's language (docs/i18n.md): the names, categories,
definitions and examples that lessons/library/migrations/0002_taxonomies.py loads are in the
Spanish catalogue, and every page that shows them shows the Spanish to a Spanish reader and
the English to everybody else; the research codes stay as they are."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from lessons.library.models import Taxonomy, Technique, catalogue_text

from . import factories
from .html import assert_in_fragment, assert_not_in_fragment, select, text
from .test_i18n import CATALOGUE, _entries

# The first technique of the practice lesson's list (SemEval-2020), in both languages.
LOADED = "Loaded language"
LOADED_ES = "Lenguaje cargado"
LOADED_DEFINITION_ES = "Usar palabras con una fuerte carga emocional, buena o mala"
LOADED_EXAMPLE_ES = "Las temerarias nuevas normas de aparcamiento están asfixiando"
NAME_CALLING = "Name calling / labelling"
NAME_CALLING_ES = "Insultos / etiquetas"
TAXONOMY_ES = "SemEval-2020, tarea 11 (14 técnicas)"


def _as(client, user, language: str) -> None:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)


def _passage(client, world):
    page = client.get(reverse("work:segment", args=[world.assignment.pk, 1]))
    assert page.status_code == 200
    return page


def _options(page) -> list[str]:
    return [o.get_text() for o in select(page.content, "#highlight-form select option")]


# The student's passage page: the list of techniques, the <select>, the highlights.


def test_a_spanish_student_reads_the_techniques_in_spanish_beside_the_passage(client, world):
    _as(client, world.sam, "es")

    page = _passage(client, world)

    assert_in_fragment(
        page.content, "#techniques", TAXONOMY_ES, LOADED_ES, LOADED_DEFINITION_ES, LOADED_EXAMPLE_ES
    )
    assert_not_in_fragment(page.content, "#techniques", LOADED, "Using words with strong")
    assert LOADED_ES in _options(page) and NAME_CALLING_ES in _options(page)
    assert LOADED not in _options(page)


def test_a_spanish_student_sees_their_highlight_named_in_spanish(client, world):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    _as(client, world.sam, "es")

    page = _passage(client, world)

    # The list of highlights below the text, and the label drawn in the text itself (the
    # lesson's own words stay English).
    assert_in_fragment(page.content, "#highlights", f"glorious leader — {LOADED_ES}")
    assert_in_fragment(page.content, "#segment-text .hl-label", LOADED_ES)
    assert_not_in_fragment(page.content, "main", LOADED)


def test_an_english_student_still_reads_the_techniques_in_english(client, world):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    _as(client, world.sam, "en")

    page = _passage(client, world)

    assert_in_fragment(page.content, "#techniques", LOADED, "Using words with strong")
    assert_in_fragment(page.content, "#segment-text .hl-label", LOADED)
    assert LOADED in _options(page)
    assert_not_in_fragment(page.content, "main", LOADED_ES)


# The library's pages of definitions, which anybody may read.


def test_the_definitions_page_is_in_spanish_with_the_research_codes_unchanged(client, db):
    page = client.get(reverse("library:taxonomy", args=["semeval-2023"]), HTTP_ACCEPT_LANGUAGE="es")

    assert text(page.content, "main h1") == "SemEval-2023, tarea 3 (23 técnicas de persuasión)"
    headings = [h.get_text() for h in select(page.content, "main h2")]
    assert headings[:2] == ["Ataque a la reputación", "Justificación"]
    assert_in_fragment(
        page.content,
        "main dl",
        "Falacia del hombre de paja Straw_Man",
        "Y tú más (whataboutism) Whataboutism",
        "Pista falsa Red_Herring",
    )
    # The source is a bibliography: its titles stay as published.
    assert_in_fragment(page.content, "main", "Annotation Guidelines")


def test_the_list_of_taxonomies_is_in_spanish_and_in_english(client, db):
    spanish = client.get(reverse("library:taxonomies"), HTTP_ACCEPT_LANGUAGE="es")
    english = client.get(reverse("library:taxonomies"), HTTP_ACCEPT_LANGUAGE="en")

    assert_in_fragment(
        spanish.content,
        "main .cards",
        TAXONOMY_ES,
        "Instituto para el Análisis de la Propaganda (7 recursos, 1937)",
        "Siete recursos clásicos con nombres sencillos",
    )
    assert_in_fragment(english.content, "main .cards", "SemEval-2020 Task 11 (14 techniques)")
    assert_not_in_fragment(english.content, "main .cards", TAXONOMY_ES)


# Teachers' pages.


def test_a_spanish_teacher_reads_the_confusion_table_in_spanish(client, world):
    # Sam calls the key's "traitors" (name calling) loaded language.
    factories.make_highlight(world.assignment, world.sam, "traitors", occurrence=1)
    factories.hand_in(world.assignment, world.sam)
    _as(client, world.alice, "es")

    page = client.get(reverse("insights:dashboard", args=[world.assignment.pk]))

    columns = [th.get_text() for th in select(page.content, "table.confusion thead th")]
    rows = [th.get_text() for th in select(page.content, "table.confusion tbody th")]
    assert LOADED_ES in columns and NAME_CALLING_ES in rows, (columns, rows)
    assert LOADED not in columns and NAME_CALLING not in rows


def test_an_english_teacher_reads_the_confusion_table_in_english(client, world):
    factories.make_highlight(world.assignment, world.sam, "traitors", occurrence=1)
    factories.hand_in(world.assignment, world.sam)
    _as(client, world.alice, "en")

    page = client.get(reverse("insights:dashboard", args=[world.assignment.pk]))

    columns = [th.get_text() for th in select(page.content, "table.confusion thead th")]
    rows = [th.get_text() for th in select(page.content, "table.confusion tbody th")]
    assert LOADED in columns and NAME_CALLING in rows, (columns, rows)


def test_the_highlights_export_names_the_technique_in_the_teachers_language(client, world):
    # The code column is the research corpora's ID in every language; the name beside it
    # is the teacher's, as on the dashboard.
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    _as(client, world.alice, "es")

    answer = client.post(reverse("insights:export_highlights", args=[world.assignment.pk]))

    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [row[6:8] for row in rows[1:]] == [["Loaded_Language", LOADED_ES]], rows


# The catalogue has every technique the database holds.


def test_every_technique_and_taxonomy_is_translated_in_the_catalogue(db):
    """Checked against the rows, so that a technique added without its Spanish fails here;
    and read back through the pages' own path (`display_name` and the like)."""
    entries = _entries(CATALOGUE)
    missing = []
    shown_wrong = []
    with translation.override("es"):
        words = [
            (row, field)
            for row in [*Taxonomy.objects.all(), *Technique.objects.all()]
            for field in (
                ("name", "description")
                if isinstance(row, Taxonomy)
                else ("name", "category", "definition", "example")
            )
            if getattr(row, field)
        ]
        for row, field in words:
            english = getattr(row, field)
            entry = entries.get((None, english))
            if entry is None or not entry["msgstr"][0] or "fuzzy" in entry["flags"]:
                missing.append(f"{row._meta.model_name} {row.pk} {field}: {english!r}")
            elif getattr(row, f"display_{field}") != entry["msgstr"][0]:
                shown_wrong.append(f"{row._meta.model_name} {row.pk} {field}: {english!r}")
    assert not missing, "no Spanish in locale/es/LC_MESSAGES/django.po for:\n" + "\n".join(missing)
    assert not shown_wrong, "the Spanish is not what the pages show for:\n" + "\n".join(shown_wrong)
    assert len(words) >= 2 * 3 + 3 * (14 + 23 + 7) + 23  # the migration's rows were all read


@pytest.mark.parametrize("language", ["es", "en"])
def test_words_the_catalogue_does_not_have_show_as_written(language):
    # An operator's edit in the admin, say; and no empty category becomes the catalogue's
    # header.
    with translation.override(language):
        assert Technique(name="Palabras con gancho").display_name == "Palabras con gancho"
        assert Technique(category="").display_category == ""
        assert catalogue_text("") == ""

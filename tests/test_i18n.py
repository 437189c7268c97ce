"""Lens in Spanish (docs/i18n.md): the catalogue is complete and compiles, no marked string
is missing from it, the language comes from the account, else the switcher's cookie, else
the browser, and pages, dates and plurals follow it."""

import ast
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from core.models import User

from . import factories
from .conftest import PERSONAS, log_in
from .html import assert_in_fragment, select, text

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
# What makemessages reads: Lens's own code and templates (not the virtualenv, not the tests).
SOURCES = ("core", "lens", "lessons", "templates")


def _entries(po: Path) -> dict[tuple[str | None, str], dict]:
    """The catalogue's messages, by (context, msgid): their flags and translations. The file
    is read through `msgcat --no-wrap`, so that every string is on one line."""
    flat = subprocess.run(
        ["msgcat", "--no-wrap", str(po)], check=True, capture_output=True, text=True
    ).stdout
    entries = {}
    for block in flat.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        entry: dict = {"flags": set(), "msgstr": []}
        for line in lines:
            if line.startswith('"'):  # a continuation: only the header's msgstr has them
                entry["msgstr"][-1] += ast.literal_eval(line)
            elif line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("msgctxt "):
                entry["context"] = ast.literal_eval(line[len("msgctxt ") :])
            elif line.startswith("msgid "):
                entry["msgid"] = ast.literal_eval(line[len("msgid ") :])
            elif line.startswith("msgstr"):
                entry["msgstr"].append(ast.literal_eval(line.split(" ", 1)[1]))
        entries[(entry.get("context"), entry["msgid"])] = entry
    return entries


def test_the_catalogue_compiles(tmp_path):
    """msgfmt --check: the .po parses, its header is right, and every translation has the
    same %(name)s placeholders as its msgid (python-format)."""
    done = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "django.mo").stat().st_size > 0


def test_compilemessages_succeeds(tmp_path):
    """Django's own command, as docs/deployment.md runs it, on a copy of the catalogue."""
    copy = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", copy, ignore=shutil.ignore_patterns("*.mo"))
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[copy]):
            call_command("compilemessages", locale=["es"], verbosity=0)
    finally:
        os.chdir(here)
    assert (copy / "es" / "LC_MESSAGES" / "django.mo").exists()


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = _entries(CATALOGUE)
    header = entries.pop((None, ""))
    assert "fuzzy" not in header["flags"], "the catalogue's header is marked fuzzy"
    assert "Language: es" in header["msgstr"][0]
    untranslated = [key for key, entry in entries.items() if not all(entry["msgstr"])]
    fuzzy = [key for key, entry in entries.items() if "fuzzy" in entry["flags"]]
    assert untranslated == [], f"{len(untranslated)} messages without a translation"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy messages: check and unmark them"
    assert len(entries) > 150  # the catalogue is the real one, not an empty file


def test_makemessages_would_add_nothing(tmp_path):
    """Every string marked in the code and templates is in the catalogue, and nothing in it
    is left over: makemessages, run into an empty directory, finds the same messages."""
    for name in SOURCES:
        (tmp_path / name).symlink_to(ROOT / name, target_is_directory=True)
    fresh = tmp_path / "locale"
    fresh.mkdir()
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        with override_settings(LOCALE_PATHS=[fresh]):
            call_command(
                "makemessages", locale=["es"], symlinks=True, no_location=True, verbosity=0
            )
    finally:
        os.chdir(here)
    found = set(_entries(fresh / "es" / "LC_MESSAGES" / "django.po"))
    catalogued = set(_entries(CATALOGUE))
    assert sorted(found - catalogued, key=str) == [], "marked but not in the catalogue"
    assert sorted(catalogued - found, key=str) == [], "in the catalogue but no longer used"


def test_the_compiled_catalogue_is_up_to_date():
    """The .mo is built from the .po (script/bootstrap's lens_messages, run by script/test),
    never committed: an older one means the tests below would read stale translations."""
    assert COMPILED.exists(), (
        "run script/test, or: bash -c 'source script/bootstrap && lens_messages'"
    )
    assert COMPILED.stat().st_mtime >= CATALOGUE.stat().st_mtime, "the .mo is older than the .po"


# The language a page is in.


def _html_lang(page) -> str:
    return select(page, "html")[0]["lang"]


def test_an_anonymous_visitor_gets_the_browser_language(client):
    page = client.get(reverse("core:login"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.5")
    assert page.status_code == 200
    assert page["Content-Language"] == "es"
    assert "Accept-Language" in page["Vary"]
    assert _html_lang(page.content) == "es"
    assert text(page.content, "main h1") == "Iniciar sesión"
    assert_in_fragment(page.content, "header nav", "Unirse a una clase", "Técnicas")
    assert_in_fragment(page.content, "main", "¿Olvidaste tu contraseña?")


def test_a_browser_in_another_language_gets_english(client):
    page = client.get(reverse("core:login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert _html_lang(page.content) == "en"
    assert text(page.content, "main h1") == "Log in"


def test_the_switcher_is_on_every_page_as_a_plain_form(client):
    page = client.get(reverse("core:login"))
    form = select(page.content, "footer form.language-switcher")[0]
    assert form["method"] == "post"
    assert form["action"] == reverse("core:language")
    assert form.select_one('input[name="next"]')["value"] == reverse("core:login")
    options = {option["value"]: option for option in form.select("select[name=language] option")}
    assert set(options) == {"en", "es"}
    assert options["es"].get_text() == "Español" and options["es"]["lang"] == "es"
    assert "selected" in options["en"].attrs
    assert form.select_one('button[type="submit"]') is not None  # works without JavaScript


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_switcher_saves_the_choice_on_ones_own_account_only(client, world, persona):
    log_in(client, world, persona)
    answer = client.post(
        reverse("core:language"), {"language": "es", "next": reverse("library:taxonomies")}
    )
    assert answer.status_code == 302
    assert answer.url == reverse("library:taxonomies")
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get(answer.url)
    assert _html_lang(page.content) == "es"
    saved = {name: User.objects.get(pk=getattr(world, name).pk).language for name in PERSONAS[1:]}
    assert saved == {name: ("es" if name == persona else "") for name in PERSONAS[1:]}


def test_the_choice_on_the_account_follows_the_user_to_another_browser(world):
    first = Client()
    first.force_login(world.sam)
    first.post(reverse("core:language"), {"language": "es", "next": "/"})
    elsewhere = Client()  # no cookie, a browser in English
    elsewhere.force_login(world.sam)
    page = elsewhere.get(reverse("work:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert _html_lang(page.content) == "es"
    assert_in_fragment(page.content, "header nav", "Mis lecciones", "Cerrar sesión")


def test_the_account_choice_wins_over_the_browser(client, world):
    world.alice.language = "en"
    world.alice.save(update_fields=["language"])
    client.force_login(world.alice)
    page = client.get(reverse("work:home"), HTTP_ACCEPT_LANGUAGE="es")
    assert _html_lang(page.content) == "en"
    assert_in_fragment(page.content, "header nav", "My classes")


@pytest.mark.parametrize(
    "data", [{"language": "xx", "next": "/"}, {"next": "/"}, {"language": "es" * 9}]
)
def test_a_language_lens_does_not_have_is_refused_and_nothing_is_saved(client, world, data):
    client.force_login(world.sam)
    answer = client.post(reverse("core:language"), data)
    assert answer.status_code == 400
    assert_in_fragment(answer.content, "main", "Lens does not have that language.")
    assert User.objects.get(pk=world.sam.pk).language == ""
    assert settings.LANGUAGE_COOKIE_NAME not in answer.cookies


@pytest.mark.parametrize("back", ["https://evil.example/", "//evil.example/x", ""])
def test_the_switcher_never_sends_anyone_to_another_site(client, back):
    answer = client.post(reverse("core:language"), {"language": "es", "next": back})
    assert answer.status_code == 302
    assert answer.url == reverse("work:home")


def test_reading_the_switcher_changes_nothing(client, world):
    client.force_login(world.sam)
    assert client.get(reverse("core:language"), {"language": "es"}).status_code == 405
    assert User.objects.get(pk=world.sam.pk).language == ""


# Pages in Spanish.


def _spanish(client, world, persona) -> None:
    user = getattr(world, persona)
    user.language = "es"
    user.save(update_fields=["language"])
    client.force_login(user)


def test_a_spanish_student_sees_the_pages_in_spanish(client, world):
    _spanish(client, world, "sam")
    home = client.get(reverse("work:home"))
    assert _html_lang(home.content) == "es"
    assert_in_fragment(home.content, "header nav", "Mis lecciones", "Unirse a una clase")
    assert_in_fragment(home.content, "footer", "Lens muestra la propaganda como objeto de estudio")
    joined = client.get(reverse("core:join"))
    assert text(joined.content, "main h1") == "Unirse a una clase"
    assert_in_fragment(joined.content, "main form", "Código de la clase", "Unirme a la clase")


def test_a_spanish_teacher_sees_the_pages_in_spanish(client, world):
    _spanish(client, world, "alice")
    home = client.get(reverse("work:home"))
    assert_in_fragment(home.content, "header nav", "Mis clases", "Lecciones", "Escribir")
    new = client.get(reverse("core:classroom_new"))
    assert text(new.content, "main h1") == "Crear una clase"
    assert_in_fragment(new.content, "main form", "Nombre de la clase", "Crear la clase")


def test_messages_and_form_errors_are_in_spanish(client, world):
    _spanish(client, world, "alice")
    refused = client.post(reverse("core:classroom_new"), {"name": ""})
    assert refused.status_code == 400
    assert_in_fragment(refused.content, ".errors", "Este campo es obligatorio.")
    made = client.post(reverse("core:classroom_new"), {"name": "4.º B"}, follow=True)
    assert_in_fragment(made.content, "#messages", "Clase creada. Su código para unirse es")


def test_the_error_pages_are_in_spanish(client):
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 404
    assert text(page.content, "main h1") == "No encontrado"


def test_dates_are_formatted_for_the_language(client, school_world):
    admin = school_world.ada
    invitation_page = reverse("core:school")
    client.force_login(admin)
    when = timezone.now() + timedelta(days=3)
    with translation.override("en"):
        from django.utils.formats import date_format

        english_month = date_format(when, "F")
    with translation.override("es"):
        spanish_month = date_format(when, "F")
    client.post(reverse("core:school_invite"), {"email": "new@example.org"})
    english = client.get(invitation_page)
    assert_in_fragment(english.content, ".school-list", f"{english_month} {when.year},")
    admin.language = "es"
    admin.save(update_fields=["language"])
    spanish = client.get(invitation_page)
    # "válida hasta el 3 de diciembre de 2026 a las 14:05": Django's Spanish format.
    found = re.search(
        r"válida hasta el \d{1,2} de (\w+) de (\d{4}) a las \d\d:\d\d",
        text(spanish.content, "main"),
    )
    assert found, text(spanish.content, ".school-list")
    assert found.groups() == (spanish_month.lower(), str(when.year))


@pytest.mark.parametrize(
    ("minutes", "english", "spanish"),
    [
        (
            1,
            "Wait about 1 minute, then try again.",
            "Espera aproximadamente 1 minuto y vuelve a intentarlo.",
        ),
        (
            2,
            "Wait about 2 minutes, then try again.",
            "Espera unos 2 minutos y vuelve a intentarlo.",
        ),
    ],
)
def test_plurals_follow_the_number(rf, minutes, english, spanish):
    from django.template.loader import render_to_string

    for language, expected in (("en", english), ("es", spanish)):
        with translation.override(language):
            page = render_to_string("429.html", {"family": "other", "minutes": minutes})
        assert_in_fragment(page, "main", expected)


def test_a_spanish_student_works_on_a_passage_in_spanish_with_the_text_in_its_language(
    client, world
):
    _spanish(client, world, "sam")
    lesson = world.assignment.lesson
    home = client.get(reverse("work:home"))
    assert text(home.content, "main h1") == "Mis lecciones"
    assert_in_fragment(home.content, "main", "Sin empezar", "Unirte a otra clase")
    exercise = client.get(reverse("work:segment", args=[world.assignment.pk, 1]))
    assert exercise.status_code == 200
    count = lesson.segments.count()
    assert text(exercise.content, "main h1").startswith(f"Fragmento 1 de {count}")
    assert_in_fragment(exercise.content, "#prompts", "Preguntas", "Guardar y continuar")
    assert_in_fragment(exercise.content, "#highlight-form", "Añadir un resaltado", "Técnica")
    # The lesson's own words keep their language; the page around them is Spanish.
    assert select(exercise.content, "#segment-text")[0]["lang"] == lesson.language == "en"
    assert _html_lang(exercise.content) == "es"


def test_a_spanish_teacher_sees_class_counts_with_plurals(client, world):
    _spanish(client, world, "alice")
    extra = factories.make_student("Tomás", classroom=world.class_a)
    assert extra.pk
    home = client.get(reverse("work:home"))
    students = world.class_a.enrollments.count()
    assert students > 1
    assert_in_fragment(home.content, "main .cards", f"{students} estudiantes")
    world.class_a.enrollments.exclude(student=world.sam).delete()
    home = client.get(reverse("work:home"))
    assert_in_fragment(home.content, "main .cards", "1 estudiante ·")


def test_a_spanish_student_reads_the_feedback_in_spanish(client, world):
    factories.hand_in(world.assignment, world.sam)
    _spanish(client, world, "sam")
    page = client.get(reverse("insights:feedback", args=[world.assignment.pk]))
    assert page.status_code == 200
    assert_in_fragment(page.content, "#scores-heading", "Cómo te ha ido")
    assert_in_fragment(page.content, "main", "Encontraste", "técnicas de la clave de respuestas")
    for passage in select(page.content, ".source-text"):
        assert passage["lang"] == world.assignment.lesson.language


def test_a_spanish_teacher_reads_the_dashboard_in_spanish(client, world):
    _spanish(client, world, "alice")
    page = client.get(reverse("insights:dashboard", args=[world.assignment.pk]))
    assert page.status_code == 200
    lesson = world.assignment.lesson
    assert text(page.content, "main h1") == f"Panel: {lesson.title}"
    students = world.class_a.enrollments.count()
    plural = "estudiante" if students == 1 else "estudiantes"
    assert text(page.content, "#summary").startswith(f"{students} {plural} · ")
    assert_in_fragment(page.content, "#progress-heading", "Avance")
    assert_in_fragment(page.content, "#heat-heading", "Dónde resaltó la clase")


# The teacher's insights pages in Spanish (lessons/insights): the dashboard's tables and
# help, review, one student's work, the class map and how scores are computed.


@pytest.fixture
def spanish_class(world):
    """Class A with three students who handed in: Sam and Tara highlighted "glorious
    leader", Uma the first "traitors"; Sam and Tara answered the written question. Alice
    and Sam read Lens in Spanish."""
    from lessons.library.models import Prompt

    a = world.assignment
    world.tara = factories.make_student("Tara Student", world.class_a)
    world.uma = factories.make_student("Uma Student", world.class_a)
    factories.make_highlight(a, world.sam, "glorious leader")
    factories.make_highlight(a, world.tara, "glorious leader", note="Flattery.")
    factories.make_highlight(a, world.uma, "traitors", "Name_Calling,Labeling", occurrence=1)
    world.question = factories.prompt_of(a, 1, Prompt.Kind.TEXT)
    factories.make_answer(a, world.sam, world.question, "The enemies.")
    factories.make_answer(a, world.tara, world.question, "The others.")
    for student in (world.sam, world.tara, world.uma):
        factories.hand_in(a, student)
    for user in (world.alice, world.sam):
        user.language = "es"
        user.save(update_fields=["language"])
    return world


def test_a_spanish_teacher_reads_the_dashboards_tables_and_help_in_spanish(client, spanish_class):
    w = spanish_class
    client.force_login(w.alice)

    page = client.get(reverse("insights:dashboard", args=[w.assignment.pk])).content

    assert_in_fragment(
        page, "#progress-heading + p.help", "En cada fragmento:", "«Fragmentos terminados»"
    )
    assert_in_fragment(
        page,
        ".progress-table thead",
        "Estudiante",
        "Fragmentos terminados",
        "Entregado",
        "Prórroga",
    )
    # The cells' words for screen readers: the passage's state and its highlights.
    assert_in_fragment(page, ".progress-table tbody", "trabajado", "solo leído", "1 resaltado")
    assert_in_fragment(page, ".progress-table tbody", "ninguna")  # no extension
    assert_in_fragment(page, "#heat-legend-text", "cuántos de los 3 estudiantes las resaltaron")
    assert_in_fragment(page, ".phrases", "glorious leader", "2 de 3 estudiantes")
    assert_in_fragment(page, "table.rates thead", "Fragmentos de la clave", "No encontrados")
    assert_in_fragment(page, "table.confusion thead", "En la clave ↓ / elegida →")
    assert_in_fragment(page, ".missed-list", "no lo encontraron 3 de 3", "Revisar")
    assert_in_fragment(page, "table.agreement thead", "Estudiantes que resaltaron aquí")


def test_a_spanish_teacher_reads_the_review_queue_in_spanish(client, spanish_class):
    w = spanish_class
    client.force_login(w.alice)

    page = client.get(reverse("insights:review_queue", args=[w.assignment.pk])).content

    assert text(page, "main h1") == f"Revisión: {w.assignment.lesson.title}"
    assert_in_fragment(
        page,
        "main > p",
        "Entregas: 3 de los 3 estudiantes que empezaron.",
        "2 respuestas por revisar, de 2 estudiantes.",
        "Corrección anónima: ocultar los nombres",
    )
    assert_in_fragment(page, "#passages-heading", "Trabajo por revisar, fragmento a fragmento")
    assert_in_fragment(page, ".review-group summary", "Fragmento 1", "respuestas por revisar")


def test_a_spanish_teacher_reviews_a_question_in_spanish(client, spanish_class):
    w = spanish_class
    client.force_login(w.alice)
    url = reverse("insights:review_prompt", args=[w.assignment.pk, w.question.pk])

    page = client.get(url).content

    assert text(page, "main h1").startswith("Pregunta 1 de ")
    assert text(page, "main h1").endswith(": todas las respuestas")
    assert_in_fragment(page, ".review-bar", "2 de 3 estudiantes han respondido", "0 revisados")
    sam = w.assignment.submissions.get(student=w.sam)
    form = f"#review-{sam.pk}"
    assert text(page, f"{form} label[for=review-{sam.pk}-comment]") == "Comentario para"
    assert_in_fragment(page, form, "Puntuación (0–5)", "Revisado", "Todavía sin revisar")
    assert text(page, f"#review-{sam.pk}-save") == "Guardar la revisión de"
    blind = client.get(url + "?blind=1").content
    assert_in_fragment(blind, ".review-cards", "Estudiante 1", "Estudiante 3")
    assert_in_fragment(blind, ".review-bar", "Corrección anónima:", "Mostrar los nombres")

    saved = client.post(
        reverse("insights:review_save", args=[w.assignment.pk, sam.pk]),
        {"comment": "Bien.", "reviewed": "on", "prompt": w.question.pk, "next": url},
        HTTP_HX_REQUEST="true",
    )

    assert_in_fragment(saved.content, f"#review-{sam.pk}-status", "Guardado a las")
    assert_in_fragment(saved.content, f"#review-{sam.pk} .review-state", "Revisado el")
    assert_in_fragment(saved.content, "#reviewed-count", "1 revisado")


def test_a_spanish_teacher_reads_a_students_work_in_spanish(client, spanish_class):
    w = spanish_class
    client.force_login(w.alice)

    page = client.get(reverse("insights:student_work", args=[w.assignment.pk, w.sam.pk])).content

    # "Entregada el 3 de marzo de 2026 a las 09:40": the date in Django's Spanish format.
    assert re.search(
        r"Entregada el \d{1,2} de [a-z]+ de \d{4} a las \d\d:\d\d", text(page, "main h1 + p")
    ), text(page, "main h1 + p")
    assert_in_fragment(page, "#progress-heading", "Avance")
    assert_in_fragment(page, "#overall-heading", "Comentario general para Sam Student")
    assert_in_fragment(page, ".passage-states", "Fragmento 1", "trabajado", "solo leído")


def test_a_spanish_student_reads_the_class_map_in_spanish(client, spanish_class):
    w = spanish_class
    client.force_login(w.sam)
    url = reverse("insights:class_map", args=[w.assignment.pk])

    page = client.get(url).content

    assert text(page, "main h1") == f"Dónde resaltó tu clase: {w.assignment.lesson.title}"
    assert_in_fragment(page, "main .lead", "de los 3 estudiantes que entregaron")
    assert_in_fragment(page, ".legend-list", "sin sombreado", "nadie", "línea muy gruesa: 3 de 3")
    assert_in_fragment(page, ".phrases-heading", "Lo más resaltado aquí:")

    from lessons.work.models import Assignment

    Assignment.objects.filter(pk=w.assignment.pk).update(feedback_release=Assignment.Release.MANUAL)
    refused = client.get(url)
    assert refused.status_code == 403
    assert text(refused.content, "main h1") == "El mapa de la clase todavía no está listo"
    assert_in_fragment(
        refused.content, "main", "cuando Alice Teacher publique la retroalimentación"
    )


def test_a_spanish_teacher_reads_how_scores_are_computed_in_spanish(client, world):
    _spanish(client, world, "alice")

    page = client.get(reverse("insights:scoring_help")).content

    assert text(page, "main h1") == "Cómo se calculan las puntuaciones"
    assert [dt.get_text() for dt in select(page, "main dt")] == [
        "Precisión",
        "Exhaustividad",
        "F1",
    ]
    assert_in_fragment(page, "main", "Reglas que conviene saber", "Exhaustividad = (29/58")


def test_a_spanish_teachers_csv_export_has_spanish_headings(client, spanish_class):
    w = spanish_class
    client.force_login(w.alice)

    response = client.post(reverse("insights:export_students", args=[w.assignment.pk]))

    header, *rows = response.content.decode("utf-8-sig").splitlines()
    assert header.startswith("Estudiante,Usuario,Estado,Empezado (UTC),Fragmentos alcanzados,")
    assert "Fragmentos de la clave encontrados" in header
    assert all(",entregado," in row for row in rows), rows


# The teacher's class pages, students' data, the passage editor and the LMS pages in Spanish
# (they were English in a Spanish page until issue 13).

pytest_plugins = ["tests.lti_fixtures"]  # lms_world


def test_a_spanish_teacher_reads_the_class_page_in_spanish(client, world):
    _spanish(client, world, "alice")
    page = client.get(reverse("work:classroom", args=[world.class_a.pk]))
    assert page.status_code == 200
    assert_in_fragment(page.content, "#code-heading", "Código para unirse")
    assert_in_fragment(page.content, "#code-heading + p", "Los estudiantes van a", "y escriben")
    assert_in_fragment(page.content, "#assignments-heading", "Lecciones asignadas")
    assert_in_fragment(page.content, "#assignments-heading + ul", "Panel", "Revisar", "Ajustes")
    students = world.class_a.enrollments.count()
    assert text(page.content, "#roster-heading") == f"Estudiantes ({students})"
    assert_in_fragment(page.content, "#roster-caption", "Estudiantes y su avance en cada lección")
    assert_in_fragment(
        page.content, "table", "Sin empezar", "Nueva contraseña", "Descargar los datos"
    )


def test_a_spanish_teacher_reads_the_assignment_settings_in_spanish(client, world):
    _spanish(client, world, "alice")
    page = client.get(reverse("work:assignment_settings", args=[world.assignment.pk]))
    assert page.status_code == 200
    lesson = world.assignment.lesson
    assert text(page.content, "main h1") == f"Ajustes: {lesson.title}"
    assert_in_fragment(page.content, "main form.card", "Guardar los ajustes", "Se abre (opcional)")
    assert_in_fragment(page.content, "#release-heading", "Retroalimentación")
    assert_in_fragment(page.content, "#extensions-heading", "Más tiempo para un estudiante")
    assert_in_fragment(page.content, "#extensions-caption", "Fecha de entrega de cada estudiante")
    assert_in_fragment(page.content, "table button", "Fijar")
    saved = client.post(
        reverse("work:assignment_settings", args=[world.assignment.pk]),
        {"feedback_release": "on_submit"},
        follow=True,
    )
    assert_in_fragment(saved.content, "#messages", "Ajustes guardados.")


def test_a_spanish_teacher_reads_the_revision_page_in_spanish(client, world):
    _spanish(client, world, "alice")
    page = client.get(reverse("work:assignment_revision", args=[world.assignment.pk]))
    assert page.status_code == 200
    lesson = world.assignment.lesson
    assert text(page.content, "main h1") == f"Revisión de la lección: {lesson.title}"
    assert_in_fragment(page.content, "#current-revision", "está en la revisión 1 de")
    assert_in_fragment(
        page.content, "#newest", "Esta clase está en la revisión más reciente de esta lección."
    )


def test_a_spanish_admin_reads_the_students_data_and_audit_log_in_spanish(client, school_world):
    w = school_world
    client.force_login(w.alice)
    client.post(reverse("work:student_export", args=[w.class_a.pk, w.sam.pk]))  # one event
    w.ada.language = "es"
    w.ada.save(update_fields=["language"])
    client.force_login(w.ada)
    students = client.get(reverse("work:school_students"))
    assert text(students.content, "main h1") == "Datos de los estudiantes"
    assert_in_fragment(students.content, "main", "El registro de auditoría completo")
    assert_in_fragment(students.content, "table", "Descargar los datos", "Eliminar los datos")
    log = client.get(reverse("work:audit_log"))
    assert text(log.content, "main h1") == "Registro de auditoría"
    assert_in_fragment(log.content, "#audit-events thead", "Quién", "Qué hizo", "Sobre qué")
    assert_in_fragment(log.content, "#audit-events tbody", "Exportó")
    delete = client.get(reverse("work:student_delete", args=[w.class_a.pk, w.sam.pk]))
    assert text(delete.content, "main h1") == "Eliminar los datos de Sam Student"
    assert_in_fragment(delete.content, "#deleted-items", "1 clase: Class A", "0 respuestas")


def test_a_spanish_author_edits_a_passage_in_spanish(client, world):
    from lessons.library.lessonfile import parse_lesson
    from lessons.library.services import lesson_import

    draft = lesson_import(
        data=parse_lesson(factories.SMALL_LESSON.format(title="Un borrador", slug="borrador")),
        created_by=world.alice,
        is_published=False,
    )
    _spanish(client, world, "alice")
    page = client.get(reverse("authoring:author_segment", args=[draft.pk, 1]))
    assert page.status_code == 200
    count = draft.segments.count()
    assert text(page.content, "main h1").startswith(f"Fragmento 1 de {count}")
    assert_in_fragment(page.content, "#key-heading", "Clave de respuestas")
    assert_in_fragment(page.content, "#coverage", "3 fragmentos de la clave:", "3 preguntas:")
    assert_in_fragment(page.content, "#highlight-form", "Añadir un fragmento a la clave")
    assert_in_fragment(page.content, "#prompts", "Preguntas", "Añadir una pregunta")
    refused = client.post(
        reverse("authoring:author_key_add", args=[draft.pk, 1]),
        {
            "quote": "not in the text at all",
            "technique": draft.taxonomy.techniques.first().pk,
            "explanation": "Porque sí.",
        },
    )
    assert refused.status_code == 400
    assert_in_fragment(refused.content, "#highlight-form .errors", "no está en este fragmento")


def test_a_spanish_admin_reads_the_lms_pages_in_spanish(client, lms_world):
    w = lms_world
    w.ada.language = "es"
    w.ada.save(update_fields=["language"])
    client.force_login(w.ada)
    page = client.get(reverse("lms:platforms"))
    assert text(page.content, "main h1") == "Plataformas de aprendizaje (LMS)"
    assert_in_fragment(page.content, ".tool-urls dt", "URL de inicio de sesión", "Login URL")
    english = [span.get_text() for span in select(page.content, '.tool-urls span[lang="en"]')]
    assert "Login URL" in english and "Target Link URI" in english, english
    assert_in_fragment(page.content, "#add-heading + form", "ID de cliente (Client ID)")
    assert text(page.content, "#platforms-heading") == "Registradas (1)"
    w.alice.language = "es"
    w.alice.save(update_fields=["language"])
    client.force_login(w.alice)
    course = client.get(reverse("lms:course", args=[w.course.pk]))
    assert_in_fragment(course.content, "#roster-heading", "Lista de clase")
    assert_in_fragment(course.content, "#roster-count", "desde la plataforma de aprendizaje")
    assert_in_fragment(course.content, f"#link-{w.link.pk}", "Enviar las calificaciones ahora")


def test_every_message_of_anchoring_is_in_the_catalogue():
    """`anchoring` raises English messages that `library.forms` translates: each one it can
    raise is in `ANCHOR_MESSAGES` (so makemessages finds it)."""
    from lessons.library import anchoring
    from lessons.library.forms import ANCHOR_MESSAGES

    tree = ast.parse(Path(anchoring.__file__).read_text(encoding="utf-8"))
    raised = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("AnchorError", "__init__")
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    }
    assert len(raised) >= 8, raised
    assert raised <= set(ANCHOR_MESSAGES), raised - set(ANCHOR_MESSAGES)


# The problems of an import (library.lessonfile, bundles, corpus: English `Problem`s, which
# lessons.authoring translates for the author, in the request or in the worker).

_BROKEN_LESSON = factories.SMALL_LESSON.format(title="Roto", slug="roto").replace(
    'traitors" #2', 'traitorz" #2'
)


def _zipped(files: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_spanish_author_reads_the_problems_of_a_broken_lesson_file_in_spanish(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    factories.make_lesson(factories.SMALL_LESSON.format(title="Ocupada", slug="ocupada"))
    _spanish(client, world, "alice")
    url = reverse("authoring:author_import")

    broken = client.post(url, {"file": SimpleUploadedFile("roto.md", _BROKEN_LESSON.encode())})
    taken = factories.SMALL_LESSON.format(title="Otra", slug="ocupada").encode()
    refused = client.post(url, {"file": SimpleUploadedFile("ocupada.md", taken)})
    not_a_lesson = client.post(url, {"file": SimpleUploadedFile("notas.txt", b"hola")})

    assert broken.status_code == refused.status_code == not_a_lesson.status_code == 400
    assert_in_fragment(broken.content, "[role=alert]", "No se ha importado nada.")
    assert text(broken.content, ".problems li") == (
        "roto.md:31: la cita 'traitorz' no está en este fragmento"
    )
    assert text(refused.content, ".problems li") == (
        "ocupada.md:3: ya existe una lección con el slug 'ocupada'"
    )
    assert text(not_a_lesson.content, ".problems li") == (
        "notas.txt: sube un archivo de lección (.md) o un zip de archivos de lección"
    )


def test_a_spanish_author_reads_the_problems_of_a_large_zip_on_its_job_page_in_spanish(
    client, world, settings
):
    """A large zip is imported in the worker, which has no request: the problems are
    written in the language of the request that started the job, whatever the worker's."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.models import Job
    from lessons.authoring import tasks

    settings.BACKGROUND_IMPORT_BYTES = 100
    _spanish(client, world, "alice")
    data = _zipped({"roto.md": _BROKEN_LESSON, "notas.pdf": "%PDF", "x.md": "\x00"})
    spanish = [
        "lecciones.zip/notas.pdf: no es un archivo de lección: los archivos de lección "
        "terminan en .md",
        "lecciones.zip/roto.md:31: la cita 'traitorz' no está en este fragmento",
        "lecciones.zip/x.md:1: un carácter NUL (U+0000) no se puede guardar: quítalo",
    ]

    page = client.post(
        reverse("authoring:author_import"),
        {"file": SimpleUploadedFile("lecciones.zip", data)},
        follow=True,
    )

    assert_in_fragment(page.content, "#job-message", "No se ha importado nada.")
    assert [li.get_text() for li in select(page.content, "#job-problems li")] == spanish
    # The worker itself, with English active: the job's language decides.
    job = Job.objects.create(
        owner=world.alice,
        kind=Job.Kind.IMPORT,
        title="Importando lecciones.zip",
        task_path=tasks.import_lessons.module_path,
        params={"name": "lecciones.zip"},
        payload=data,
        language="es",
    )
    with translation.override("en"):
        tasks.import_lessons.call(str(job.pk), 1)
    job.refresh_from_db()
    assert job.problems == spanish


def test_a_spanish_author_reads_the_problems_of_a_corpus_article_in_spanish(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    corpus = Path(__file__).resolve().parent / "data" / "corpus"
    _spanish(client, world, "alice")

    page = client.post(
        reverse("authoring:author_import_corpus"),
        {
            "article": SimpleUploadedFile(
                "article8001.txt", (corpus / "article8001.txt").read_bytes()
            ),
            "labels": SimpleUploadedFile(
                "article8001.labels", (corpus / "article8001-bad.labels").read_bytes()
            ),
        },
    )

    assert page.status_code == 400
    assert_in_fragment(
        page.content,
        ".problems",
        "article8001.labels:4: la posición inicial -5 es negativa",
        "article8001.labels:5: la posición inicial 'ten' no es un número entero",
        "article8001.labels:6: esta etiqueta es del artículo '8002', no del '8001'",
        "article8001.labels:7: falta la técnica",
        "article8001.labels:8: el intervalo 674-640 está vacío",
        "(¿están separados por espacios y no por tabuladores?)",
        "termina después del final del artículo, que tiene",
    )


PROBLEM_LISTS = {"errors", "problems", "unpublishable", "missing", "notes"}


def _written(node: ast.expr) -> bool:
    """Words written out (a string or an f-string), not a message marked for translation."""
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def test_every_problem_of_the_lesson_file_formats_is_in_the_catalogue():
    """`lessonfile`, `bundles` and `corpus` report English `Problem`s, their messages marked
    with `gettext_noop` where they are written: each is translated in the catalogue, and no
    problem is written as a plain string, which nothing could translate."""
    from lessons.library import bundles, corpus, lessonfile

    entries = _entries(CATALOGUE)
    marked, unmarked = set(), []
    for module in (lessonfile, bundles, corpus):
        source = Path(module.__file__).read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "gettext_noop":
                [message] = node.args
                assert isinstance(message, ast.Constant), ast.unparse(node)
                marked.add(message.value)
            # A problem, (line, message) or (file, line, message), is appended to a list of
            # them or raised: its message must be a Problem, not words written out.
            listed = name == "append" and getattr(node.func.value, "id", "") in PROBLEM_LISTS
            if listed or name.endswith("Error") or name == "Problem":
                for part in (n for arg in node.args for n in ast.walk(arg)):
                    if isinstance(part, ast.Tuple) and _written(part.elts[-1]):
                        unmarked.append(f"{module.__name__}: {ast.unparse(part)}")
                if name == "Problem" and _written(node.args[0]):
                    unmarked.append(f"{module.__name__}: {ast.unparse(node)}")
    assert unmarked == []
    assert len(marked) >= 55, len(marked)
    missing = {m for m in marked if not any(entries.get((None, m), {}).get("msgstr", [""]))}
    fuzzy = {m for m in marked if "fuzzy" in entries.get((None, m), {}).get("flags", set())}
    assert missing == set() and fuzzy == set(), (missing, fuzzy)


def test_a_highlight_is_announced_in_spanish_inside_the_english_text(client, world):
    """A screen reader reads the passage in its own language and the announcements of each
    highlight (where it starts, where it ends, its technique) in the reader's: they are Lens's
    words, marked with the language they are in."""
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    _spanish(client, world, "sam")
    page = client.get(reverse("work:segment", args=[world.assignment.pk, 1]))
    assert select(page.content, "#segment-text")[0]["lang"] == "en"
    [start] = select(page.content, "#segment-text .hl-start")
    [end] = select(page.content, "#segment-text .hl-end")
    assert (start["lang"], end["lang"]) == ("es", "es"), (str(start), str(end))
    assert start.get_text() == "Resaltado (inicio): Lenguaje cargado", str(start)
    assert end.get_text() == "Resaltado (fin): Lenguaje cargado", str(end)
    assert "glorious leader" in text(page.content, "#segment-text mark")

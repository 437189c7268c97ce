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

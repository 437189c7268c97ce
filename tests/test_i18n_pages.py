"""No English left on a Spanish page (issue 13, item 4).

Every page of `tests/pages.py` (read from the URL configuration, so a new page is covered) is
asked for by each persona, in Spanish: the signed-in ones have `language = "es"` on their
account, and everyone's browser says `Accept-Language: es`. Forms sent with mistakes are
read too, since their errors are words of Lens. In each page that answers with HTML, the text
a reader meets (text nodes, and the `aria-label`, `title`, `placeholder` and `alt` of any
element and the `value` of a button) fails when

(a) it holds, as English, a message of Lens's catalogue (`locale/es/.../django.po`) whose
    Spanish is not the same words: a part of a msgid between its placeholders and tags, of
    more than one word or longer than three letters, and not in its msgstr; or
(b) it holds a common English word that Spanish never uses ("the", "your", "with"...).

What is not Lens's to translate is left out, by principle rather than page by page: an
element whose `lang` is not Spanish (a lesson's own text is marked `lang="en"`, a language's
name in the switcher is in that language, and so must be an English name quoted in a Spanish
sentence), <script> and <style>, computer text (<code>, <kbd>, <samp>: addresses, keys,
codes), what someone typed (a <textarea>'s text; an <input>'s value is read only for buttons),
web and e-mail addresses, and the data people wrote that a page shows as it was written: every
text value stored in the database (names, usernames, class and school names, lessons,
highlights, answers, registrations...), except the words Lens itself stores (the technique
taxonomies, translated through the catalogue, and a job's progress)."""

import ast
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, NavigableString, Tag
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core import jobs
from core.models import Job, User
from core.refusals import Refusal

from .pages import add_work, forms_with_mistakes, page_urls

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
PERSONAS = ("anonymous", "sam", "alice", "ada", "pat")

# English words a Spanish text never holds (not "a", "no", "he", "has", "me", "do", "con":
# Spanish words too). Matched as whole words, in lower case or capitalised, not in capitals
# (an acronym).
_ENGLISH_WORDS = """
    the your yours you you're you've with without this that these those of to is isn't are
    aren't for from have haven't was wasn't were will won't been being what which who whom
    whose when where why how here there their they them our ours we us it its it's not and
    or but if then than into onto by on at an as be can cannot can't could couldn't should
    shouldn't would wouldn't must may might shall does doesn't don't did didn't
    my mine his her hers him she all any each every some only yet again about after before
    until while because also just still already
"""
ENGLISH_WORDS = frozenset(_ENGLISH_WORDS.split())

# Where the text is not Lens's words, or not words at all: scripts and styles; computer text
# (addresses, keys, codes); and a <textarea>'s text, what someone typed, sent back to them.
SKIPPED_ELEMENTS = frozenset({"script", "style", "code", "kbd", "samp", "textarea"})
TEXT_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
BUTTON_TYPES = frozenset({"submit", "button", "reset"})
ADDRESS = re.compile(r"\b[a-z][a-z0-9+.-]*://\S+|\S+@\S+\.\S+|(?<!\w)/[\w./?=&%-]+/")
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
PLACEHOLDER_OR_TAG = re.compile(r"%\(\w+\)[sdifr]|%[sdif]|<[^>]*>")
EDGE_PUNCTUATION = " \t\n.,:;!?¡¿()[]«»\"'“”‘’—–-·…/"

# Models whose stored text is Lens's own words, not people's data.
LENS_WORDS = {"library.taxonomy", "library.technique", "core.job"}
LENS_WORDS_KEPT_AS_DATA = {"core.job": {"title"}}  # its title is written in its owner's language
DATA_APPS = ("core", "library", "work", "insights", "lms", "lti_tool")


def squash(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


# The catalogue's English ---------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A stretch of a msgid between its placeholders and tags: English a page must not show."""

    english: str
    msgid: str
    pattern: re.Pattern
    words: frozenset[str]  # in lower case: a text without all of them cannot hold the piece


def _po_entries(po: Path) -> Iterator[tuple[list[str], list[str]]]:
    """(msgid and msgid_plural, msgstrs) of each message of the catalogue, read through
    `msgcat --no-wrap` so that every string is on one line."""
    flat = subprocess.run(
        ["msgcat", "--no-wrap", str(po)], check=True, capture_output=True, text=True
    ).stdout
    for block in flat.split("\n\n"):
        ids: list[str] = []
        strs: list[str] = []
        for line in block.splitlines():
            if line.startswith("#~"):
                continue
            if line.startswith(("msgid ", "msgid_plural ")):
                ids.append(ast.literal_eval(line.split(" ", 1)[1]))
            elif line.startswith("msgstr"):
                strs.append(ast.literal_eval(line.split(" ", 1)[1]))
            elif line.startswith('"') and strs:
                strs[-1] += ast.literal_eval(line)
        if ids and ids[0]:
            yield ids, strs


def _is_ui_words(piece: str) -> bool:
    """More than one word, or a word longer than three letters."""
    words = WORD.findall(piece)
    return len(words) > 1 or (len(words) == 1 and len(words[0]) > 3)


@cache
def catalogue_pieces() -> dict[str, list[Piece]]:
    """The catalogue's English pieces, by their first word in lower case."""
    pieces: dict[str, list[Piece]] = {}
    seen = set()
    for ids, strs in _po_entries(CATALOGUE):
        spanish = " ".join(squash(s) for s in strs)
        for msgid in ids:
            for part in PLACEHOLDER_OR_TAG.split(msgid.replace("%%", "%")):
                english = squash(part).strip(EDGE_PUNCTUATION)
                if not _is_ui_words(english) or english in spanish or english in seen:
                    continue
                seen.add(english)
                body = r"\s+".join(re.escape(word) for word in english.split(" "))
                pattern = re.compile(rf"(?<!\w){body}(?!\w)")
                words = [word.lower() for word in WORD.findall(english)]
                piece = Piece(english, msgid, pattern, frozenset(words))
                pieces.setdefault(words[0], []).append(piece)
    return pieces


# People's data -------------------------------------------------------------------------------


def stored_data() -> re.Pattern | None:
    """Every text value stored in the database that is people's data, as one pattern of whole
    words and phrases (the longest first)."""
    values: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in DATA_APPS:
            continue
        label = model._meta.label_lower
        kept = LENS_WORDS_KEPT_AS_DATA.get(label)
        if label in LENS_WORDS and not kept:
            continue
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
            and (kept is None or field.name in kept)
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if isinstance(value, str):
                    value = squash(value)
                    if len(value) >= 3:
                        values.add(value)
    if not values:
        return None
    ordered = sorted(values, key=len, reverse=True)
    return re.compile(
        "|".join(rf"(?<!\w){re.escape(value).replace(r'\ ', r'\s+')}(?!\w)" for value in ordered)
    )


# Reading a page ------------------------------------------------------------------------------


def _language(tag: Tag) -> str:
    """The language of an element: its own `lang`, else its nearest ancestor's."""
    for element in (tag, *tag.parents):
        if isinstance(element, Tag) and element.has_attr("lang"):
            return str(element["lang"]).lower()
    return ""


def _readable(tag: Tag) -> bool:
    """The element holds words for a Spanish reader: Spanish, and not script or code."""
    if any(isinstance(e, Tag) and e.name in SKIPPED_ELEMENTS for e in (tag, *tag.parents)):
        return False
    language = _language(tag)
    return language == "es" or language.startswith("es-")


def described(tag: Tag) -> str:
    """An element by its name and the attributes that tell it apart: <p id="x">."""
    parts = [tag.name]
    for attribute in ("id", "name", "class", "type"):
        if tag.has_attr(attribute):
            value = tag[attribute]
            value = " ".join(value) if isinstance(value, list) else value
            parts.append(f'{attribute}="{value}"')
    return "<" + " ".join(parts) + ">"


def visible_texts(html: str) -> Iterator[tuple[str, str]]:
    """(text, where) of each stretch of text a reader of the page meets, in Spanish elements."""
    soup = BeautifulSoup(html, "html.parser")
    for node in soup.find_all(string=True):
        if type(node) is not NavigableString:  # a comment, the doctype, CDATA
            continue
        text = squash(str(node))
        if text and isinstance(node.parent, Tag) and _readable(node.parent):
            yield text, f"text of {described(node.parent)}"
    for tag in soup.find_all(True):
        attributes = [a for a in TEXT_ATTRIBUTES if tag.has_attr(a)]
        if tag.name == "input" and str(tag.get("type", "")).lower() in BUTTON_TYPES:
            attributes.append("value")
        if attributes and _readable(tag):
            for attribute in attributes:
                text = squash(str(tag[attribute]))
                if text:
                    yield text, f'{attribute}="…" of {described(tag)}'


class EnglishFinder:
    """What English a stretch of text holds, by the two rules above (each text checked once)."""

    def __init__(self, data: re.Pattern | None) -> None:
        self.data = data
        self.pieces = catalogue_pieces()
        self.found: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        if text not in self.found:
            self.found[text] = self._english(text)
        return self.found[text]

    def _english(self, text: str) -> list[str]:
        text = ADDRESS.sub(" ", text)
        if self.data is not None:
            text = self.data.sub(" ", text)
        words = WORD.findall(text)
        if not words:
            return []
        found: list[str] = []
        lower = {word.lower() for word in words}
        for first in sorted(lower & self.pieces.keys()):
            for piece in self.pieces[first]:
                if piece.words <= lower and piece.pattern.search(text):
                    found.append(piece.english)
        problems = [
            f"the catalogue's English {english!r}"
            for english in found
            if not any(english != longer and english in longer for longer in found)
        ]
        english = sorted(
            {
                word
                for word in words
                if word.lower().replace("’", "'") in ENGLISH_WORDS
                and not (len(word) > 1 and word.isupper())
            }
        )
        if english:
            problems.append(f"English words {', '.join(english)}")
        return problems


def english_in(html: str, finder: EnglishFinder) -> list[str]:
    """Each stretch of the page's Spanish text that holds English, with what and where."""
    problems = []
    for text, where in visible_texts(html):
        found = finder(text)
        if found:
            problems.append(f"{'; '.join(found)}: {text!r}, {where}")
    return problems


# The tests -----------------------------------------------------------------------------------


def test_the_check_finds_english_left_in_a_spanish_page():
    page = """<html lang="es"><head><title>Inicio · Lens</title></head><body>
        <nav aria-label="Main"><a href="/">Mis clases</a></nav>
        <main><h1>Clase de Alice Teacher</h1>
        <p id="status">Nothing has happened for a while: the worker may have been stopped.
          Nothing was changed halfway; you can start again.</p>
        <p>Entregaste el trabajo: your teacher will read it.</p>
        <p>Tu docente ve tus resaltados en https://lens.example/for/the/class/ y en la
          <code>the_code</code>.</p>
        <section lang="en"><p>The glorious leader of the people.</p></section>
        <form><input type="hidden" name="next" value="/the/page/">
          <input type="submit" value="Change language"><button title="Guardar">Guardar</button>
        </form></main></body></html>"""
    finder = EnglishFinder(re.compile(r"(?<!\w)Alice\s+Teacher(?!\w)"))
    problems = english_in(page, finder)
    assert problems == [
        "the catalogue's English 'Nothing has happened for a while: the worker may have been "
        "stopped. Nothing was changed halfway; you can start again'; English words again, been, "
        "can, for, have, may, the, was, while, you: 'Nothing has happened for a while: the "
        "worker may have been stopped. Nothing was changed halfway; you can start again.', "
        'text of <p id="status">',
        "English words it, will, your: 'Entregaste el trabajo: your teacher will read it.', "
        "text of <p>",
        "the catalogue's English 'Main': 'Main', aria-label=\"…\" of <nav>",
        "the catalogue's English 'Change language': 'Change language', value=\"…\" of "
        '<input type="submit">',
    ], "\n".join(problems)


@pytest.fixture
def people(school_world):
    world = add_work(school_world)
    User.objects.filter(pk__in=[getattr(world, p).pk for p in PERSONAS[1:]]).update(language="es")
    return world


def _clients(world) -> dict[str, Client]:
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Client(HTTP_ACCEPT_LANGUAGE="es")
        if persona != "anonymous":
            clients[persona].force_login(User.objects.get(pk=getattr(world, persona).pk))
    return clients


def _is_html(response) -> bool:
    return "text/html" in response.get("Content-Type", "") and bool(response.content)


def test_no_page_shows_english_in_spanish(people):
    world = people
    finder = EnglishFinder(stored_data())
    clients = _clients(world)
    # The same English on one page for several personas is told once, naming them all.
    found: dict[tuple[str, str], list[str]] = {}
    read = set()
    for name, url in page_urls(world):
        for persona, client in clients.items():
            response = client.get(url)
            if not _is_html(response):
                continue
            assert response["Content-Language"] == "es", f"{persona} GET {url}"
            if response.status_code == 200:
                read.add(name)
            for problem in english_in(response.text, finder):
                key = (f"{name} (GET {url})", problem)
                found.setdefault(key, []).append(f"{persona} {response.status_code}")
    problems = [f"{page} as {', '.join(who)}: {problem}" for (page, problem), who in found.items()]

    assert not problems, f"{len(problems)} stretches of English:\n" + "\n".join(problems)
    # The pages were read, not refused: the student's, the teacher's, the author's, the admin's.
    assert {
        "core:login",
        "core:signup",
        "core:school",
        "work:home",
        "work:segment",
        "insights:feedback",
        "insights:dashboard",
        "authoring:author_segment",
        "lms:course",
    } <= read, sorted(read)


def test_no_form_sent_with_mistakes_answers_in_english(people):
    world = people
    finder = EnglishFinder(stored_data())
    clients = _clients(world)
    sent = forms_with_mistakes(world)
    problems: list[str] = []
    for persona, url, data in sent:
        response = clients[persona].post(url, data)
        assert response.status_code in (200, 400), f"{persona} POST {url}: {response.status_code}"
        assert _is_html(response), f"{persona} POST {url}"
        label = f"{persona} POST {url}"
        problems += [f"{label}: {problem}" for problem in english_in(response.text, finder)]

    assert not problems, f"{len(problems)} stretches of English:\n" + "\n".join(problems)


def test_pages_reached_by_a_link_or_after_work_and_the_emails_are_in_spanish(people, mailoutbox):
    """What the sweep of URLs cannot reach: an invitation's page with its real token, a
    student's new password, a job that stopped or was refused, and the e-mails Lens sends."""
    world = people
    clients = _clients(world)
    with translation.override("es"):  # as the worker runs, in the language it was asked in
        stopped = Job.objects.create(
            owner=world.alice, kind=Job.Kind.IMPORT, title="Importar", task_path="-",
            language="es",
        )  # fmt: skip
        refused = Job.objects.create(
            owner=world.alice, kind=Job.Kind.IMPORT, title="Importar", task_path="-",
            language="es",
        )  # fmt: skip
    with pytest.raises(RuntimeError):
        jobs.run(str(stopped.pk), 1, _crash)
    jobs.run(str(refused.pk), 1, _refuse_with_problems)
    pages = [
        ("anonymous", "get", reverse("core:invitation_accept", args=[world.invitation_token])),
        ("alice", "get", reverse("core:job", args=[stopped.pk])),
        ("alice", "get", reverse("core:job", args=[refused.pk])),
        (
            "alice",
            "post",
            reverse("core:classroom_student_password", args=[world.class_a.pk, world.sam.pk]),
        ),
    ]
    problems: list[str] = []
    finder = EnglishFinder(stored_data())
    for persona, method, url in pages:
        response = getattr(clients[persona], method)(url, follow=True)
        assert response.status_code == 200 and _is_html(response), f"{persona} {url}"
        label = f"{persona} {method.upper()} {url}"
        problems += [f"{label}: {problem}" for problem in english_in(response.text, finder)]

    # The e-mails: a teacher's sign-up, a password reset, an invitation.
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="es")
    signed_up = anonymous.post(
        reverse("core:signup"),
        {
            "username": "carol",
            "display_name": "Carol Teacher",
            "email": "carol@example.org",
            "password1": "a-very-long-password-9",
        },
    )
    assert signed_up.status_code == 302, signed_up.content.decode()[:2000]
    anonymous.post(reverse("core:password_reset"), {"email": world.alice.email})
    clients["ada"].post(reverse("core:school_invite"), {"email": "nina.2@example.org"})
    assert len(mailoutbox) == 3, [m.subject for m in mailoutbox]
    finder = EnglishFinder(stored_data())  # Carol, now
    for message in mailoutbox:
        for line in [message.subject, *message.body.splitlines()]:
            problems += [
                f"e-mail {message.subject!r}: {found}: {squash(line)!r}"
                for found in finder(squash(line))
            ]

    assert not problems, f"{len(problems)} stretches of English:\n" + "\n".join(problems)


def _crash(progress):
    raise RuntimeError("the database went away")


def _refuse_with_problems(progress):
    refusal = Refusal("-")
    refusal.problems = ["-"]  # type: ignore[attr-defined]
    raise refusal

"""Every id a page refers to is in the page (issue 11, item 7): an `aria-describedby` that
points at help text never rendered describes nothing, and a screen reader says nothing.

Every page of the `core:`, `library:`, `authoring:`, `work:` and `insights:` namespaces
(`tests/pages.py`, read from the URL configuration, so a new page is covered) is asked with
GET by a visitor, a student who has handed in, the class's teacher and a school's admin;
forms sent with mistakes are checked too, since Django points `aria-describedby` at each
field's errors then. In each page that answers with HTML, every id named by an
attribute that refers to ids (`aria-describedby`, `aria-labelledby`, `for`, ...) must be the
id of an element of the same page."""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from .pages import add_work, forms_with_mistakes, page_urls

PERSONAS = ("anonymous", "sam", "alice", "ada")

# Attributes whose value is an id, or a list of ids separated by spaces.
IDREF_ATTRIBUTES = (
    "aria-describedby",
    "aria-labelledby",
    "aria-controls",
    "aria-errormessage",
    "aria-owns",
    "aria-activedescendant",
    "aria-details",
    "for",
    "list",
    "form",
    "headers",
)


def dangling_references(html: str) -> list[str]:
    """Each reference to an id that no element of the page has, with the element."""
    soup = BeautifulSoup(html, "html.parser")
    ids = {tag["id"] for tag in soup.find_all(id=True)}
    problems = []
    for attribute in IDREF_ATTRIBUTES:
        for tag in soup.find_all(attrs={attribute: True}):
            if attribute == "form" and tag.name == "form":
                continue  # not an attribute of <form> (an htmx or test fixture's own use)
            for ident in str(tag[attribute]).split():
                if ident not in ids:
                    problems.append(f'{attribute}="{ident}": no such id, in {_described(tag)}')
    return problems


def _described(tag) -> str:
    """An element by its name and the attributes that tell it apart: <input id="x">."""
    parts = [tag.name]
    for attribute in ("id", "name", "class"):
        if tag.has_attr(attribute):
            value = tag[attribute]
            value = " ".join(value) if isinstance(value, list) else value
            parts.append(f'{attribute}="{value}"')
    return "<" + " ".join(parts) + ">"


def test_the_check_finds_a_reference_to_an_id_that_is_not_there():
    page = """<main><label for="name">Name</label><input id="name" aria-describedby="name-help
        name-error"><p id="name-help">As your teacher knows you.</p></main>"""
    assert dangling_references(page) == [
        'aria-describedby="name-error": no such id, in <input id="name">'
    ]
    assert dangling_references(page.replace("name-error", "")) == []


@pytest.fixture
def people(school_world):
    return add_work(school_world)


def _clients(world) -> dict[str, Client]:
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Client()
        if persona != "anonymous":
            clients[persona].force_login(getattr(world, persona))
    return clients


def _check(response, label: str, problems: list[str]) -> bool:
    """Check one answer if it is an HTML page; say whether it was."""
    if "text/html" not in response.get("Content-Type", "") or not response.content:
        return False
    problems += [f"{label}: {problem}" for problem in dangling_references(response.text)]
    return True


def test_every_id_a_page_refers_to_is_in_the_page(people):
    world = people
    urls = page_urls(world)
    clients = _clients(world)
    problems: list[str] = []
    checked = set()
    for persona, client in clients.items():
        for name, url in urls:
            response = client.get(url)
            if response.status_code == 200 and _check(response, f"{persona} GET {url}", problems):
                checked.add(name)

    assert not problems, "\n".join(problems)
    # The pages were read, not refused: the student's, the teacher's, the author's, the admin's.
    assert {
        "work:home",
        "work:segment",
        "insights:feedback",
        "work:classroom",
        "work:assignment_settings",
        "insights:dashboard",
        "insights:review_prompt",
        "authoring:author_segment",
        "authoring:author_meta",
        "core:school",
        "core:signup",
    } <= checked


def test_forms_sent_with_mistakes_refer_only_to_ids_in_the_page(people):
    world = people
    clients = _clients(world)
    sent = forms_with_mistakes(world)
    problems: list[str] = []
    refused = []
    for persona, url, data in sent:
        response = clients[persona].post(url, data)
        if response.status_code == 400 or response.status_code == 200:
            _check(response, f"{persona} POST {url}", problems)
        else:
            refused.append(f"{persona} POST {url}: {response.status_code}")

    assert not problems, "\n".join(problems)
    assert not refused, "These forms were not shown again with their mistakes:\n" + "\n".join(
        refused
    )

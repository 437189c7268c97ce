"""Two stylesheets: static/css/lens.css on every page, static/css/teacher.css added for
teachers only (base.html), so that a student's first visit downloads less
(docs/performance.md, "A first visit"). A rule in the teachers' sheet that a student's or a
visitor's page needs would leave that page unstyled where it applies: no rule of
teacher.css may match an element of any page a visitor or a student sees."""

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from lens.staticfiles import without_comments

from .pages import add_work, page_urls

ROOT = Path(__file__).resolve().parent.parent
# States a page has only while someone uses it: not in the HTML as sent.
_DYNAMIC = re.compile(
    r"::?(?:hover|focus-visible|focus|active|before|after|-webkit-[\w-]+|-moz-[\w-]+)"
)


def _selectors(path: Path) -> list[str]:
    """Every selector of the stylesheet's rules, @media blocks included."""
    css = without_comments(path.read_text())
    selectors = []
    for prelude in re.findall(r"([^{}]+)\{", css):
        prelude = prelude.strip()
        if not prelude.startswith("@"):
            selectors += [s.strip() for s in prelude.split(",") if s.strip()]
    return selectors


def _stylesheets(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    hrefs = [link["href"] for link in soup.select("link[rel=stylesheet]")]
    return [Path(href).name for href in hrefs]


def teachers_rules_in(html: str) -> list[str]:
    """The selectors of teacher.css that match an element of the page, each with the first
    element it matches."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for selector in _selectors(ROOT / "static/css/teacher.css"):
        element = soup.select_one(_DYNAMIC.sub("", selector))
        if element is not None:
            found.append(f"{selector} matches {str(element)[:120]}")
    return found


def test_the_check_finds_an_element_styled_by_the_teachers_sheet():
    assert teachers_rules_in('<main><p class="warning">Late</p></main>') == [
        '.warning matches <p class="warning">Late</p>'
    ]
    assert teachers_rules_in('<main><p class="help">Help</p></main>') == []


def test_no_rule_of_the_teachers_sheet_applies_to_a_page_a_visitor_or_a_student_sees(
    school_world,
):
    world = add_work(school_world)
    student = Client()
    student.force_login(world.sam)
    problems, read = [], set()
    for persona, client in (("anonymous", Client()), ("sam", student)):
        for name, url in page_urls(world):
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            read.add(name)
            assert "teacher.css" not in _stylesheets(response.text), f"{persona} GET {url}"
            problems += [
                f"{persona} GET {url}: {found}" for found in teachers_rules_in(response.text)
            ]
    assert not problems, "\n".join(problems)
    assert {"work:home", "work:segment", "work:submit", "insights:feedback", "core:join"} <= read


def test_a_teachers_pages_link_both_sheets_and_a_students_only_the_common_one(world):
    teacher, student = Client(), Client()
    teacher.force_login(world.alice)
    student.force_login(world.sam)

    dashboard = teacher.get(reverse("insights:dashboard", args=[world.assignment.pk]))
    passage = student.get(reverse("work:segment", args=[world.assignment.pk, 1]))

    assert _stylesheets(dashboard.text) == ["lens.css", "teacher.css"]
    assert _stylesheets(passage.text) == ["lens.css"]


def test_collected_stylesheets_lose_their_comments_and_nothing_else():
    css = (
        '/* The type scale. */\n:root {\n  --x: 1rem; /* a size */\n}\n\n/* A quote: "/*" */\n'
        'q::before { content: "/* not a comment */"; }\n'
    )
    assert without_comments(css) == (
        ':root {\n  --x: 1rem; \n}\nq::before { content: "/* not a comment */"; }\n'
    )


@pytest.mark.parametrize("sheet", ["lens.css", "teacher.css"])
def test_each_sheet_keeps_every_rule_once_its_comments_are_gone(sheet):
    path = ROOT / "static/css" / sheet
    assert "/*" in path.read_text()
    stripped = without_comments(path.read_text())
    assert "/*" not in stripped
    assert _selectors(path) and "".join(stripped.split()) == "".join(
        re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S).split()
    )

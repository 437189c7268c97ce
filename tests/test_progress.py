"""Progress that means work (`lessons.work.progress`): a passage only clicked through is read,
one highlight makes it worked on, and it is done only when every prompt is answered; "done"
counts the same on the student's pages, the class page and the dashboard."""

import re

import pytest
from django.urls import reverse

from lessons.work.progress import PassageState, PassageTask, count_states, passage_state

from . import factories
from .html import select, text

DONE, WORKED, READ, NONE = (
    PassageState.DONE,
    PassageState.WORKED,
    PassageState.READ,
    PassageState.NOT_OPENED,
)

# The small lesson's passages: 1 asks for highlights and two questions, 2 for highlights and
# one question. This one has a passage that only asks for highlights.
ONLY_HIGHLIGHTS = (
    factories.FRONT_MATTER
    + """## Introduction

Practice.

## Segment: First

Our glorious leader says the traitors will fail.

### Prompts

- highlight: Highlight the techniques.
- text: Who are "the traitors"?

### Key

- Loaded_Language | "glorious leader" | Praise.

## Segment: Second

Everyone agrees with us. Join them!

### Prompts

- highlight: Highlight the techniques.

### Key

- Bandwagon,Reductio_ad_hitlerum | "Everyone agrees with us" | Claims everyone agrees.
"""
)


# --- the rule, without the database -----------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "opened", "highlights", "answered", "state"),
    [
        (PassageTask.of(questions=2, highlight_prompts=1), False, 0, 0, NONE),
        (PassageTask.of(questions=2, highlight_prompts=1), True, 0, 0, READ),
        (PassageTask.of(questions=2, highlight_prompts=1), True, 1, 0, WORKED),
        (PassageTask.of(questions=2, highlight_prompts=1), False, 0, 1, WORKED),
        (PassageTask.of(questions=2, highlight_prompts=1), True, 0, 2, WORKED),  # no highlight
        (PassageTask.of(questions=2, highlight_prompts=1), True, 3, 1, WORKED),
        (PassageTask.of(questions=2, highlight_prompts=1), True, 1, 2, DONE),
        (PassageTask.of(questions=1, highlight_prompts=0), True, 0, 1, DONE),  # no highlight asked
        (PassageTask.of(questions=0, highlight_prompts=1), True, 0, 0, READ),
        (PassageTask.of(questions=0, highlight_prompts=1), True, 1, 0, DONE),
        (PassageTask.of(questions=0, highlight_prompts=0), True, 1, 0, DONE),  # no prompt at all
        (PassageTask.of(questions=0, highlight_prompts=0), True, 0, 0, READ),
    ],
)
def test_a_passage_is_done_only_when_every_prompt_is_answered(
    task, opened, highlights, answered, state
):
    assert passage_state(task, opened=opened, highlights=highlights, answered=answered) == state


def test_counts_count_each_state_once():
    counts = count_states([DONE, WORKED, WORKED, READ, NONE, NONE])

    assert (counts.total, counts.done, counts.worked, counts.read, counts.not_opened) == (
        6,
        1,
        2,
        1,
        2,
    )


# --- the same on every page -------------------------------------------------------------------


@pytest.fixture
def progress_world(world, client):
    """Sam clicks through both passages with "Save and continue" and writes nothing; Tara
    makes one highlight in passage 1; Uma answers every prompt of passage 1 (a highlight and
    both questions) and opens passage 2; Vic answers passage 1's questions but highlights
    nothing."""
    a = world.assignment
    world.tara = factories.make_student("Tara Student", world.class_a)
    world.uma = factories.make_student("Uma Student", world.class_a)
    world.vic = factories.make_student("Vic Student", world.class_a)
    client.force_login(world.sam)
    for position in (1, 2):
        url = reverse("work:answers_save", args=[a.pk, position])
        assert client.post(url, {"go": "next"}).status_code == 302
    factories.make_highlight(a, world.tara, "glorious leader")
    factories.make_highlight(a, world.uma, "glorious leader")
    for student in (world.uma, world.vic):
        factories.make_answer(a, student, factories.prompt_of(a, 1, "text"), "Them.")
        factories.make_answer(
            a, student, factories.prompt_of(a, 1, "choose"), technique_codes=("Doubt",)
        )
    factories.open_at(a, world.uma, 2)
    client.logout()
    return world


def _dashboard_row(page: str, name: str) -> str:
    match = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{name}</a></th>.*?</tr>", page, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


EXPECTED = {
    # name: (dashboard cells, the words on the class page and the student's pages)
    "Sam Student": (["read", "read"], "0 of 2 passages done, 2 read only"),
    "Tara Student": (["worked", "none"], "0 of 2 passages done, 1 worked on, 1 not opened"),
    "Uma Student": (["done", "read"], "1 of 2 passages done, 1 read only"),
    "Vic Student": (["worked", "none"], "0 of 2 passages done, 1 worked on, 1 not opened"),
}


def test_the_dashboard_counts_only_passages_done(client, progress_world):
    client.force_login(progress_world.alice)

    page = client.get(reverse("insights:dashboard", args=[progress_world.assignment.pk]))

    html = page.content.decode()
    for name, (cells, words) in EXPECTED.items():
        row = _dashboard_row(html, name)
        assert re.findall(r'class="cell cell-(\w+)"', row) == cells
        done = int(words.split()[0])
        assert f'value="{done}"' in row and f"{done}/2" in row
    assert "“Passages done” counts only the passages done" in html


def test_the_class_page_counts_only_passages_done(client, progress_world):
    client.force_login(progress_world.alice)

    page = client.get(reverse("work:classroom", args=[progress_world.class_a.pk]))

    rows = {row.th.get_text(): row for row in select(page.content, "#roster-heading ~ * tbody tr")}
    for name, (_, words) in EXPECTED.items():
        assert text(rows[name], ".progress-text").startswith(f"{words};"), name
    assert "A passage is done when every question in it is answered" in page.content.decode()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_students_progress_bar_counts_only_passages_done(client, progress_world, name):
    student = getattr(progress_world, name.split()[0].lower())
    client.force_login(student)
    words = EXPECTED[name][1]
    done = words.split()[0]

    home = client.get(reverse("work:home")).content.decode()
    assignment = client.get(reverse("work:assignment", args=[progress_world.assignment.pk]))

    bar = select(home, "progress")[0]
    assert (bar["value"], bar["max"]) == (done, "2")
    assert words in text(home, "label")
    bar = select(assignment.content, "#lesson-progress")[0]
    assert (bar["value"], bar["max"]) == (done, "2")
    assert text(assignment.content, "#progress-words") == words


def test_the_hand_in_page_names_each_passages_state(client, progress_world):
    client.force_login(progress_world.uma)

    page = client.get(reverse("work:submit", args=[progress_world.assignment.pk]))

    states = [row.td.get_text(strip=True) for row in select(page.content, "tbody tr")]
    assert states == ["done", "read only"]


def test_a_passage_that_only_asks_for_highlights_is_done_with_one(client, world):
    n = next(factories._counter)
    lesson = factories.make_lesson(ONLY_HIGHLIGHTS.format(title=f"Only {n}", slug=f"only-{n}"))
    a = factories.make_assignment(world.class_a, lesson)
    factories.make_highlight(a, world.sam, "Everyone", "Bandwagon,Reductio_ad_hitlerum", position=2)
    client.force_login(world.alice)

    dashboard = client.get(reverse("insights:dashboard", args=[a.pk])).content.decode()
    roster = client.get(reverse("work:classroom", args=[world.class_a.pk]))

    row = _dashboard_row(dashboard, "Sam Student")
    assert re.findall(r'class="cell cell-(\w+)"', row) == ["read", "done"]
    words = [tag.get_text() for tag in select(roster.content, ".progress-text")]
    assert "1 of 2 passages done, 1 read only; 1 highlight" in words

"""What the feedback and dashboard pages say where there is nothing to divide by, the key spans
found with another technique, and the page that explains how scores are computed."""

import pytest
from django.urls import reverse

from lessons.library.models import KeySpan
from lessons.work import services

from . import factories
from .conftest import PERSONAS


def _hand_in(world, student):
    submission = services.submission_for(assignment=world.assignment, student=student)
    services.submission_submit(submission=submission)
    return submission


def test_feedback_with_no_highlights_says_so_instead_of_a_number(client, world):
    _hand_in(world, world.sam)
    client.force_login(world.sam)

    response = client.get(reverse("insights:feedback", args=[world.assignment.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "No highlights yet" in page
    assert "Precision" not in page  # no "Precision 1.00" for a student who claimed nothing
    assert response.context["feedback"].scores.precision == 0.0  # counted as the reference does
    assert reverse("insights:scoring_help") in page


def test_feedback_says_a_passage_has_no_key_spans(client, world):
    KeySpan.objects.filter(segment__lesson=world.assignment.lesson, segment__position=2).delete()
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    _hand_in(world, world.sam)
    client.force_login(world.sam)

    page = client.get(reverse("insights:feedback", args=[world.assignment.pk])).content.decode()

    assert page.count("This passage has no key spans.") == 1
    assert "Precision" in page


def test_the_dashboard_counts_key_spans_found_with_another_technique_in_their_own_column(
    client, world
):
    a = world.assignment
    factories.make_highlight(a, world.sam, "traitors", "Doubt", occurrence=1)
    tara = factories.make_student("Tara Student", world.class_a)
    _hand_in(world, tara)
    client.force_login(world.alice)

    response = client.get(reverse("insights:dashboard", args=[a.pk]))

    page = response.content.decode()
    board = response.context["board"]
    rates = {r.technique.code: (r.found, r.other, r.missed, r.possible) for r in board.rates}
    # two students started; Sam marked the first "traitors" (name calling) as doubt
    assert rates["Name_Calling,Labeling"] == (0, 1, 3, 4)
    assert '<th scope="col">Another technique</th>' in page
    rows = {row.student.pk: row for row in board.rows}
    assert (rows[world.sam.pk].found, rows[world.sam.pk].other) == (0, 1)
    missed_quotes = [(m.key.quote, m.missed) for m in board.missed]
    assert ("traitors", 1) in missed_quotes and ("traitors", 2) in missed_quotes
    assert "No highlights yet" in page  # Tara's F1
    assert rows[tara.pk].scores.f1 == 0.0
    assert reverse("insights:scoring_help") in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_how_scores_are_computed_is_open_to_everyone_logged_in(client, world, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))

    response = client.get(reverse("insights:scoring_help"))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))
    else:
        assert response.status_code == 200
        assert "0.47" in response.content.decode()


def test_the_readme_says_where_a_teacher_reads_how_scores_are_computed():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert "[docs/scoring.md](docs/scoring.md)" in (root / "README.md").read_text()
    doc = (root / "docs" / "scoring.md").read_text()
    for figure in ("0.4667", "0.1875", "0.2675", "No highlights yet", "another technique"):
        assert figure in doc

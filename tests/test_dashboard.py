"""The class dashboard (teachers), the class map (students, after release) and the CSV exports:
who may open them, what they show, and that they cost as many queries for 50 students as
for 5."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lessons.insights.selectors.dashboard import (
    build_dashboard,
    heat_legend,
    heat_level,
    load_class,
)
from lessons.work import services
from lessons.work.models import Assignment

from . import factories
from .conftest import PERSONAS

TEACHER_PAGES = ("dashboard", "export_students", "export_answers", "export_highlights")


def _url(name, world):
    namespace = "work" if name == "assignment_settings" else "insights"
    return reverse(f"{namespace}:{name}", args=[world.assignment.pk])


def _login(client, world, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))


@pytest.fixture
def classwork(world):
    """Class A with three students: Sam and Tara highlighted "glorious leader" as loaded
    language, Uma the first "traitors" as name calling. Sam handed in late and is done; Tara
    has an extension and is on passage 1; Uma is on passage 2."""
    world.tara = factories.make_student("Tara Student", world.class_a)
    world.uma = factories.make_student("Uma Student", world.class_a)
    a = world.assignment
    factories.make_highlight(a, world.sam, "glorious leader")
    factories.make_highlight(a, world.tara, "glorious leader", note="Flattery.")
    factories.make_highlight(a, world.uma, "traitors", "Name_Calling,Labeling", occurrence=1)
    factories.open_at(a, world.tara, 1)
    factories.open_at(a, world.uma, 2)
    factories.hand_in(a, world.sam)
    Assignment.objects.filter(pk=a.pk).update(due_at=timezone.now() - timedelta(hours=1))
    a.refresh_from_db()
    services.submission_extend(
        assignment=a, student=world.tara, due_at=timezone.now() + timedelta(days=2)
    )
    return world


def _row(page: str, name: str) -> str:
    """The progress table's row of one student."""
    match = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{name}</a></th>.*?</tr>", page, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


# --- who may open what -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", TEACHER_PAGES)
def test_only_the_owning_teacher_opens_the_dashboard_and_exports(client, world, persona, name):
    _login(client, world, persona)

    response = client.get(_url(name, world))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))
    elif persona == "alice":
        assert response.status_code == 200
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_a_student_of_the_class_reaches_the_class_map(client, world, persona):
    _login(client, world, persona)

    response = client.get(_url("class_map", world))

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("core:login"))
    elif persona == "sam":
        assert response.status_code == 403  # not handed in yet
    else:
        assert response.status_code == 404


def test_bob_cannot_open_the_dashboard_of_his_own_lesson_in_alices_class(client, world):
    client.force_login(world.bob)

    assert client.get(_url("dashboard", world)).status_code == 404
    response = client.get(reverse("insights:dashboard", args=[world.other_assignment.pk]))
    assert response.status_code == 200
    assert "Sam Student" not in response.content.decode()


# --- the dashboard ---------------------------------------------------------------------------


def test_the_dashboard_shows_each_students_progress(client, classwork):
    client.force_login(classwork.alice)

    page = client.get(_url("dashboard", classwork)).content.decode()

    assert "3 students · 3 started · 1 handed in (1 late)" in page
    sam, tara, uma = (_row(page, n) for n in ("Sam Student", "Tara Student", "Uma Student"))
    # A highlight without the answers is work, not a passage done, handed in or not.
    assert "cell-done" not in sam and sam.count("cell-worked") == 1
    assert "LATE" in sam
    assert 'value="0"' in sam  # progress bar: no passage done
    assert reverse("insights:student_work", args=[classwork.assignment.pk, classwork.sam.pk]) in sam
    assert "cell-worked" in tara and "cell-none" in tara and "LATE" not in tara
    assert "until " in tara  # the extension
    assert "not yet" in tara
    assert uma.count("cell-worked") == 1 and uma.count("cell-read") == 1  # saved through 1
    # In words, not colour only; highlight counts per passage.
    assert '<span class="visually-hidden">worked on</span>' in sam
    assert '<span class="visually-hidden">read only</span>' in uma
    assert '<span class="visually-hidden">not opened</span>' in tara
    assert '1<span class="visually-hidden"> highlight</span>' in sam


def test_the_dashboard_scores_each_student_against_the_key(classwork):
    board = build_dashboard(load_class(classwork.assignment))

    rows = {row.student.display_name: row for row in board.rows}
    # Sam found 1 of the 4 key spans, exactly: P = 1, R = 1/4.
    assert rows["Sam Student"].found == 1
    assert rows["Sam Student"].scores.precision == 1
    assert rows["Sam Student"].scores.recall == pytest.approx(0.25)
    assert rows["Uma Student"].found == 1


def test_the_heat_map_counts_how_many_students_highlighted_each_run(client, classwork):
    client.force_login(classwork.alice)

    page = client.get(_url("dashboard", classwork)).content.decode()

    # 2 of 3 students on "glorious leader": level ceil(5 * 2/3) = 4; 1 of 3 on "traitors".
    assert '<span class="heat heat-4" data-count="2">glorious leader</span>' in page
    assert '<span class="heat heat-2" data-count="1">traitors</span>' in page
    assert "<q>glorious leader</q>: 2 of 3 students" in page
    assert "<q>traitors</q>: 1 of 3 students" in page
    assert "Nobody highlighted anything in this passage." in page  # passage 2


def test_the_heat_map_keeps_paragraphs_and_escapes_the_text(world):
    lesson = factories.make_lesson(
        factories.SMALL_LESSON.format(title="Escapes", slug="escapes").replace(
            "Everyone 𝒜gree𝓈 with us. Join them!",
            "Everyone 𝒜gree𝓈 with us. <script>x</script>\n\nJoin & them!",
        )
    )
    assignment = factories.make_assignment(world.class_a, lesson)
    factories.make_highlight(assignment, world.sam, "Join & them", "Slogans", position=2)

    board = build_dashboard(load_class(assignment))
    html = render_to_string("insights/_heatmap.html#heat_text", {"item": board.heat.segments[1]})

    assert "<script>" not in html
    assert html.count("<p>") == 2
    assert '<span class="heat heat-5" data-count="1">Join &amp; them</span>!</p>' in html


def test_heat_levels_are_fifths_of_the_class():
    assert [heat_level(k, 3) for k in range(4)] == [0, 2, 4, 5]
    assert [heat_level(k, 10) for k in (1, 2, 3, 10)] == [1, 1, 2, 5]
    assert [(e.level, e.low, e.high) for e in heat_legend(3)] == [(2, 1, 1), (4, 2, 2), (5, 3, 3)]
    legend = [(e.low, e.high) for e in heat_legend(30)]
    assert legend == [(1, 6), (7, 12), (13, 18), (19, 24), (25, 30)]


def test_the_dashboard_shows_found_and_missed_rates_per_technique(client, classwork):
    client.force_login(classwork.alice)

    board = build_dashboard(load_class(classwork.assignment))
    page = client.get(_url("dashboard", classwork)).content.decode()

    rates = {r.technique.code: (r.found, r.possible, r.found_percent) for r in board.rates}
    assert rates == {
        "Loaded_Language": (2, 3, 67),
        "Name_Calling,Labeling": (1, 6, 17),
        "Bandwagon,Reductio_ad_hitlerum": (0, 3, 0),
    }
    assert board.rates[0].technique.code == "Bandwagon,Reductio_ad_hitlerum"  # least found
    assert '67% <span class="muted">(2 of 3)</span>' in page
    assert '83% <span class="muted">(5 of 6)</span>' in page  # name calling missed
    assert 'width="67"' in page  # the bar


def test_the_confusion_matrix_counts_key_against_chosen_technique(client, world):
    a = world.assignment
    factories.make_highlight(a, world.sam, "glorious leader", "Name_Calling,Labeling")
    factories.make_highlight(a, world.sam, "fail", occurrence=1)  # not in the key
    factories.make_highlight(a, world.sam, "Everyone", "Bandwagon,Reductio_ad_hitlerum", position=2)

    board = build_dashboard(load_class(a))
    table = {
        (row.technique.code if row.technique else "", col.code if col else ""): cell.count
        for row in board.confusion.rows
        for col, cell in zip(board.confusion.columns, row.cells, strict=True)
        if cell is not None and cell.count
    }

    assert table == {
        ("Loaded_Language", "Name_Calling,Labeling"): 1,
        ("", "Loaded_Language"): 1,
        ("Bandwagon,Reductio_ad_hitlerum", "Bandwagon,Reductio_ad_hitlerum"): 1,
        ("Name_Calling,Labeling", ""): 2,
    }
    client.force_login(world.alice)
    page = client.get(_url("dashboard", world)).content.decode()
    assert '<th scope="row">Not in the key</th>' in page
    assert '<th scope="col">Missed</th>' in page
    # Shaded by the share of the row: the one bandwagon span was found, all of it.
    assert 'class="number conf conf-5 diag">1</td>' in page
    assert 'class="number conf conf-0 muted">0</td>' in page


def test_the_dashboard_lists_the_key_spans_most_often_missed(client, classwork):
    client.force_login(classwork.alice)

    board = build_dashboard(load_class(classwork.assignment))
    page = client.get(_url("dashboard", classwork)).content.decode()

    missed = [(m.key.quote, m.missed) for m in board.missed]
    assert missed == [
        ("traitors", 3),  # the second one, passage 1
        ("Everyone 𝒜gree𝓈 with us", 3),
        ("traitors", 2),
        ("glorious leader", 1),
    ]
    assert "missed by 3 of 3" in page
    first = board.missed[0].key
    assert reverse("insights:review_key_span", args=[classwork.assignment.pk, first.pk]) in page


def test_the_dashboard_lists_passages_by_agreement_lowest_first(client, world):
    a = world.assignment
    tara = factories.make_student("Tara Student", world.class_a)
    factories.make_highlight(a, world.sam, "glorious leader")
    factories.make_highlight(a, tara, "Join them", "Slogans", position=2)
    factories.make_highlight(a, world.sam, "Join them", "Slogans", position=2)

    board = build_dashboard(load_class(a))

    # Passage 2: both students highlighted the same words; passage 1: only Sam did.
    assert [item.segment.position for item in board.agreements] == [1, 2]
    assert board.agreements[0].agreement < board.agreements[1].agreement == 1
    client.force_login(world.alice)
    page = client.get(_url("dashboard", world)).content.decode()
    assert page.index('<th scope="row">1: First</th>') < page.index('<th scope="row">2: Second')


def test_passages_nobody_highlighted_come_last_among_agreements(world):
    tara = factories.make_student("Tara Student", world.class_a)
    factories.make_highlight(world.assignment, world.sam, "Everyone", "Doubt", position=2)
    factories.open_at(world.assignment, tara, 1)

    board = build_dashboard(load_class(world.assignment))

    # Passage 1 agrees fully (nobody highlighted), passage 2 less, yet passage 2 comes first.
    assert [(a.segment.position, a.highlighters) for a in board.agreements] == [(2, 1), (1, 0)]
    assert board.agreements[0].agreement < board.agreements[1].agreement == 1


def test_the_dashboard_links_settings_exports_and_the_review_queue(client, world):
    client.force_login(world.alice)

    page = client.get(_url("dashboard", world)).content.decode()

    for name in ("assignment_settings", "export_students", "export_highlights", "review_queue"):
        assert _url(name, world) in page


def test_an_empty_class_gets_a_dashboard_that_says_so(client, world):
    client.force_login(world.alice)

    page = client.get(_url("dashboard", world)).content.decode()

    assert "No student has started yet." in page
    assert "1 student · 0 started · 0 handed in" in page


def test_a_lesson_without_a_key_still_gets_a_dashboard(client, world):
    source = factories.SMALL_LESSON.format(title="No key", slug="no-key").splitlines()
    lesson = factories.make_lesson(
        "\n".join(line for line in source if "|" not in line and line != "### Key")
    )
    assignment = factories.make_assignment(world.class_a, lesson)
    factories.make_highlight(assignment, world.sam, "glorious leader")
    client.force_login(world.alice)

    response = client.get(reverse("insights:dashboard", args=[assignment.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("This lesson has no answer key yet.") == 2
    assert "<q>glorious leader</q>: 1 of 1 student" in page


def test_a_student_removed_from_the_class_leaves_the_dashboard(client, classwork):
    classwork.class_a.enrollments.filter(student=classwork.uma).delete()
    client.force_login(classwork.alice)

    page = client.get(_url("dashboard", classwork)).content.decode()

    assert "Uma Student" not in page
    assert '<span class="heat heat-5" data-count="2">glorious leader</span>' in page


# --- the class map ---------------------------------------------------------------------------


@pytest.fixture
def manual_release(classwork):
    """Feedback released by the teacher; Tara and Uma hand in too (Sam already has)."""
    a = classwork.assignment
    Assignment.objects.filter(pk=a.pk).update(feedback_release=Assignment.Release.MANUAL)
    a.refresh_from_db()
    factories.hand_in(a, classwork.tara)
    factories.hand_in(a, classwork.uma)
    return classwork


def test_the_class_map_is_refused_before_handing_in(client, manual_release):
    a = manual_release.assignment
    services.feedback_release(assignment=a)
    newcomer = factories.make_student("Vic Student", manual_release.class_a)
    factories.make_highlight(a, newcomer, "traitors", "Name_Calling,Labeling", occurrence=1)
    client.force_login(newcomer)

    response = client.get(_url("class_map", manual_release))

    assert response.status_code == 403
    page = response.content.decode()
    assert "after you hand in your work" in page
    assert "heat-" not in page and "glorious leader" not in page


def test_the_class_map_is_refused_until_the_teacher_releases_feedback(client, manual_release):
    client.force_login(manual_release.sam)

    response = client.get(_url("class_map", manual_release))

    assert response.status_code == 403
    page = response.content.decode()
    assert "when Alice Teacher releases the feedback" in page
    assert "heat-" not in page and "glorious leader" not in page


def test_the_class_map_waits_for_the_due_date_when_the_rule_says_so(client, manual_release):
    a = manual_release.assignment
    Assignment.objects.filter(pk=a.pk).update(
        feedback_release=Assignment.Release.AFTER_DUE, due_at=timezone.now() + timedelta(days=1)
    )
    client.force_login(manual_release.sam)

    response = client.get(_url("class_map", manual_release))

    assert response.status_code == 403
    assert "It appears after the due date" in response.content.decode()


def test_the_class_map_shows_the_class_without_names_after_release(client, manual_release):
    services.feedback_release(assignment=manual_release.assignment)
    client.force_login(manual_release.sam)

    response = client.get(_url("class_map", manual_release))

    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="heat heat-4" data-count="2">glorious leader</span>' in page
    assert "<q>glorious leader</q>: 2 of 3 students" in page
    for name in ("Tara Student", "Uma Student", "Alice Teacher"):
        assert name not in page
    assert "Flattery" not in page  # nobody's notes
    assert "A label instead of an argument" not in page  # nor the key


def test_the_class_map_shows_only_work_handed_in(client, classwork):
    a = classwork.assignment  # released on hand-in; only Sam has handed in
    for name in ("Vic", "Wes"):
        student = factories.make_student(f"{name} Student", classwork.class_a)
        factories.make_highlight(a, student, "Everyone", "Doubt", position=2)
        factories.hand_in(a, student)
    client.force_login(classwork.sam)

    page = client.get(_url("class_map", classwork)).content.decode()

    assert "<q>Everyone</q>: 2 of 3 students" in page
    assert "<q>glorious leader</q>: 1 of 3 students" in page  # Sam's, not Tara's in progress
    assert "traitors</span>" not in page  # Uma has not handed in


def test_the_class_map_waits_for_enough_students_to_stay_anonymous(client, classwork):
    client.force_login(classwork.sam)  # released on hand-in, but only Sam has handed in

    response = client.get(_url("class_map", classwork))

    assert response.status_code == 200
    page = response.content.decode()
    assert "once at least 3 students have handed in" in page
    assert "heat-" not in page


# --- queries ---------------------------------------------------------------------------------


def _grow_class(world, size):
    """Class A reaches `size` students, each with three highlights and answers; every
    other student hands in."""
    a = world.assignment
    text_prompt = factories.prompt_of(a, 1, "text")
    choose_prompt = factories.prompt_of(a, 1, "choose")

    def work(student, n):
        factories.make_highlight(a, student, "glorious leader", note="=HYPERLINK(x)")
        factories.make_highlight(a, student, "traitors", "Repetition", occurrence=n % 2 + 1)
        factories.make_highlight(a, student, "Everyone", "Doubt", position=2)
        factories.make_answer(a, student, text_prompt, "Them.")
        factories.make_answer(a, student, choose_prompt, technique_codes=("Doubt",))
        if n % 2:
            factories.hand_in(a, student)
        else:
            factories.open_at(a, student, 2)

    factories.grow_class(world.class_a, size, work, kind=lambda n: n % 2)


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries)


# The exports include the one INSERT that records them in the audit log (AuditEvent).
MAX_QUERIES = {
    "dashboard": 9,
    "export_students": 11,
    "export_answers": 13,
    "export_highlights": 10,
    "class_map": 8,
}


@pytest.mark.parametrize("name", [*TEACHER_PAGES, "class_map"])
def test_a_page_runs_as_many_queries_for_50_students_as_for_5(
    client, world, django_assert_max_num_queries, name
):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    factories.hand_in(world.assignment, world.sam)
    client.force_login(world.sam if name == "class_map" else world.alice)
    url = _url(name, world)

    _grow_class(world, 5)
    small = _count(client, url)
    _grow_class(world, 50)
    large = _count(client, url)

    assert world.class_a.enrollments.count() == 50
    assert large == small
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        client.get(url)

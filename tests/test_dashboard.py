"""The class dashboard (teachers), the class map (students, after release) and the CSV exports:
who may open them, what they show, and that they cost as many queries for 50 students as
for 5."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lessons.insights.models import SubmissionFigures
from lessons.insights.scoring import Span
from lessons.insights.selectors import dashboard as dashboard_selectors
from lessons.insights.selectors.dashboard import (
    HEAT_LEVELS,
    HEAT_LINES,
    PHRASE_LENGTH,
    build_dashboard,
    dashboard_work,
    heat_legend,
    heat_level,
    phrases_of,
)
from lessons.work import services
from lessons.work.models import Assignment

from . import factories
from .conftest import PERSONAS
from .html import fragment, select, text

TEACHER_PAGES = ("dashboard", "export_students", "export_answers", "export_highlights")


def _url(name, world):
    namespace = "work" if name == "assignment_settings" else "insights"
    return reverse(f"{namespace}:{name}", args=[world.assignment.pk])


def _open(client, name, url):
    """The page, or the download (the exports answer a POST: the dashboard's buttons)."""
    return client.post(url) if name.startswith("export_") else client.get(url)


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

    response = _open(client, name, _url(name, world))

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
    board = build_dashboard(dashboard_work(classwork.assignment))

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
    assert '<span class="heat heat-4">glorious leader</span>' in page
    assert '<span class="heat heat-2">traitors</span>' in page
    assert "<q>glorious leader</q>: 2 of 3 students" in page
    assert "<q>traitors</q>: 1 of 3 students" in page
    assert "Nobody highlighted anything in this passage." in page  # passage 2


def test_neighbouring_runs_of_one_heat_level_are_one_piece_of_the_map(world):
    """Of 10 students who started, 2 on "glorious" and 1 on "glorious leader" are both the
    first level: one piece, so that a large class's map is no longer than a small one's."""
    a = world.assignment
    factories.grow_class(world.class_a, 10, lambda student, n: factories.open_at(a, student, 1))
    tara = factories.make_student("Tara Student", world.class_a)
    factories.make_highlight(a, world.sam, "glorious leader")
    factories.make_highlight(a, tara, "glorious", "Doubt")
    factories.make_highlight(a, tara, "traitors", "Doubt", occurrence=2)

    board = build_dashboard(dashboard_work(a))

    (pieces,) = board.heat.segments[0].paragraphs
    assert [(p.text, p.level, p.students) for p in pieces if p.level] == [
        ("glorious leader", 1, 2),
        ("traitors", 1, 1),
    ]
    assert [p.text for p in pieces][:2] == ["Our ", "glorious leader"]


def test_the_heat_map_lists_whole_highlighted_phrases_not_fragments(client, world):
    """Overlapping highlights used to split the list into pieces ("leader", "😀 says"): it
    lists each stretch the class highlighted as one phrase of whole words, counted once per
    student."""
    a = world.assignment
    tara = factories.make_student("Tara Student", world.class_a)
    uma = factories.make_student("Uma Student", world.class_a)
    factories.make_highlight(a, world.sam, "glorious leader")
    factories.make_highlight(a, world.sam, "glorious", "Doubt")  # Sam again: counts once
    factories.make_highlight(a, tara, "leader 😀 says", "Doubt")
    factories.make_highlight(a, uma, "lorious", "Slogans")  # part of a word
    factories.make_highlight(a, uma, "traitors will", "Name_Calling,Labeling", occurrence=1)
    factories.make_highlight(a, tara, "will fail", "Slogans", occurrence=1)  # touches Uma's
    client.force_login(world.alice)

    page = client.get(_url("dashboard", world)).content.decode()

    first = select(page, "#heat-phrases-1 + .phrases li")
    assert [item.get_text() for item in first] == [
        "glorious leader 😀 says: 3 of 3 students",
        "traitors will fail: 2 of 3 students",
    ]
    assert text(page, "#heat-passage-2 ~ .muted") == "Nobody highlighted anything in this passage."


def test_a_phrase_is_quoted_in_whole_words_without_the_punctuation_around_it():
    text_ = "Down with the 'vicious sanctions' of the imperialists!\nLong live the struggle."
    spans = {
        1: [Span(1, 13, 27, "Loaded_Language")],  # " 'vicious sanc"
        2: [Span(1, 24, 33, "Loaded_Language"), Span(1, 43, 53, "Name_Calling,Labeling")],
        # "anctions'" and "perialists"
        3: [Span(1, 56, 65, "Slogans")],  # "ong live ", on the next line
    }

    phrases = [(p.text, p.count) for p in phrases_of(text_, spans)]

    assert phrases == [("vicious sanctions", 2), ("imperialists", 1), ("Long live", 1)]


def test_a_long_phrase_is_cut_between_words():
    words = " ".join(["propaganda"] * 20)

    (phrase,) = phrases_of(words, {1: [Span(1, 0, len(words), "Loaded_Language")]})

    assert len(phrase.text) <= PHRASE_LENGTH + 1 and phrase.text.endswith("propaganda…")


def test_the_heat_legend_names_the_line_of_each_level_not_only_its_colour(client, classwork):
    client.force_login(classwork.alice)

    page = client.get(_url("dashboard", classwork)).content.decode()

    # A class of 3: one student is level 2, two level 4, three level 5.
    items = [" ".join(item.get_text(" ").split()) for item in select(page, ".heat-legend li")]
    assert items == [
        "no shading nobody",
        "level 2 dashed line: 1 of 3",
        "level 4 thicker line: 2 of 3",
        "level 5 thickest line: 3 of 3",
    ]
    lines = {f"heat-{level}": line for level, line in HEAT_LINES.items()}
    assert len(set(lines.values())) == HEAT_LEVELS  # every level its own line


def test_the_heat_map_keeps_paragraphs_and_escapes_the_text(client, world):
    lesson = factories.make_lesson(
        factories.SMALL_LESSON.format(title="Escapes", slug="escapes").replace(
            "Everyone 𝒜gree𝓈 with us. Join them!",
            "Everyone 𝒜gree𝓈 with us. <script>x</script>\n\nJoin & them!",
        )
    )
    assignment = factories.make_assignment(world.class_a, lesson)
    factories.make_highlight(assignment, world.sam, "Join & them", "Slogans", position=2)
    client.force_login(world.alice)

    page = client.get(reverse("insights:dashboard", args=[assignment.pk])).content.decode()
    html = fragment(page, '[aria-labelledby="heat-passage-2"] .heat-text')

    assert "<script>" not in html
    assert html.count("<p>") == 2
    assert '<span class="heat heat-5">Join &amp; them</span>!</p>' in html


def test_heat_levels_are_fifths_of_the_class():
    assert [heat_level(k, 3) for k in range(4)] == [0, 2, 4, 5]
    assert [heat_level(k, 10) for k in (1, 2, 3, 10)] == [1, 1, 2, 5]
    assert [(e.level, e.low, e.high) for e in heat_legend(3)] == [(2, 1, 1), (4, 2, 2), (5, 3, 3)]
    legend = [(e.low, e.high) for e in heat_legend(30)]
    assert legend == [(1, 6), (7, 12), (13, 18), (19, 24), (25, 30)]


def test_the_dashboard_shows_found_and_missed_rates_per_technique(client, classwork):
    client.force_login(classwork.alice)

    board = build_dashboard(dashboard_work(classwork.assignment))
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

    board = build_dashboard(dashboard_work(a))
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

    board = build_dashboard(dashboard_work(classwork.assignment))
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

    board = build_dashboard(dashboard_work(a))

    # Passage 2: both students highlighted the same words; passage 1: only Sam did.
    assert [item.segment.position for item in board.agreements] == [1, 2]
    assert board.agreements[0].agreement < board.agreements[1].agreement == 1
    client.force_login(world.alice)
    page = client.get(_url("dashboard", world)).content.decode()
    assert page.index('<th scope="row">1: First</th>') < page.index('<th scope="row">2: Second')


def test_a_passage_nobody_highlighted_says_so_instead_of_full_agreement(client, world):
    tara = factories.make_student("Tara Student", world.class_a)
    factories.make_highlight(world.assignment, world.sam, "Everyone", "Doubt", position=2)
    factories.open_at(world.assignment, tara, 1)

    board = build_dashboard(dashboard_work(world.assignment))

    # Passage 1: nobody highlighted, so no figure (not 100%), and it comes last.
    assert [(a.segment.position, a.highlighters) for a in board.agreements] == [(2, 1), (1, 0)]
    assert board.agreements[0].agreement < 1 and board.agreements[1].agreement is None
    client.force_login(world.alice)
    page = client.get(_url("dashboard", world)).content.decode()
    rows = select(page, "table.agreement tbody tr")
    assert [text(row, "th") for row in rows] == ["2: Second", "1: First"]
    # Sam and Tara disagree on the 8 characters of "Everyone", agree on the other 27.
    assert text(rows[0], "td") == "77% 1 of 2"
    assert text(rows[1], "td") == "No highlights yet 0 of 2"
    assert "100%" not in str(rows[1]) and "<rect" not in str(rows[1])  # no full bar


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
    assert '<span class="heat heat-5">glorious leader</span>' in page


# --- a page of students at a time -----------------------------------------------------------


@pytest.fixture
def five_students(world, monkeypatch):
    """Sam and four more students highlighted "glorious leader"; the progress table shows
    two students a page."""
    monkeypatch.setattr(dashboard_selectors, "STUDENTS_PER_PAGE", 2)
    for name in ("Abe Able", "Cat Crow", "Dan Dune", "Zoe Zed"):
        student = factories.make_student(name, world.class_a)
        factories.make_highlight(world.assignment, student, "glorious leader")
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    return world


def _names(page) -> list[str]:
    return [text(row, "th") for row in select(page, ".progress-table tbody tr")]


def test_the_progress_table_shows_a_page_of_students_and_the_class_stays_whole(
    client, five_students
):
    client.force_login(five_students.alice)
    url = _url("dashboard", five_students)

    first = client.get(url).content.decode()
    last = client.get(url + "?page=3").content.decode()

    assert _names(first) == ["Abe Able", "Cat Crow"]
    assert _names(last) == ["Zoe Zed"]
    for page in (first, last):  # the summary, the heat map and the rates are the class's
        assert "5 students · 5 started · 0 handed in" in page
        assert "<q>glorious leader</q>: 5 of 5 students" in page
        assert '100% <span class="muted">(5 of 5)</span>' in page
    assert text(first, ".table-range") == "Students 1–2 of 5, by name."
    nav = select(first, 'nav[aria-label="Pages of students"]')[0]
    assert [a.get_text() for a in nav.select("a")] == ["Page 1", "Page 2", "Page 3", "Next page →"]
    assert nav.select_one("a[rel=next]")["href"] == f"{url}?page=2#progress-heading"
    assert _names(client.get(url + "?page=nine").content.decode()) == ["Abe Able", "Cat Crow"]
    assert _names(client.get(url + "?page=9").content.decode()) == ["Zoe Zed"]


def test_a_page_link_with_htmx_answers_with_the_table_alone(client, five_students):
    client.force_login(five_students.alice)
    url = _url("dashboard", five_students)
    first = client.get(url).content.decode()
    link = select(first, "#progress-page-2")[0]
    assert (link["data-hx-get"], link["data-hx-target"]) == (f"{url}?page=2", "#progress-table")
    assert link["data-hx-push-url"] == "true"

    response = client.get(url + "?page=2", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="progress-table")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="progress-table">')
    assert _names(page) == ["Dan Dune", "Sam Student"]
    assert "Where the class highlighted" not in page and "<html" not in page
    # The focus goes to the new rows (htmx focuses what has autofocus), and their caption
    # says which they are.
    assert select(page, ".table-wrap[autofocus]")
    assert text(page, "caption").endswith("students 3 to 4 of 5")
    assert "autofocus" not in first  # a whole page keeps the reader where they were
    assert "HX-Target" in response["Vary"]  # no cache gives the table for the page


def test_an_htmx_request_for_the_whole_page_gets_it(client, five_students):
    """htmx restoring the page from the history asks for the whole page."""
    client.force_login(five_students.alice)

    response = client.get(
        _url("dashboard", five_students) + "?page=2",
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )

    page = response.content.decode()
    assert "<html" in page and _names(page) == ["Dan Dune", "Sam Student"]


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
    assert '<span class="heat heat-4">glorious leader</span>' in page
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


def _count(client, name, url) -> int:
    _open(client, name, url)
    with CaptureQueriesContext(connection) as queries:
        response = _open(client, name, url)
    assert response.status_code == 200
    return len(queries.captured_queries)


# The exports include the one INSERT that records them in the audit log (AuditEvent), and
# the one or two that count the rows the export would have, to decide whether the worker
# makes it (`exports.export_rows`: the enrolled students, and the answerable prompts or the
# highlights). The dashboard, the students export and the class map read each student's
# stored figures with their submission instead of every highlight; the dashboard reads which
# questions were answered for its page of students only, in a query of its own.
MAX_QUERIES = {
    "dashboard": 9,
    "export_students": 11,
    "export_answers": 15,
    "export_highlights": 12,
    "class_map": 7,
}


@pytest.mark.parametrize("name", ["dashboard", "export_students"])
def test_without_stored_figures_a_page_reads_the_highlights_in_one_more_query(client, world, name):
    """Figures not stored yet (work from before they were, or a key changed): the page reads
    those students' highlights, in one query whatever their number, and scores them."""
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    client.force_login(world.alice)
    url = _url(name, world)

    _grow_class(world, 5)
    SubmissionFigures.objects.all().delete()
    small = _count(client, name, url)
    _grow_class(world, 50)
    SubmissionFigures.objects.all().delete()
    large = _count(client, name, url)

    assert large == small == MAX_QUERIES[name] + 1


@pytest.mark.parametrize("name", [*TEACHER_PAGES, "class_map"])
def test_a_page_runs_as_many_queries_for_50_students_as_for_5(
    client, world, django_assert_max_num_queries, name
):
    factories.make_highlight(world.assignment, world.sam, "glorious leader")
    factories.hand_in(world.assignment, world.sam)
    client.force_login(world.sam if name == "class_map" else world.alice)
    url = _url(name, world)

    _grow_class(world, 5)
    small = _count(client, name, url)
    _grow_class(world, 50)
    large = _count(client, name, url)

    assert world.class_a.enrollments.count() == 50
    assert large == small
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        _open(client, name, url)

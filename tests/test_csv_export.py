"""CSV exports: exact content for a small class, quoting, formula neutralisation, the byte
order mark and the file name; and no export for students (the key would leak)."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from lessons.library.models import KeySpan
from lessons.work.exports import neutralise
from lessons.work.models import AuditEvent, Highlight, Review, Submission

from . import factories
from .html import select

BOM = b"\xef\xbb\xbf"
NOTE = 'He said "great", then\nleft'
EVIL_NOTE = '=HYPERLINK("http://evil.example","click")'
STARTED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HANDED_IN = datetime(2025, 3, 3, 9, 40, 5, tzinfo=UTC)
EXTENDED = datetime(2025, 3, 10, 17, 0, tzinfo=UTC)
MADE = datetime(2025, 3, 3, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        (EVIL_NOTE, "'" + EVIL_NOTE),
        ("@SUM(1)", "'@SUM(1)"),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("a=b", "a=b"),
        ("Amira K.", "Amira K."),
        ("", ""),
        (None, ""),
        (12, "12"),
        (0.5, "0.5"),
    ],
)
def test_a_cell_that_begins_like_a_formula_is_neutralised(cell, expected):
    assert neutralise(cell) == expected


@pytest.fixture
def small_class(world):
    """Sam found two key spans and handed in; "@SUM(1)" chose the wrong technique on passage 2
    and has an extension; a third student has not started."""
    a = world.assignment
    evil = factories.make_student("@SUM(1)", world.class_a)
    world.evil = evil
    world.idle = factories.make_student("Zed Idle", world.class_a)
    factories.make_highlight(a, world.sam, "glorious leader", note=NOTE)
    factories.make_highlight(a, world.sam, "traitors", "Name_Calling,Labeling", occurrence=1)
    factories.make_answer(a, world.sam, factories.prompt_of(a, 1, "text"), "The enemies, they say.")
    factories.make_answer(
        a, world.sam, factories.prompt_of(a, 1, "choose"), technique_codes=("Loaded_Language",)
    )
    factories.hand_in(a, world.sam)
    factories.make_highlight(a, evil, "Everyone", "Doubt", position=2, note=EVIL_NOTE)
    factories.open_at(a, evil, 2)
    Submission.objects.filter(student=evil).update(extended_due_at=EXTENDED)
    Submission.objects.filter(assignment=a).update(started_at=STARTED)
    Submission.objects.filter(student=world.sam).update(submitted_at=HANDED_IN)
    Highlight.objects.filter(submission__assignment=a).update(created_at=MADE, updated_at=MADE)
    return world


def _download(client, world, name):
    """The teacher presses one of the dashboard's download buttons (a POST form)."""
    client.force_login(world.alice)
    return client.post(reverse(f"insights:{name}", args=[world.assignment.pk]))


EXPORTS = ["export_students", "export_answers", "export_highlights"]


def test_the_dashboard_offers_each_download_as_a_button_that_posts(client, small_class):
    client.force_login(small_class.alice)

    page = client.get(reverse("insights:dashboard", args=[small_class.assignment.pk]))

    forms = select(page.content, 'nav[aria-label="Assignment"] form')
    assert [(form["method"], form["action"]) for form in forms] == [
        ("post", reverse(f"insights:{name}", args=[small_class.assignment.pk])) for name in EXPORTS
    ]
    assert [form.button.get_text() for form in forms] == [
        "Download students (CSV)",
        "Download answers and reviews (CSV)",
        "Download highlights (CSV)",
    ]
    assert all(form.find("input", {"name": "csrfmiddlewaretoken"}) for form in forms)


@pytest.mark.parametrize("name", EXPORTS)
def test_a_download_is_recorded_once_in_the_audit_log(client, small_class, name):
    response = _download(client, small_class, name)

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.action, event.actor) == ("exported", small_class.alice)
    assert "(CSV)" in event.detail


@pytest.mark.parametrize("name", EXPORTS)
def test_opening_an_exports_address_downloads_nothing_and_writes_nothing(client, small_class, name):
    """A GET (a bookmark, or the address a sign-in comes back to) never changes data: no file,
    no audit event; it goes to the dashboard, where the download buttons are."""
    client.force_login(small_class.alice)
    url = reverse(f"insights:{name}", args=[small_class.assignment.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == reverse("insights:dashboard", args=[small_class.assignment.pk])
    assert "Content-Disposition" not in response
    assert not AuditEvent.objects.exists()
    assert client.put(url).status_code == 405


def test_the_students_export_has_one_row_per_enrolled_student(client, small_class):
    w = small_class

    response = _download(client, w, "export_students")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM)
    assert response.content.decode("utf-8-sig") == (
        "Student,Login,Status,Started at (UTC),Passages reached,Passages,Submitted at (UTC),"
        "Late,Extended due date (UTC),Highlights,Answers,Precision,Recall,F1,Spans found F1,"
        "Key spans found,Key spans another technique,Key spans total\r\n"
        f"'@SUM(1),{w.evil.username},in progress,2025-03-03 09:00:00,2,2,,no,"
        "2025-03-10 17:00:00,1,0,0.000,0.000,0.000,0.160,0,1,4\r\n"
        f"Sam Student,{w.sam.username},handed in,2025-03-03 09:00:00,2,2,2025-03-03 09:40:05,"
        "no,,2,2,1.000,0.500,0.667,0.667,2,0,4\r\n"
        f"Zed Idle,{w.idle.username},not started,,,2,,no,,0,0,,,,,,,4\r\n"
    )


def test_the_highlights_export_has_one_row_per_highlight(client, small_class):
    w = small_class

    response = _download(client, w, "export_highlights")

    made = "2025-03-03 09:15:00"
    assert response.content.decode("utf-8-sig") == (
        "Student,Login,Passage,Start,End,Quote,Technique code,Technique,Note,Verdict,"
        "Created at (UTC),Updated at (UTC)\r\n"
        f"'@SUM(1),{w.evil.username},2,0,8,Everyone,Doubt,Doubt,"
        f'"\'=HYPERLINK(""http://evil.example"",""click"")",wrong_technique,{made},{made}\r\n'
        f"Sam Student,{w.sam.username},1,4,19,glorious leader,Loaded_Language,Loaded language,"
        f'"He said ""great"", then\nleft",correct,{made},{made}\r\n'
        f'Sam Student,{w.sam.username},1,31,39,traitors,"Name_Calling,Labeling",'
        f"Name calling / labelling,,correct,{made},{made}\r\n"
    )


def test_quoted_cells_read_back_exactly(client, small_class):
    response = _download(client, small_class, "export_highlights")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))

    assert [len(row) for row in rows] == [12] * 4
    assert rows[2][8] == NOTE
    assert rows[3][6] == "Name_Calling,Labeling"
    assert rows[1][8] == "'" + EVIL_NOTE
    assert rows[1][0] == "'@SUM(1)"


def test_the_file_is_named_after_the_lesson_and_the_class(client, small_class):
    slug = small_class.assignment.lesson.slug

    students = _download(client, small_class, "export_students")
    highlights = _download(client, small_class, "export_highlights")

    assert students["Content-Disposition"] == f'attachment; filename="{slug}-class-a-students.csv"'
    assert highlights["Content-Disposition"] == (
        f'attachment; filename="{slug}-class-a-highlights.csv"'
    )


def test_accents_survive_in_utf8(client, world):
    student = factories.make_student("Zoë Ñúñez", world.class_a)
    factories.make_highlight(world.assignment, student, "Everyone 𝒜gree𝓈", "Doubt", position=2)

    response = _download(client, world, "export_highlights")

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffStudent,")
    assert "Zoë Ñúñez" in text and "Everyone 𝒜gree𝓈" in text


@pytest.mark.parametrize("persona", ["sam", "olga"])
@pytest.mark.parametrize("name", EXPORTS)
def test_students_get_no_export_so_the_key_never_leaks(client, small_class, persona, name):
    client.force_login(getattr(small_class, persona))

    response = client.post(reverse(f"insights:{name}", args=[small_class.assignment.pk]))

    assert response.status_code == 404
    body = response.content.decode()
    assert "correct" not in body and "wrong_technique" not in body
    assert "glorious leader" not in body
    assert not AuditEvent.objects.exists()


def test_a_student_removed_from_the_class_is_left_out_of_both_exports(client, small_class):
    small_class.class_a.enrollments.filter(student=small_class.evil).delete()

    students = _download(client, small_class, "export_students").content.decode("utf-8-sig")
    highlights = _download(client, small_class, "export_highlights").content.decode("utf-8-sig")
    answers = _download(client, small_class, "export_answers").content.decode("utf-8-sig")

    assert "SUM" not in students and "SUM" not in highlights and "SUM" not in answers
    assert "HYPERLINK" not in highlights


def test_times_are_written_in_the_sites_time_zone(client, small_class, settings):
    settings.TIME_ZONE = "Europe/Paris"

    text = _download(client, small_class, "export_students").content.decode("utf-8-sig")

    assert "Submitted at (Europe/Paris)" in text
    assert ",2025-03-03 10:40:05," in text  # 09:40:05 UTC, winter time


@pytest.fixture
def reviewed_class(small_class):
    """small_class, with Sam's written answer scored and commented (reviewed), a key span
    commented (a draft) and an overall comment that begins like a formula."""
    w = small_class
    a = w.assignment
    sam = Submission.objects.get(assignment=a, student=w.sam)
    w.text_prompt = factories.prompt_of(a, 1, "text")
    w.key = KeySpan.objects.filter(segment__lesson=a.lesson).order_by("pk").first()
    Review.objects.create(
        submission=sam, prompt=w.text_prompt, score=4, comment="Good.", reviewed_at=HANDED_IN
    )
    Review.objects.create(submission=sam, key_span=w.key, comment="Look again.")
    Review.objects.create(submission=sam, score=5, comment="=1+1", reviewed_at=HANDED_IN)
    return w


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def test_the_students_export_has_each_teacher_score_and_comment(client, reviewed_class):
    w = reviewed_class
    rows = _rows(_download(client, w, "export_students"))

    header = rows[0]
    prompt = f"Passage 1 prompt {w.text_prompt.position}"
    key = f"Passage {w.key.segment.position} key span {w.key.position}"
    assert header[-6:] == [
        f"{prompt} score",
        f"{prompt} comment",
        f"{key} score",
        f"{key} comment",
        "Overall score",
        "Overall comment",
    ]
    by_login = {row[1]: row for row in rows[1:]}
    assert by_login[w.sam.username][-6:] == ["4", "Good.", "", "Look again.", "5", "'=1+1"]
    assert by_login[w.evil.username][-6:] == [""] * 6
    assert by_login[w.idle.username][-6:] == [""] * 6


def test_the_answers_export_has_a_row_per_student_and_prompt(client, reviewed_class):
    w = reviewed_class

    response = _download(client, w, "export_answers")

    slug = w.assignment.lesson.slug
    assert response["Content-Disposition"] == f'attachment; filename="{slug}-class-a-answers.csv"'
    assert response.content.startswith(BOM)
    rows = _rows(response)
    assert rows[0] == [
        "Student",
        "Login",
        "Passage",
        "Prompt",
        "Question",
        "Answer",
        "Techniques chosen",
        "Score",
        "Comment",
        "Reviewed",
    ]
    prompts = [p for p in w.assignment.lesson.segments.all() for p in p.prompts.all()]
    answerable = [p for p in prompts if p.is_answerable]
    assert len(rows) == 1 + 3 * len(answerable)  # every enrolled student, every prompt
    sam = [row for row in rows[1:] if row[1] == w.sam.username]
    text = next(row for row in sam if row[3] == str(w.text_prompt.position) and row[2] == "1")
    assert text[4:] == [w.text_prompt.text, "The enemies, they say.", "", "4", "Good.", "yes"]
    choose = factories.prompt_of(w.assignment, 1, "choose")
    chosen = next(row for row in sam if row[3] == str(choose.position) and row[2] == "1")
    assert chosen[5:] == ["", "Loaded language", "", "", "no"]
    assert rows[1][0] == "'@SUM(1)"  # formula-safe
    assert all(row[9] == "no" for row in rows[1:] if row[1] != w.sam.username)

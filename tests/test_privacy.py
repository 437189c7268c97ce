"""Students' data (issue 10, item 7; docs/privacy.md): a teacher or the school's admin exports
one student's data and deletes it; a student downloads their own work; the audit log records
who viewed, exported, changed or deleted students' work, and only school admins read it."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import services as core_services
from core.models import Classroom, Enrollment, School, User
from lessons.insights.models import SubmissionFigures
from lessons.library import services as library_services
from lessons.library.lessonfile import parse_lesson
from lessons.work import services
from lessons.work.models import (
    Answer,
    Assignment,
    AuditEvent,
    Highlight,
    Review,
    Submission,
    UnplacedWork,
)

from . import factories
from .conftest import PERSONAS, log_in
from .html import assert_in_fragment, text

LOGIN = "login"
REFUSED = (LOGIN, 404, 405)
ZIP_FILES = {
    "README.txt",
    "data.json",
    "account.csv",
    "enrolments.csv",
    "assignments.csv",
    "highlights.csv",
    "answers.csv",
    "reviews.csv",
    "unplaced_work.csv",
}


def _approve(*teachers: User) -> None:
    """Approved by their school: they read dashboards and reviews (core.access)."""
    User.objects.filter(pk__in=[t.pk for t in teachers]).update(status=User.Status.APPROVED)
    for teacher in teachers:
        teacher.refresh_from_db()


def _school(name: str, *teachers: User, admin: str) -> User:
    """A school whose teachers are `teachers`, and its admin (a new teacher), returned."""
    school = School.objects.create(name=name)
    User.objects.filter(pk__in=[t.pk for t in teachers]).update(school=school)
    for teacher in teachers:
        teacher.refresh_from_db()
    return core_services.teacher_register(
        username=admin.lower().replace(" ", "-"),
        display_name=admin,
        email=f"{admin.split()[0].lower()}@example.org",
        password="a-long-admin-password",
        school=school,
        status=User.Status.APPROVED,
        is_school_admin=True,
        email_verified=True,
    )


@pytest.fixture
def work(world):
    """Sam's work in class A: a highlight with a note, a written answer, techniques chosen,
    handed in, reviewed by Alice; Olga's in class B, with words found nowhere in Sam's."""
    _approve(world.alice, world.bob)
    a, b = world.assignment, world.other_assignment
    factories.make_highlight(a, world.sam, "glorious leader", note="=1+1 praise")
    factories.make_answer(a, world.sam, factories.prompt_of(a, 1, "text"), "Sam's enemies")
    factories.make_answer(
        a, world.sam, factories.prompt_of(a, 1, "choose"), technique_codes=("Loaded_Language",)
    )
    submission = factories.hand_in(a, world.sam)
    services.review_save(
        submission=submission,
        reviewer=world.alice,
        comment="Well found, Sam.",
        score=4,
        prompt=factories.prompt_of(a, 1, "text"),
    )
    factories.make_highlight(b, world.olga, "Everyone", "Doubt", position=2, note="Olga's note")
    factories.make_answer(b, world.olga, factories.prompt_of(b, 2, "text"), "Olga's answer")
    return world


def _export_url(world, classroom=None, student=None) -> str:
    classroom, student = classroom or world.class_a, student or world.sam
    return reverse("work:student_export", args=[classroom.pk, student.pk])


def _delete_url(world, classroom=None, student=None) -> str:
    classroom, student = classroom or world.class_a, student or world.sam
    return reverse("work:student_delete", args=[classroom.pk, student.pk])


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    return zipfile.ZipFile(io.BytesIO(response.content))


def _json(archive: zipfile.ZipFile) -> dict:
    return json.loads(archive.read("data.json"))


def _csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = archive.read(name).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# --- who may do what, over the persona table -------------------------------------------------

URLS = {
    "student_export": _export_url,
    "student_delete": _delete_url,
    "my_data": lambda w: reverse("work:my_data"),
    "school_students": lambda w: reverse("work:school_students"),
    "audit_log": lambda w: reverse("work:audit_log"),
}
DATA = {"student_delete": {"confirm": "on"}}

#      view               method   anonymous sam  olga alice bob
TABLE = [
    ("student_export",  "get",  (LOGIN, 405, 405, 405, 405)),
    ("student_export",  "post", (LOGIN, 404, 404, 200, 404)),
    ("student_delete",  "get",  (LOGIN, 404, 404, 200, 404)),
    ("student_delete",  "post", (LOGIN, 404, 404, 302, 404)),
    ("my_data",         "get",  (LOGIN, 405, 405, 405, 405)),
    ("my_data",         "post", (LOGIN, 200, 200, 404, 404)),
    ("school_students", "get",  (LOGIN, 404, 404, 404, 404)),
    ("school_students", "post", (LOGIN, 405, 405, 405, 405)),
    ("audit_log",       "get",  (LOGIN, 404, 404, 404, 404)),
    ("audit_log",       "post", (LOGIN, 405, 405, 405, 405)),
]  # fmt: skip

CASES = [
    pytest.param(view, method, persona, expected, id=f"{view}-{method}-{persona}")
    for view, method, expectations in TABLE
    for persona, expected in zip(PERSONAS, expectations, strict=True)
]


def _snapshot() -> dict:
    """Every row a refused request must leave as it was, audit log included."""
    return {
        model._meta.label: sorted(model.objects.values_list("pk", flat=True))
        for model in (
            User,
            Classroom,
            Enrollment,
            Submission,
            Highlight,
            Answer,
            Review,
            UnplacedWork,
            AuditEvent,
        )
    }


@pytest.mark.parametrize(("view", "method", "persona", "expected"), CASES)
def test_every_privacy_view_answers_each_persona_as_expected(
    client, work, view, method, persona, expected
):
    url = URLS[view](work)
    log_in(client, work, persona)
    before = _snapshot()

    response = getattr(client, method)(url, DATA.get(view, {}) if method == "post" else None)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('core:login')}?next={url}"
    else:
        assert response.status_code == expected
    if expected in REFUSED:
        assert _snapshot() == before
    content = response.content.decode("utf-8", "replace") if expected != 200 else ""
    if persona in ("olga", "bob"):
        assert "Sam Student" not in content
    if response["Content-Type"] == "application/zip":
        data = _json(_zip(response))
        owner = work.sam if view == "student_export" else getattr(work, persona)
        assert data["account"]["username"] == owner.username


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_a_teacher_reaches_no_student_through_a_class_that_is_not_theirs(client, work, persona):
    """Alice cannot name Olga under her own class, nor Sam under Bob's; Bob the same."""
    client.force_login(getattr(work, persona))
    before = _snapshot()
    own = (work.class_a, work.sam) if persona == "alice" else (work.class_b, work.olga)
    for classroom in (work.class_a, work.class_b):
        for student in (work.sam, work.olga):
            if (classroom, student) == own:
                continue
                assert client.post(_export_url(work, classroom, student)).status_code == 404
            assert client.get(_delete_url(work, classroom, student)).status_code == 404
            response = client.post(_delete_url(work, classroom, student), {"confirm": "on"})
            assert response.status_code == 404
    assert _snapshot() == before


def test_a_teacher_cannot_export_a_teacher_as_if_a_student(client, work):
    """Only students' data: a teacher enrolled by mistake is not exported this way."""
    Enrollment.objects.create(classroom=work.class_a, student=work.bob)
    client.force_login(work.alice)
    assert client.post(_export_url(work, student=work.bob)).status_code == 404


# --- the export ------------------------------------------------------------------------------


def test_the_export_holds_exactly_sams_data_and_nothing_of_olgas(client, work):
    client.force_login(work.alice)
    client.get(reverse("insights:student_work", args=[work.assignment.pk, work.sam.pk]))

    response = client.post(_export_url(work))

    archive = _zip(response)
    assert set(archive.namelist()) == ZIP_FILES | {"audit_events.csv"}
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="lens-data-{work.sam.username}-')
    for name in archive.namelist():
        content = archive.read(name).decode("utf-8")
        for secret in ("Olga", "Class B", "Bob Teacher", "Everyone"):
            assert secret not in content, (name, secret)
        assert "pbkdf2" not in content and "md5$" not in content  # no password hash
    data = _json(archive)

    assert data["export"]["made_by"] == f"Alice Teacher ({work.alice.username})"
    account = data["account"]
    assert "password" not in account
    assert account["id"] == work.sam.pk
    assert account["username"] == work.sam.username
    assert account["display_name"] == "Sam Student"
    assert account["role"] == "student"
    assert account["email"] == ""
    assert [(e["class"], e["teacher"]) for e in data["enrolments"]] == [
        ("Class A", "Alice Teacher")
    ]
    [assignment] = data["assignments"]
    lesson = work.assignment.lesson
    assert assignment["lesson"] == lesson.title
    assert assignment["class"] == "Class A"
    assert assignment["status"] == "handed in"
    assert assignment["handed_in_at"] is not None
    assert assignment["furthest_passage"] == 2
    assert [
        (h["passage"], h["quote"], h["technique_code"], h["note"]) for h in assignment["highlights"]
    ] == [(1, "glorious leader", "Loaded_Language", "=1+1 praise")]
    assert [
        (a["passage"], a["question"], a["text"], a["techniques"]) for a in assignment["answers"]
    ] == [
        (1, 'Who are "the traitors"?', "Sam's enemies", []),
        (1, "Which techniques are used here?", "", ["Loaded language"]),
    ]
    assert [(r["on"], r["comment"], r["score"], r["reviewer"]) for r in assignment["reviews"]] == [
        ("question", "Well found, Sam.", 4, "Alice Teacher")
    ]
    assert assignment["unplaced_work"] == []
    assert [(e["action"], e["object"], e["who"]) for e in data["audit_events"]] == [
        ("viewed", "submission", f"Alice Teacher ({work.alice.username})")
    ]


def test_the_export_csv_files_match_the_json_and_neutralise_formulas(client, work):
    client.force_login(work.alice)

    archive = _zip(client.post(_export_url(work)))

    highlights = _csv(archive, "highlights.csv")
    assert highlights[0][:4] == ["lesson", "class", "passage", "start"]
    assert len(highlights) == 2
    row = dict(zip(highlights[0], highlights[1], strict=True))
    assert row["quote"] == "glorious leader"
    assert row["note"] == "'=1+1 praise"  # a spreadsheet shows it, never evaluates it
    assert row["class"] == "Class A"
    account = dict(_csv(archive, "account.csv")[1:])
    assert account["username"] == work.sam.username
    assert "password" not in account
    answers = _csv(archive, "answers.csv")
    assert [r[answers[0].index("techniques")] for r in answers[1:]] == ["", "Loaded language"]
    assert len(_csv(archive, "reviews.csv")) == 2
    assert "Sam Student" in archive.read("README.txt").decode()


def test_a_teachers_export_leaves_out_the_students_work_in_another_teachers_class(client, work):
    Enrollment.objects.create(classroom=work.class_b, student=work.sam)
    factories.make_highlight(
        work.other_assignment, work.sam, "traitors", occurrence=1, note="In Bob's class"
    )
    client.force_login(work.alice)

    data = _json(_zip(client.post(_export_url(work))))

    assert [e["class"] for e in data["enrolments"]] == ["Class A"]
    assert [a["class"] for a in data["assignments"]] == ["Class A"]
    assert "In Bob's class" not in json.dumps(data)


def test_the_export_runs_as_many_queries_for_much_work_as_for_little(client, work):
    client.force_login(work.alice)
    url = _export_url(work)
    client.post(url)
    with CaptureQueriesContext(connection) as little:
        client.post(url)
    more = factories.make_assignment(work.class_a)
    factories.make_highlight(more, work.sam, "glorious leader", note="again")
    factories.make_highlight(more, work.sam, "traitors", "Name_Calling,Labeling", occurrence=1)
    factories.make_answer(more, work.sam, factories.prompt_of(more, 2, "text"), "Yes")
    with CaptureQueriesContext(connection) as much:
        archive = _zip(client.post(url))

    assert len(_json(archive)["assignments"]) == 2
    assert len(much.captured_queries) == len(little.captured_queries) <= 13


# --- the student's own download --------------------------------------------------------------


def test_a_student_downloads_their_own_work_from_their_home_page(client, work):
    client.force_login(work.sam)
    home = client.get(reverse("work:home")).content.decode()
    assert_in_fragment(home, "#my-data-heading + p + form button", "Download my work")

    archive = _zip(client.post(reverse("work:my_data")))

    assert set(archive.namelist()) == ZIP_FILES  # the audit log is the school's, not here
    data = _json(archive)
    assert data["account"]["username"] == work.sam.username
    [assignment] = data["assignments"]
    assert [h["quote"] for h in assignment["highlights"]] == ["glorious leader"]
    # Released on hand-in (the class's rule): the teacher's review is part of the feedback.
    assert [r["comment"] for r in assignment["reviews"]] == ["Well found, Sam."]
    assert "Olga" not in json.dumps(data)
    event = AuditEvent.objects.get(action="exported", student=work.sam)
    assert event.actor == work.sam and event.classroom is None


def test_a_students_own_download_keeps_back_reviews_until_feedback_is_released(client, work):
    Assignment.objects.filter(pk=work.assignment.pk).update(
        feedback_release=Assignment.Release.MANUAL
    )
    client.force_login(work.sam)

    data = _json(_zip(client.post(reverse("work:my_data"))))

    assert data["assignments"][0]["reviews"] == []
    assert data["assignments"][0]["answers"][0]["text"] == "Sam's enemies"


def test_a_students_own_download_covers_every_class(client, work):
    Enrollment.objects.create(classroom=work.class_b, student=work.sam)
    factories.make_highlight(
        work.other_assignment, work.sam, "traitors", occurrence=1, note="In Bob's class"
    )
    client.force_login(work.sam)

    data = _json(_zip(client.post(reverse("work:my_data"))))

    assert sorted(e["class"] for e in data["enrolments"]) == ["Class A", "Class B"]
    assert sorted(a["class"] for a in data["assignments"]) == ["Class A", "Class B"]


# --- deletion --------------------------------------------------------------------------------


def _rows_not_of(student: User) -> dict:
    """Every row of work that is not `student`'s, with what it says."""
    return {
        "users": list(User.objects.exclude(pk=student.pk).order_by("pk").values_list()),
        "enrolments": list(Enrollment.objects.exclude(student=student).values_list()),
        "submissions": list(Submission.objects.exclude(student=student).values_list()),
        "highlights": list(Highlight.objects.exclude(submission__student=student).values_list()),
        "answers": list(Answer.objects.exclude(submission__student=student).values_list()),
        "reviews": list(Review.objects.exclude(submission__student=student).values_list()),
    }


def test_the_confirmation_names_the_student_and_lists_what_goes(client, work):
    client.force_login(work.alice)

    page = client.get(_delete_url(work)).content.decode()

    assert text(page, "main h1") == "Delete Sam Student's data"
    items = text(page, "#deleted-items")
    assert "1 class: Class A" in items
    assert "1 lesson started or handed in" in items
    assert "1 highlight with their notes" in items
    assert "2 answers" in items
    assert "1 of your comments and scores" in items
    assert_in_fragment(page, "form button[type=submit]", "Delete Sam Student's account and work")


def test_deleting_removes_everything_of_sam_and_nothing_of_anyone_else(client, work):
    tess = factories.make_student("Tess Student", work.class_a)
    factories.make_highlight(work.assignment, tess, "glorious leader", note="Tess's note")
    prompt = factories.prompt_of(work.assignment, 1, "text")
    factories.make_answer(work.assignment, tess, prompt, "Tess's answer")
    services.review_save(
        submission=Submission.objects.get(student=tess),
        reviewer=work.alice,
        comment="Tess, look again.",
        score=1,
        prompt=prompt,
    )
    client.force_login(work.alice)
    dashboard = reverse("insights:dashboard", args=[work.assignment.pk])
    classroom = reverse("work:classroom", args=[work.class_a.pk])
    client.get(reverse("insights:student_work", args=[work.assignment.pk, work.sam.pk]))
    before = client.get(dashboard).content.decode()
    assert text(before, "#summary").startswith("2 students · 2 started · 1 handed in")
    others = _rows_not_of(work.sam)
    submissions = list(Submission.objects.filter(student=work.sam).values_list("pk", flat=True))

    response = client.post(_delete_url(work), {"confirm": "on"})

    assert response.status_code == 302
    assert response.url == classroom
    assert not User.objects.filter(pk=work.sam.pk).exists()
    assert not Enrollment.objects.filter(student_id=work.sam.pk).exists()
    assert not Submission.objects.filter(pk__in=submissions).exists()
    for model in (Highlight, Answer, Review, UnplacedWork, SubmissionFigures):
        assert not model.objects.filter(submission_id__in=submissions).exists()
    assert not Answer.techniques.through.objects.filter(
        answer__submission_id__in=submissions
    ).exists()
    assert _rows_not_of(work.sam) == others

    class_page = client.get(classroom).content.decode()
    assert text(class_page, ".messages") == "Sam Student's account and all their work are deleted."
    assert text(class_page, "#roster-heading") == "Students (1)"
    assert "Sam Student" not in text(class_page, "#roster-heading ~ *")
    after = client.get(dashboard)
    assert after.status_code == 200
    page = after.content.decode()
    assert text(page, "#summary").startswith("1 student · 1 started · 0 handed in")
    assert "Sam Student" not in page
    assert "Tess Student" in page
    for name in ("export_students", "export_highlights"):
        exported = client.post(reverse(f"insights:{name}", args=[work.assignment.pk]))
        assert exported.status_code == 200
        assert "Sam Student" not in exported.content.decode("utf-8-sig")


def test_deleting_keeps_the_audit_log_without_the_name(client, work):
    client.force_login(work.sam)
    client.post(reverse("work:my_data"))
    client.force_login(work.alice)
    client.get(reverse("insights:student_work", args=[work.assignment.pk, work.sam.pk]))
    pk = work.sam.pk

    client.post(_delete_url(work), {"confirm": "on"})

    own = AuditEvent.objects.get(action="exported")
    assert (own.actor, own.student, own.student_ref) == (None, None, pk)
    assert own.actor_name == f"Deleted student no. {pk}"
    for event in AuditEvent.objects.all():
        assert "Sam" not in f"{event.actor_name} {event.detail}"
        assert work.sam.username not in f"{event.actor_name} {event.detail}"

    viewed = AuditEvent.objects.get(action="viewed")
    assert viewed.student is None and viewed.student_ref == pk
    deleted = AuditEvent.objects.get(action="deleted")
    assert (deleted.actor, deleted.student, deleted.student_ref) == (work.alice, None, pk)
    assert deleted.classroom == work.class_a
    assert "Sam" not in deleted.detail
    assert deleted.detail.startswith(f"Deleted student no. {pk}: the account and all their work")


def test_deleting_needs_the_box_ticked(client, work):
    client.force_login(work.alice)
    before = _snapshot()

    response = client.post(_delete_url(work), {})

    assert response.status_code == 400
    assert "Tick the box to confirm" in response.content.decode()
    assert _snapshot() == before


def test_a_teacher_cannot_delete_a_student_who_is_in_another_teachers_class(client, work):
    """Decision (docs/privacy.md): a teacher deletes only a student in no other teacher's
    class; otherwise they remove the student from their own class."""
    Enrollment.objects.create(classroom=work.class_b, student=work.sam)
    client.force_login(work.alice)

    page = client.get(_delete_url(work)).content.decode()
    assert "You cannot delete this account" in text(page, "main")
    remove = reverse("core:classroom_student_remove", args=[work.class_a.pk, work.sam.pk])
    assert f'action="{remove}"' in page
    before = _snapshot()
    response = client.post(_delete_url(work), {"confirm": "on"})

    assert response.status_code == 403
    assert "cannot delete their account" in response.content.decode()
    assert _snapshot() == before


def test_work_left_in_another_teachers_class_also_stops_a_teacher_deleting(client, work):
    Enrollment.objects.create(classroom=work.class_b, student=work.sam)
    factories.make_highlight(work.other_assignment, work.sam, "traitors", occurrence=1)
    Enrollment.objects.filter(classroom=work.class_b, student=work.sam).delete()
    client.force_login(work.alice)

    assert client.post(_delete_url(work), {"confirm": "on"}).status_code == 403
    assert User.objects.filter(pk=work.sam.pk).exists()


# --- school admins ---------------------------------------------------------------------------


@pytest.fixture
def schools(work):
    """Alice and Bob teach at Northfield, whose admin is Hana; Sid admins Southfield."""
    work.hana = _school("Northfield", work.alice, work.bob, admin="Hana Head")
    work.sid = _school("Southfield", admin="Sid Admin")
    return work


def test_a_school_admin_deletes_a_student_in_two_of_the_schools_classes(client, schools):
    w = schools
    Enrollment.objects.create(classroom=w.class_b, student=w.sam)
    client.force_login(w.hana)
    page = client.get(reverse("work:school_students")).content.decode()
    assert_in_fragment(page, "main", "Class A", "Class B", "Sam Student", "Olga Other")

    response = client.post(_delete_url(w), {"confirm": "on"})

    assert response.status_code == 302
    assert response.url == reverse("work:school_students")
    assert not User.objects.filter(pk=w.sam.pk).exists()
    assert User.objects.filter(pk=w.olga.pk).exists()


def test_a_school_admin_exports_a_student_of_the_school(client, schools):
    client.force_login(schools.hana)

    data = _json(_zip(client.post(_export_url(schools))))

    assert data["account"]["username"] == schools.sam.username
    assert "Northfield" in data["export"]["scope"]
    event = AuditEvent.objects.get(action="exported")
    assert (event.actor, event.student, event.classroom) == (
        schools.hana,
        schools.sam,
        schools.class_a,
    )


def test_another_schools_admin_reaches_none_of_its_students(client, schools):
    client.force_login(schools.sid)
    before = _snapshot()

    assert client.post(_export_url(schools)).status_code == 404
    assert client.get(_delete_url(schools)).status_code == 404
    assert client.post(_delete_url(schools), {"confirm": "on"}).status_code == 404
    page = client.get(reverse("work:school_students")).content.decode()
    assert "Sam Student" not in page
    assert _snapshot() == before


# --- the audit log ---------------------------------------------------------------------------


def _actions(**filters) -> list[tuple]:
    return list(
        AuditEvent.objects.filter(**filters)
        .order_by("pk")
        .values_list("action", "object_type", "student_id", "classroom_id")
    )


def test_each_action_on_students_work_is_recorded_once(client, work):
    w = work
    a = w.assignment
    prompt = factories.prompt_of(a, 1, "text")
    key = a.lesson.segments.get(position=1).key_spans.first()
    submission = Submission.objects.get(student=w.sam, assignment=a)
    client.force_login(w.alice)
    A, S = w.class_a.pk, w.sam.pk

    client.get(reverse("insights:student_work", args=[a.pk, w.sam.pk]))
    assert _actions() == [("viewed", "submission", S, A)]
    client.get(reverse("insights:review_prompt", args=[a.pk, prompt.pk]))
    client.get(reverse("insights:review_key_span", args=[a.pk, key.pk]))
    assert _actions()[1:] == [("viewed", "assignment", None, A)] * 2
    client.post(reverse("insights:export_students", args=[a.pk]))
    client.post(reverse("insights:export_highlights", args=[a.pk]))
    assert _actions()[3:] == [("exported", "assignment", None, A)] * 2
    client.post(
        reverse("insights:review_save", args=[a.pk, submission.pk]),
        {"prompt": prompt.pk, "comment": "Better", "score": 3, "reviewed": "on"},
    )
    assert _actions()[5:] == [("changed", "review", S, A)]
    due = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("work:extend", args=[a.pk, w.sam.pk]), {f"student-{S}-due_at": due})
    assert _actions()[6:] == [("changed", "submission", S, A)]
    client.post(_export_url(w))
    assert _actions()[7:] == [("exported", "user", S, A)]
    client.force_login(w.sam)
    client.post(reverse("work:my_data"))
    assert _actions()[8:] == [("exported", "user", S, None)]
    client.force_login(w.alice)
    client.post(_delete_url(w), {"confirm": "on"})
    assert _actions()[9:] == [("deleted", "user", None, A)]
    assert AuditEvent.objects.count() == 10
    assert set(AuditEvent.objects.values_list("student_ref", flat=True)) == {None, S}


def test_moving_a_class_to_a_new_revision_is_recorded(client, work):
    source = factories.SMALL_LESSON.format(title="Alice's lesson", slug="alice-lesson")
    own = library_services.lesson_import(data=parse_lesson(source), created_by=work.alice)
    assignment = factories.make_assignment(work.class_a, own)
    factories.make_highlight(assignment, work.sam, "glorious leader")
    revision = library_services.lesson_edit_draft(lesson=own, by=work.alice)
    library_services.lesson_publish(lesson=revision)
    client.force_login(work.alice)

    response = client.post(
        reverse("work:assignment_revision", args=[assignment.pk]), {"to": revision.pk}
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.student, event.classroom) == (
        "changed",
        "revisionmove",
        None,
        work.class_a,
    )
    assert "from revision 1 to revision 2" in event.detail


def test_the_audit_log_is_read_by_the_schools_admin_only(client, schools):
    w = schools
    client.force_login(w.alice)
    client.get(reverse("insights:student_work", args=[w.assignment.pk, w.sam.pk]))
    client.force_login(w.bob)
    client.get(reverse("insights:student_work", args=[w.other_assignment.pk, w.olga.pk]))
    url = reverse("work:audit_log")

    client.force_login(w.hana)
    page = client.get(url).content.decode()
    rows = text(page, "#audit-events tbody")
    assert "Sam Student" in rows and "Olga Other" in rows
    assert f"Alice Teacher ({w.alice.username})" in rows
    one = client.get(f"{url}?student={w.sam.pk}").content.decode()
    assert "Sam Student" in text(one, "#audit-events tbody")
    assert "Olga Other" not in text(one, "#audit-events tbody")

    client.force_login(w.sid)
    other = client.get(url)
    assert other.status_code == 200
    assert "Sam Student" not in other.content.decode()
    assert "Nothing recorded yet." in other.content.decode()
    assert client.get(f"{url}?student={w.sam.pk}").status_code == 404
    for persona in ("alice", "bob", "sam", "olga"):
        client.force_login(getattr(w, persona))
        assert client.get(url).status_code == 404


def test_the_audit_log_of_a_student_removed_from_the_class_stays_readable(client, schools):
    w = schools
    client.force_login(w.alice)
    client.get(reverse("insights:student_work", args=[w.assignment.pk, w.sam.pk]))
    Enrollment.objects.filter(student=w.sam).delete()
    client.force_login(w.hana)

    page = client.get(reverse("work:audit_log"), {"student": w.sam.pk})

    assert page.status_code == 200
    assert "Opened the student's work" in text(page.content, "#audit-events tbody")


@pytest.mark.parametrize("student", ["abc", "-1", "²", "9" * 30, ""])
def test_the_audit_log_refuses_a_student_that_is_not_a_number(client, schools, student):
    client.force_login(schools.hana)
    assert client.get(reverse("work:audit_log"), {"student": student}).status_code == 404


def test_the_audit_log_shows_a_deleted_student_by_number(client, schools):
    w = schools
    pk = w.sam.pk
    client.force_login(w.alice)
    client.post(_delete_url(w), {"confirm": "on"})
    client.force_login(w.hana)

    rows = text(client.get(reverse("work:audit_log")).content, "#audit-events tbody")

    assert f"Deleted student no. {pk}" in rows
    assert "Sam Student" not in rows


def test_the_audit_log_runs_as_many_queries_for_many_events_as_for_few(client, schools):
    w = schools
    client.force_login(w.hana)
    url = reverse("work:audit_log")

    def record(n):
        for i in range(n):
            services.audit_record(
                actor=w.alice,
                action=AuditEvent.Action.VIEWED,
                student_id=w.sam.pk if i % 2 else None,
                classroom_id=w.class_a.pk,
                detail=f"event {i}",
            )

    record(3)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    record(40)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()

    assert page.count("<tr>") == 44  # the header and 43 events
    assert len(many.captured_queries) == len(few.captured_queries) <= 5


def test_the_audit_log_has_pages_of_a_hundred(client, schools):
    w = schools
    for i in range(105):
        services.audit_record(
            actor=w.alice, action="viewed", classroom_id=w.class_a.pk, detail=f"event {i}"
        )
    client.force_login(w.hana)

    first = client.get(reverse("work:audit_log")).content.decode()
    second = client.get(reverse("work:audit_log"), {"page": 2}).content.decode()

    assert first.count("<tr>") == 101 and second.count("<tr>") == 6
    assert "event 104" in first and "event 0" in second


def test_the_audit_log_is_read_only_in_the_admin(client, work):
    operator = User.objects.create_superuser(
        username="operator", email="operator@example.org", password="an-operator-password"
    )
    services.audit_record(actor=work.alice, action="viewed", student_id=work.sam.pk)
    event = AuditEvent.objects.get()
    client.force_login(operator)

    assert client.get(reverse("admin:work_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:work_auditevent_add")).status_code == 403
    change = client.post(
        reverse("admin:work_auditevent_change", args=[event.pk]), {"detail": "rewritten"}
    )
    assert change.status_code == 403
    assert client.post(reverse("admin:work_auditevent_delete", args=[event.pk])).status_code == 403
    assert AuditEvent.objects.get().detail == event.detail


# --- the operator's commands, for a student no one person answers for ----------------------


def test_the_operator_exports_and_deletes_a_student_of_two_teachers(work, tmp_path):
    Enrollment.objects.create(classroom=work.class_b, student=work.sam)
    factories.make_highlight(
        work.other_assignment, work.sam, "traitors", occurrence=1, note="In Bob's class"
    )
    path = tmp_path / "sam.zip"
    out = io.StringIO()

    call_command("export_student_data", work.sam.username, "-o", str(path), stdout=out)

    data = _json(zipfile.ZipFile(path))
    assert sorted(a["class"] for a in data["assignments"]) == ["Class A", "Class B"]
    assert data["export"]["made_by"] == "The team that runs Lens (manage.py)"
    call_command("delete_student_data", work.sam.username, "--dry-run", stdout=out)
    assert User.objects.filter(pk=work.sam.pk).exists()
    assert "2 classes, 2 lessons started, 2 highlights" in out.getvalue()

    call_command("delete_student_data", work.sam.username, stdout=out)

    assert not User.objects.filter(pk=work.sam.pk).exists()
    assert not Submission.objects.filter(student_id=work.sam.pk).exists()
    assert User.objects.filter(pk=work.olga.pk).exists()
    assert list(AuditEvent.objects.order_by("pk").values_list("action", "actor_name")) == [
        ("exported", "The team that runs Lens (manage.py)"),
        ("deleted", "The team that runs Lens (manage.py)"),
    ]


def test_the_operators_commands_name_a_student_that_does_not_exist(work):
    for command in ("export_student_data", "delete_student_data"):
        with pytest.raises(CommandError, match="No student has the login name 'nobody'"):
            call_command(command, "nobody")
        with pytest.raises(CommandError):
            call_command(command, work.alice.username)  # a teacher is not deleted this way

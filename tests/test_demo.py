from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from core.models import Classroom, Enrollment, School, User
from lessons.library.models import KeySpan, Lesson, Segment
from lessons.work.models import Answer, Assignment, Highlight, Submission

TEACHER = ("teacher", "lens-teacher-demo")
SCHOOL_ADMIN = ("principal", "lens-admin-demo")
PENDING_TEACHER = ("newteacher", "lens-pending-demo")
STUDENTS = [
    ("amira", "lens-student-demo"),
    ("ben", "lens-student-demo"),
    ("chloe", "lens-student-demo"),
]


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User, School, Classroom, Enrollment, Lesson, Segment, KeySpan, Assignment,
            Submission, Highlight, Answer,
        )
    }  # fmt: skip


@pytest.fixture
def demo(db) -> str:
    return load_demo()


def test_load_demo_is_idempotent(demo):
    first = counts()
    assert first["User"] == 6
    assert first["School"] == 1
    assert first["Classroom"] == 1
    assert first["Lesson"] == 1
    assert first["Highlight"] > 0
    output = load_demo()
    assert counts() == first
    assert "Imported the lesson" in demo
    assert "Imported the lesson" not in output


def test_load_demo_prints_each_login_with_its_password_and_the_join_code(demo):
    classroom = Classroom.objects.get()
    for username, password in [TEACHER, SCHOOL_ADMIN, PENDING_TEACHER, *STUDENTS]:
        line = next(line for line in demo.splitlines() if f" {username} " in line)
        assert password in line
    assert classroom.join_code_display in demo
    assert classroom.name in demo


def test_the_printed_passwords_log_in(demo):
    teacher = authenticate(username=TEACHER[0], password=TEACHER[1])
    assert teacher is not None and teacher.is_teacher
    for username, password in STUDENTS:
        student = authenticate(username=username, password=password)
        assert student is not None and student.is_student


def test_the_demo_school_has_its_admin_an_approved_teacher_and_one_waiting(demo):
    school = School.objects.get()
    teacher, admin, pending = (
        User.objects.get(username=username)
        for username, _ in (TEACHER, SCHOOL_ADMIN, PENDING_TEACHER)
    )
    assert teacher.school == admin.school == pending.school == school
    assert teacher.is_approved_teacher and not teacher.is_school_admin
    assert admin.administers_school
    assert pending.is_pending_teacher
    assert all(user.email_verified for user in (teacher, admin, pending))
    for who, user in (("school admin", admin), ("teacher", pending)):
        line = next(line for line in demo.splitlines() if f" {user.username} " in line)
        assert line.strip().startswith(who)
    assert "waiting for approval" in demo
    assert authenticate(username=SCHOOL_ADMIN[0], password=SCHOOL_ADMIN[1]) == admin


def test_a_second_run_keeps_the_passwords_and_the_join_code(demo):
    code = Classroom.objects.get().join_code
    output = load_demo()
    assert Classroom.objects.get().join_code == code
    assert Classroom.objects.get().join_code_display in output
    assert authenticate(username="amira", password="lens-student-demo") is not None


def test_the_demo_class_has_three_students_and_the_seed_lesson(demo):
    classroom = Classroom.objects.get()
    assert classroom.teacher.username == "teacher"
    students = sorted(e.student.username for e in classroom.enrollments.select_related("student"))
    assert students == ["amira", "ben", "chloe"]
    assignment = Assignment.objects.get(classroom=classroom)
    assert assignment.lesson.slug == "solidarity-resolution-2017"
    assert assignment.lesson.segments.count() == 20
    assert assignment.is_open()


def test_demo_students_have_saved_highlights_placed_in_their_segments(demo):
    highlights = Highlight.objects.select_related("segment", "submission__student", "technique")
    students = {h.submission.student.username for h in highlights}
    assert len(students) >= 2
    lesson = Lesson.objects.get()
    for highlight in highlights:
        text = highlight.segment.text
        assert highlight.segment.lesson == lesson
        assert highlight.technique.taxonomy_id == lesson.taxonomy_id
        assert 0 <= highlight.start < highlight.end <= len(text)
        assert text[highlight.start : highlight.end] == highlight.quote
        assert text[: highlight.start].endswith(highlight.prefix)
        assert text[highlight.end :].startswith(highlight.suffix)
        assert highlight.quote == highlight.quote.strip(" .,:;")


def test_demo_submissions_are_left_open_where_the_students_stopped(demo):
    for submission in Submission.objects.all():
        assert not submission.is_submitted
        last = max(h.segment.position for h in submission.highlights.select_related("segment"))
        assert submission.position == last


def test_loading_the_demo_again_after_the_class_moved_to_a_new_revision(demo):
    from lessons.library import services as library_services
    from lessons.work import services as work_services

    teacher = User.objects.get(username=TEACHER[0])
    lesson = Lesson.objects.get(slug="solidarity-resolution-2017")
    Lesson.objects.filter(pk=lesson.pk).update(created_by=teacher)
    lesson.refresh_from_db()
    draft = library_services.lesson_edit_draft(lesson=lesson, by=teacher)
    library_services.lesson_publish(lesson=draft)
    assignment = Assignment.objects.get()
    work_services.assignment_move(assignment=assignment, to=draft, by=teacher)
    before = counts()

    load_demo()

    assert counts() == before  # no second assignment of the old revision, no new work
    assert Assignment.objects.get().lesson == draft

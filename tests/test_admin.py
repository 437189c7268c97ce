"""The operator's admin: every page opens for a superuser, in a fixed number of queries;
students' work is shown and never changed; nobody else gets in."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Classroom, Enrollment, User
from lessons.library.models import KeySpan, Lesson
from lessons.work.models import (
    Answer,
    Assignment,
    Highlight,
    Review,
    RevisionMove,
    Submission,
    UnplacedWork,
)

from . import factories

STUDENT_WORK = [Submission, Highlight, Answer, Review, RevisionMove, UnplacedWork]


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _work_of(assignment: Assignment, student: User) -> Submission:
    """A student's whole record on an assignment: highlights, answers, reviews, a revision
    move with something it could not place."""
    factories.make_highlight(assignment, student, "glorious leader")
    text = factories.prompt_of(assignment, 1, "text")
    answer = factories.make_answer(assignment, student, text, "The opposition.")
    choose = factories.prompt_of(assignment, 1, "choose")
    factories.make_answer(assignment, student, choose, technique_codes=("Loaded_Language",))
    submission = factories.hand_in(assignment, student)
    teacher = assignment.classroom.teacher
    Review.objects.create(
        submission=submission, prompt=answer.prompt, comment="Good", score=4, reviewer=teacher
    )
    key_span = KeySpan.objects.filter(segment__lesson=assignment.lesson).first()
    Review.objects.create(submission=submission, key_span=key_span, reviewer=teacher)
    Review.objects.create(submission=submission, comment="Well done", reviewer=teacher)
    move = RevisionMove.objects.create(
        assignment=assignment,
        from_lesson=assignment.lesson,
        to_lesson=assignment.lesson,
        moved_by=teacher,
    )
    unplaced = UnplacedWork.objects.create(
        move=move,
        submission=submission,
        kind=UnplacedWork.Kind.ANSWER,
        reason="The passage is gone.",
        prompt_text="Which techniques?",
    )
    unplaced.techniques.set(assignment.lesson.taxonomy.techniques.all()[:2])
    return submission


@pytest.fixture
def root(db) -> User:
    return User.objects.create_superuser(
        username="root", email="root@example.org", password="a-root-password", display_name="Op"
    )


@pytest.fixture
def operator(client, world, root):
    _work_of(world.assignment, world.sam)
    client.force_login(root)
    return client


def _registered():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", _registered(), ids=lambda model: model._meta.label)
def test_every_changelist_and_change_page_opens_for_a_superuser(operator, model):
    changelist = operator.get(_url(model, "changelist"))
    assert changelist.status_code == 200

    obj = model._default_manager.first()
    if obj is None:  # Group: Lens has none
        return
    assert operator.get(_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", _registered(), ids=lambda model: model._meta.label)
def test_changelists_take_the_same_number_of_queries_for_more_rows(operator, world, model):
    url = _url(model, "changelist")
    with CaptureQueriesContext(connection) as few:
        operator.get(url)

    # More of everything: another class with its own students, lesson and work.
    more = factories.make_classroom(factories.make_teacher("Tara Teacher"), "Class C")
    for name in ("Ugo", "Vera", "Wim"):
        _work_of(factories.make_assignment(more), factories.make_student(name, more))
    with CaptureQueriesContext(connection) as many:
        response = operator.get(url)

    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_user_admin_shows_and_searches_lens_roles(operator, world):
    page = operator.get(_url(User, "changelist"), {"q": "Sam Student"}).content.decode()
    assert world.sam.username in page
    assert world.alice.username not in page

    change = operator.get(_url(User, "change", world.alice.pk)).content.decode()
    assert 'name="display_name"' in change
    assert 'name="role"' in change


def test_the_operator_adds_a_teacher(operator):
    response = operator.post(
        _url(User, "add"),
        {
            "username": "tess",
            "display_name": "Tess Teacher",
            "role": "teacher",
            "usable_password": "true",
            "password1": "a-long-new-password-7",
            "password2": "a-long-new-password-7",
        },
    )

    assert response.status_code == 302
    tess = User.objects.get(username="tess")
    assert tess.is_teacher
    assert tess.display_name == "Tess Teacher"


def test_a_classroom_lists_its_students(operator, world):
    page = operator.get(_url(Classroom, "change", world.class_a.pk)).content.decode()

    assert "Sam Student" in page
    assert "Olga Other" not in page


def _classroom_form(classroom: Classroom, **extra) -> dict:
    enrollments = list(classroom.enrollments.all())
    data = {
        "name": classroom.name,
        "teacher": classroom.teacher_id,
        "enrollments-TOTAL_FORMS": len(enrollments),
        "enrollments-INITIAL_FORMS": len(enrollments),
        "enrollments-MIN_NUM_FORMS": 0,
        "enrollments-MAX_NUM_FORMS": 1000,
    }
    for i, enrollment in enumerate(enrollments):
        data[f"enrollments-{i}-id"] = enrollment.pk
        data[f"enrollments-{i}-classroom"] = classroom.pk
    return {**data, **extra}


def test_the_operator_renames_a_class_and_its_enrolments_stay(operator, world):
    response = operator.post(
        _url(Classroom, "change", world.class_a.pk), _classroom_form(world.class_a, name="A2")
    )

    assert response.status_code == 302
    world.class_a.refresh_from_db()
    assert world.class_a.name == "A2"
    assert Enrollment.objects.filter(classroom=world.class_a, student=world.sam).exists()


def test_the_operator_enrols_a_student_in_a_class(operator, world):
    data = _classroom_form(world.class_a)
    data["enrollments-TOTAL_FORMS"] += 1
    data.update(
        {"enrollments-1-classroom": world.class_a.pk, "enrollments-1-student": world.olga.pk}
    )

    response = operator.post(_url(Classroom, "change", world.class_a.pk), data)

    assert response.status_code == 302
    assert Enrollment.objects.filter(classroom=world.class_a, student=world.olga).exists()


def test_a_class_belongs_to_a_teacher(operator, world):
    response = operator.post(
        _url(Classroom, "add"),
        {
            "name": "Student's class",
            "teacher": world.sam.pk,
            "enrollments-TOTAL_FORMS": 0,
            "enrollments-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200  # the form again, with its error
    assert not Classroom.objects.filter(name="Student's class").exists()


def test_lessons_are_listed_by_revision_and_searched(operator, world):
    lesson = world.assignment.lesson
    page = operator.get(_url(Lesson, "changelist"), {"q": lesson.slug}).content.decode()

    assert lesson.title in page
    assert operator.get(_url(Lesson, "changelist"), {"is_published__exact": "1"}).status_code == 200
    assert (
        operator.get(_url(Lesson, "changelist"), {"replaced_at__isempty": "1"}).status_code == 200
    )


def test_lessons_are_shown_not_edited(operator, world):
    lesson = world.assignment.lesson
    page = operator.get(_url(Lesson, "change", lesson.pk)).content.decode()

    assert "Our glorious leader" in page  # the passages, inline
    assert operator.get(_url(Lesson, "add")).status_code == 403
    assert operator.post(_url(Lesson, "change", lesson.pk), {"title": "X"}).status_code == 403
    lesson.refresh_from_db()
    assert lesson.title != "X"


def test_the_operator_corrects_an_assignment_due_date_but_not_its_lesson(operator, world):
    assignment = world.assignment
    other = factories.make_lesson()
    response = operator.post(
        _url(Assignment, "change", assignment.pk),
        {
            "lesson": other.pk,
            "due_at_0": "2030-01-31",
            "due_at_1": "12:00:00",
            "accept_late": "on",
            "feedback_release": "after_due",
        },
    )

    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.due_at.date().isoformat() == "2030-01-31"
    assert assignment.lesson_id != other.pk


@pytest.mark.parametrize("model", STUDENT_WORK, ids=lambda model: model.__name__)
def test_students_work_is_shown_and_never_added_changed_or_deleted(operator, root, model):
    obj = model.objects.first()
    model_admin = admin.site._registry[model]
    request = operator.get(_url(model, "changelist")).wsgi_request
    request.user = root

    assert operator.get(_url(model, "change", obj.pk)).status_code == 200
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert operator.get(_url(model, "add")).status_code == 403
    assert operator.post(_url(model, "change", obj.pk), {}).status_code == 403
    assert operator.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_a_submission_shows_its_highlights_and_answers(operator, world):
    submission = Submission.objects.get(student=world.sam)
    page = operator.get(_url(Submission, "change", submission.pk)).content.decode()

    assert "glorious leader" in page
    assert "The opposition." in page


def test_deleting_a_student_with_work_is_refused(operator, world):
    response = operator.post(_url(User, "delete", world.sam.pk), {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=world.sam.pk).exists()


@pytest.mark.parametrize("who", ["anonymous", "sam", "alice"])
def test_everyone_but_staff_is_sent_to_the_admin_login(client, world, who):
    if who != "anonymous":
        client.force_login(getattr(world, who))

    for url in (reverse("admin:index"), _url(Submission, "changelist")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))

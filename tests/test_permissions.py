"""Who may open what: every URL in core/urls.py, for the five personas."""

import copy

import pytest
from django.urls import reverse

from core.models import Classroom, Enrollment, Job, User
from lessons.work.models import Answer, Assignment, Highlight, Submission

from . import factories
from .conftest import PERSONAS, log_in, shared, shared_fixture
from .html import assert_in_fragment, text

LOGIN = "login"  # expected: a redirect to the login page
REFUSED = (LOGIN, 404, 405)
CLASS_A_SECRETS = ("Class A", "Sam Student")
CLASS_B_SECRETS = ("Class B", "Olga Other")


def _technique(world, code):
    return world.assignment.lesson.taxonomy.techniques.get(code=code)


URLS = {
    "home": lambda w, h: reverse("work:home"),
    "join": lambda w, h: reverse("core:join"),
    "signup": lambda w, h: reverse("core:signup"),
    "login": lambda w, h: reverse("core:login"),
    "classroom_new": lambda w, h: reverse("core:classroom_new"),
    "classroom": lambda w, h: reverse("work:classroom", args=[w.class_a.pk]),
    "classroom_new_code": lambda w, h: reverse("core:classroom_new_code", args=[w.class_a.pk]),
    "classroom_assign": lambda w, h: reverse("work:classroom_assign", args=[w.class_a.pk]),
    "classroom_welcome": lambda w, h: reverse("core:classroom_welcome", args=[w.class_a.pk]),
    "classroom_student_password": lambda w, h: reverse(
        "core:classroom_student_password", args=[w.class_a.pk, w.sam.pk]
    ),
    "classroom_student_password_shown": lambda w, h: reverse(
        "core:classroom_student_password_shown", args=[w.class_a.pk, w.sam.pk]
    ),
    "classroom_student_remove": lambda w, h: reverse(
        "core:classroom_student_remove", args=[w.class_a.pk, w.sam.pk]
    ),
    "taxonomies": lambda w, h: reverse("library:taxonomies"),
    "taxonomy": lambda w, h: reverse("library:taxonomy", args=["semeval-2020"]),
    "assignment": lambda w, h: reverse("work:assignment", args=[w.assignment.pk]),
    "segment": lambda w, h: reverse("work:segment", args=[w.assignment.pk, 1]),
    "highlight_add": lambda w, h: reverse("work:highlight_add", args=[w.assignment.pk, 1]),
    "answers_save": lambda w, h: reverse("work:answers_save", args=[w.assignment.pk, 1]),
    "highlight_edit": lambda w, h: reverse("work:highlight_edit", args=[w.assignment.pk, h.pk]),
    "highlight_delete": lambda w, h: reverse("work:highlight_delete", args=[w.assignment.pk, h.pk]),
    "submit": lambda w, h: reverse("work:submit", args=[w.assignment.pk]),
    "student_work": lambda w, h: reverse("insights:student_work", args=[w.assignment.pk, w.sam.pk]),
    "job": lambda w, h: reverse("core:job", args=[_alices_job(w).pk]),
    "job_retry": lambda w, h: reverse("core:job_retry", args=[_alices_job(w).pk]),
    "job_download": lambda w, h: reverse("core:job_download", args=[_alices_job(w).pk]),
}


def _alices_job(world):
    """Long work Alice started on class A (core.jobs): an export, done (tests/test_tasks.py
    has the rest)."""
    return Job.objects.create(
        owner=world.alice,
        kind=Job.Kind.EXPORT,
        title="Exporting Class A's answers",
        task_path="lessons.insights.tasks.export_csv",
        state=Job.State.DONE,
        output=b"Sam Student,Enemies",
        output_name="class-a-answers.csv",
        output_type="text/csv",
    )


DATA = {
    "join": lambda w, h: {
        "code": w.class_a.join_code,
        "display_name": "New Kid",
        "password1": "a-fine-password-42",
        "password2": "a-fine-password-42",
    },
    "signup": lambda w, h: {
        "username": "carol",
        "display_name": "Carol Teacher",
        "email": "carol@example.org",
        "password1": "a-very-long-password-9",
    },
    "classroom_new": lambda w, h: {"name": "A brand new class"},
    "classroom_assign": lambda w, h: {"lesson": factories.make_lesson().pk},
    "highlight_add": lambda w, h: {
        "quote": "glorious leader",
        "technique": _technique(w, "Exaggeration,Minimisation").pk,
    },
    "answers_save": lambda w, h: {
        "answers": "1",
        f"prompt-{factories.prompt_of(w.assignment, 1, 'text').pk}": "Somebody else wrote this",
    },
    "highlight_edit": lambda w, h: {
        f"h{h.pk}-technique": _technique(w, "Doubt").pk,
        f"h{h.pk}-note": "Somebody else wrote this",
    },
}

#      view                  method   anonymous sam  olga alice bob
TABLE = [
    ("home",               "get",  (200,   200, 200, 200, 200)),
    ("join",               "get",  (200,   200, 200, 302, 302)),
    ("join",               "post", (302,   302, 302, 302, 302)),
    ("signup",             "get",  (200,   302, 302, 302, 302)),
    ("signup",             "post", (302,   302, 302, 302, 302)),
    ("login",              "get",  (200,   200, 200, 200, 200)),
    ("classroom_new",      "get",  (LOGIN, 404, 404, 200, 200)),
    ("classroom_new",      "post", (LOGIN, 404, 404, 302, 302)),
    ("classroom",          "get",  (LOGIN, 200, 404, 200, 404)),
    ("classroom_welcome",  "get",  (LOGIN, 200, 404, 404, 404)),
    ("classroom_new_code", "get",  (LOGIN, 405, 405, 405, 405)),
    ("classroom_new_code", "post", (LOGIN, 404, 404, 302, 404)),
    ("classroom_assign",   "get",  (LOGIN, 405, 405, 405, 405)),
    ("classroom_assign",   "post", (LOGIN, 404, 404, 302, 404)),
    ("classroom_student_password", "get",  (LOGIN, 405, 405, 405, 405)),
    ("classroom_student_password", "post", (LOGIN, 404, 404, 302, 404)),
    ("classroom_student_password_shown", "get",  (LOGIN, 404, 404, 302, 404)),
    ("classroom_student_remove",   "get",  (LOGIN, 405, 405, 405, 405)),
    ("classroom_student_remove",   "post", (LOGIN, 404, 404, 302, 404)),
    ("taxonomies",         "get",  (200,   200, 200, 200, 200)),
    ("taxonomy",           "get",  (200,   200, 200, 200, 200)),
    ("assignment",         "get",  (LOGIN, 200, 404, 404, 404)),
    ("segment",            "get",  (LOGIN, 200, 404, 404, 404)),
    ("highlight_add",      "get",  (LOGIN, 405, 405, 405, 405)),
    ("highlight_add",      "post", (LOGIN, 302, 404, 404, 404)),
    ("answers_save",       "get",  (LOGIN, 405, 405, 405, 405)),
    ("answers_save",       "post", (LOGIN, 302, 404, 404, 404)),
    ("highlight_edit",     "get",  (LOGIN, 200, 404, 404, 404)),  # the form that changes it
    ("highlight_edit",     "post", (LOGIN, 302, 404, 404, 404)),
    ("highlight_delete",   "get",  (LOGIN, 405, 405, 405, 405)),
    ("highlight_delete",   "post", (LOGIN, 302, 404, 404, 404)),
    ("submit",             "get",  (LOGIN, 200, 404, 404, 404)),
    ("submit",             "post", (LOGIN, 302, 404, 404, 404)),
    ("student_work",       "get",  (LOGIN, 404, 404, 200, 404)),
    ("job",                "get",  (LOGIN, 404, 404, 200, 404)),
    ("job_retry",          "get",  (LOGIN, 405, 405, 405, 405)),
    ("job_retry",          "post", (LOGIN, 404, 404, 409, 404)),  # done: nothing to retry
    ("job_download",       "get",  (LOGIN, 404, 404, 200, 404)),
]  # fmt: skip


CASES = [
    pytest.param(view, method, persona, expected, id=f"{view}-{method}-{persona}")
    for view, method, expectations in TABLE
    for persona, expected in zip(PERSONAS, expectations, strict=True)
]


def _snapshot() -> dict:
    """Everything a refused request must leave as it was."""
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "role", "username")),
        "classes": list(
            Classroom.objects.order_by("pk").values_list("pk", "name", "join_code", "teacher")
        ),
        "enrolments": list(Enrollment.objects.order_by("pk").values_list("classroom", "student")),
        "assignments": list(Assignment.objects.order_by("pk").values_list("classroom", "lesson")),
        "submissions": list(
            Submission.objects.order_by("pk").values_list(
                "pk", "student", "position", "reached", "submitted_at"
            )
        ),
        "highlights": list(
            Highlight.objects.order_by("pk").values_list("pk", "technique", "start", "end", "note")
        ),
        "answers": list(Answer.objects.order_by("pk").values_list("pk", "prompt", "text")),
    }


@shared_fixture
def _sams_highlight(request, _world):
    """Sam's answer and highlight."""

    def build():
        a, sam = _world.assignment, _world.sam
        factories.make_answer(a, sam, factories.prompt_of(a, 1, "text"), "Enemies")
        return factories.make_highlight(a, sam, "glorious leader", note="Praise")

    return shared(request, build)


@pytest.fixture
def sams_highlight(world, _sams_highlight):
    return copy.deepcopy(_sams_highlight)


@pytest.mark.parametrize(("view", "method", "persona", "expected"), CASES)
def test_every_view_answers_each_persona_as_expected(
    client, world, sams_highlight, view, method, persona, expected
):
    url = URLS[view](world, sams_highlight)
    data = DATA.get(view, lambda w, h: {})(world, sams_highlight) if method == "post" else None
    log_in(client, world, persona)
    before = _snapshot()

    response = getattr(client, method)(url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('core:login')}?next={url}"
    else:
        assert response.status_code == expected
        if expected == 302:
            assert not response.url.startswith(reverse("core:login"))
    if expected in REFUSED:
        assert _snapshot() == before
    content = response.content.decode()
    if persona in ("olga", "bob"):
        for secret in CLASS_A_SECRETS:
            assert secret not in content
    if persona in ("sam", "alice"):
        for secret in CLASS_B_SECRETS:
            assert secret not in content


def test_the_class_page_shows_its_members_only_to_them(client, world):
    url = reverse("work:classroom", args=[world.class_a.pk])
    client.force_login(world.sam)
    assert text(client.get(url).content, "main h1") == "Class A"
    client.force_login(world.alice)
    page = client.get(url).content.decode()
    assert_in_fragment(page, "tbody th", "Sam Student")
    assert text(page, "#join-code") == world.class_a.join_code_display
    client.force_login(world.olga)
    page = client.get(url)
    assert page.status_code == 404
    assert world.class_a.join_code_display not in page.content.decode()


@pytest.mark.parametrize("persona", ["olga", "alice", "bob"])
def test_only_sam_can_change_or_remove_his_highlight(client, world, sams_highlight, persona):
    user = getattr(world, persona)
    client.force_login(user)
    own_assignment = world.other_assignment if persona in ("olga", "bob") else world.assignment
    pk = sams_highlight.pk
    doubt = _technique(world, "Doubt").pk
    for assignment in {world.assignment, own_assignment}:
        edit = reverse("work:highlight_edit", args=[assignment.pk, pk])
        delete = reverse("work:highlight_delete", args=[assignment.pk, pk])
        response = client.post(edit, {f"h{pk}-technique": doubt, f"h{pk}-note": "Hacked"})
        assert response.status_code == 404
        assert client.post(delete).status_code == 404

    sams_highlight.refresh_from_db()
    assert sams_highlight.technique.code == "Loaded_Language"
    assert sams_highlight.note == "Praise"
    assert sams_highlight.quote == "glorious leader"


def test_olga_cannot_reach_sams_highlight_through_her_own_assignment(client, world, sams_highlight):
    client.force_login(world.olga)
    pk = sams_highlight.pk
    doubt = _technique(world, "Doubt").pk
    edit = reverse("work:highlight_edit", args=[world.other_assignment.pk, pk])
    delete = reverse("work:highlight_delete", args=[world.other_assignment.pk, pk])

    assert client.post(edit, {f"h{pk}-technique": doubt, f"h{pk}-note": "x"}).status_code == 404
    assert client.post(delete).status_code == 404
    assert Highlight.objects.filter(pk=pk, note="Praise").exists()
    assert not Highlight.objects.filter(submission__student=world.olga).exists()


def test_only_the_owning_teacher_sees_a_students_work(client, world, sams_highlight):
    url = reverse("insights:student_work", args=[world.assignment.pk, world.sam.pk])
    client.force_login(world.alice)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert text(page, "main h1").startswith("Sam Student:")
    assert_in_fragment(page, ".highlight-list", "<q>glorious leader</q>")
    assert_in_fragment(page, "dl.answers dd", "Enemies")

    client.force_login(world.bob)
    response = client.get(url)
    assert response.status_code == 404
    assert "glorious leader" not in response.content.decode()


def test_a_teacher_asking_for_another_class_student_under_her_assignment_gets_404(client, world):
    factories.make_highlight(world.other_assignment, world.olga, "glorious leader")
    client.force_login(world.alice)

    response = client.get(
        reverse("insights:student_work", args=[world.assignment.pk, world.olga.pk])
    )

    assert response.status_code == 404
    assert "Olga Other" not in response.content.decode()


def test_a_teacher_cannot_see_her_student_under_another_class_assignment(client, world):
    world.class_b.enrollments.create(student=world.sam)
    factories.make_highlight(world.other_assignment, world.sam, "glorious leader")
    client.force_login(world.alice)

    response = client.get(
        reverse("insights:student_work", args=[world.other_assignment.pk, world.sam.pk])
    )

    assert response.status_code == 404
    assert "glorious leader" not in response.content.decode()


def test_a_student_of_another_class_gets_404_on_every_page_of_the_lesson(client, world):
    client.force_login(world.olga)
    pk = world.assignment.pk
    for url in [
        reverse("work:assignment", args=[pk]),
        reverse("work:segment", args=[pk, 1]),
        reverse("work:segment", args=[pk, 2]),
        reverse("work:submit", args=[pk]),
    ]:
        assert client.get(url).status_code == 404
    assert not Submission.objects.filter(student=world.olga).exists()
    own = client.get(reverse("work:segment", args=[world.other_assignment.pk, 1]))
    assert own.status_code == 200

"""Who may open what: every URL of lessons/lms/urls.py, for the personas of the schools' world.
Alice's class A came from an LMS course of Northside School (Ada administers the school);
Alice placed the practice lesson in it."""

import pytest
from django.urls import reverse

from core.models import Classroom, Enrollment, User
from lessons.lms.models import Course, GradeSend, LinkedLesson, LmsAccount, Platform

from .conftest import SCHOOL_PERSONAS, log_in

pytest_plugins = ["tests.lti_fixtures"]  # lms_world: class A came from an LMS course

LOGIN = "login"  # expected: a redirect to the login page
REFUSED = (LOGIN, 400, 403, 404, 405)
PLATFORM = {
    "name": "Moodle",
    "issuer": "https://moodle.northside.example",
    "client_id": "lens-2",
    "auth_url": "https://moodle.northside.example/mod/lti/auth.php",
    "token_url": "https://moodle.northside.example/mod/lti/token.php",
    "keyset_url": "https://moodle.northside.example/mod/lti/certs.php",
    "audience": "",
    "deployment_ids": "7",
    "frame_origins": "",
}


URLS = {
    "course": lambda w: reverse("lms:course", args=[w.course.pk]),
    "course_sync": lambda w: reverse("lms:course_sync", args=[w.course.pk]),
    "grades_send": lambda w: reverse("lms:grades_send", args=[w.link.pk]),
    "link_settings": lambda w: reverse("lms:link_settings", args=[w.link.pk]),
    "deep_link": lambda w: reverse("lms:deep_link"),
    "platforms": lambda w: reverse("lms:platforms"),
    "platform_add": lambda w: reverse("lms:platform_add"),
    "platform_edit": lambda w: reverse("lms:platform_edit", args=[w.platform.pk]),
    "jwks": lambda w: reverse("lms:jwks"),
    "login": lambda w: reverse("lms:login"),
    "launch": lambda w: reverse("lms:launch"),
}
DATA = {
    "link_settings": {"grade_source": "f1"},
    "platform_add": PLATFORM,
    "platform_edit": {**PLATFORM, "client_id": "lens-1b"},
    "deep_link": {"grade_source": "teacher"},
}

#      view            method   anonymous sam  olga alice bob  ada  pat
TABLE = [
    ("course",        "get",  (LOGIN, 404, 404, 200, 404, 404, 404)),
    ("course_sync",   "get",  (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("course_sync",   "post", (LOGIN, 404, 404, 302, 404, 404, 404)),
    ("grades_send",   "get",  (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("grades_send",   "post", (LOGIN, 404, 404, 302, 404, 404, 404)),
    ("link_settings", "get",  (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("link_settings", "post", (LOGIN, 404, 404, 302, 404, 404, 404)),
    ("deep_link",     "get",  (LOGIN, 404, 404, 404, 404, 404, 404)),
    ("deep_link",     "post", (LOGIN, 404, 404, 404, 404, 404, 404)),
    ("platforms",     "get",  (LOGIN, 404, 404, 404, 404, 200, 404)),
    ("platform_add",  "get",  (LOGIN, 405, 405, 405, 405, 405, 405)),
    ("platform_add",  "post", (LOGIN, 404, 404, 404, 404, 302, 404)),
    ("platform_edit", "get",  (LOGIN, 404, 404, 404, 404, 200, 404)),
    ("platform_edit", "post", (LOGIN, 404, 404, 404, 404, 302, 404)),
    ("jwks",          "get",  (200,   200, 200, 200, 200, 200, 200)),
    ("login",         "get",  (400,   400, 400, 400, 400, 400, 400)),
    ("login",         "post", (400,   400, 400, 400, 400, 400, 400)),
    ("launch",        "get",  (405,   405, 405, 405, 405, 405, 405)),
    ("launch",        "post", (400,   400, 400, 400, 400, 400, 400)),
]  # fmt: skip

CASES = [
    pytest.param(view, method, persona, expected, id=f"{view}-{method}-{persona}")
    for view, method, expectations in TABLE
    for persona, expected in zip(SCHOOL_PERSONAS, expectations, strict=True)
]


def _snapshot() -> dict:
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "role", "display_name")),
        "classes": list(Classroom.objects.order_by("pk").values_list("pk", "name")),
        "enrolments": list(Enrollment.objects.order_by("pk").values_list("pk", "student")),
        "platforms": list(
            Platform.objects.order_by("pk").values_list("pk", "registration__client_id")
        ),
        "courses": list(Course.objects.order_by("pk").values_list("pk", "roster_message")),
        "links": list(LinkedLesson.objects.order_by("pk").values_list("pk", "grade_source")),
        "accounts": list(LmsAccount.objects.order_by("pk").values_list("pk", "subject")),
        "grades": list(GradeSend.objects.order_by("pk").values_list("pk", "status")),
    }


@pytest.mark.parametrize(("view", "method", "persona", "expected"), CASES)
def test_every_lms_view_answers_each_persona_as_expected(
    client, lms_world, view, method, persona, expected
):
    url = URLS[view](lms_world)
    data = DATA.get(view, {}) if method == "post" else None
    log_in(client, lms_world, persona)
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
    if persona not in ("alice", "ada"):
        content = response.content.decode()
        assert "canvas.northside.example" not in content

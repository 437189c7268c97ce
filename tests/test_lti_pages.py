"""The LMS pages: what they show, in a fixed number of queries whatever the class size; the
deep linking answer works without JavaScript and may post to the LMS only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import School
from lessons.lms import services
from lessons.lms.models import GradeSend, LmsAccount
from lessons.lms.views import DEEP_LINK_KEY

from . import factories
from .browser.support import check_html
from .html import assert_in_fragment, text

pytest_plugins = ["tests.lti_fixtures"]  # lms_world: class A came from an LMS course

# The counts measured (session and user included): a page may get cheaper, never dearer
# without a reason.
MAX_QUERIES = {"course": 7, "platforms": 5, "deep_link": 4}


def _grow_class(w, n: int) -> None:
    """n more students in class A, from the LMS, each with a grade sent or not sent."""
    for i in range(n):
        student = factories.make_student(f"Student {i}", w.class_a)
        LmsAccount.objects.create(platform=w.platform, subject=f"s-{student.pk}", user=student)
        GradeSend.objects.create(
            link=w.link,
            student=student,
            score_given=i % 6,
            score_maximum=5,
            status="sent" if i % 2 else "failed",
            attempts=0 if i % 2 else 1,
            tried_at=timezone.now(),
            message="" if i % 2 else "The LMS did not answer.",
        )


def _count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_course_page_takes_the_same_queries_for_3_students_or_30(client, lms_world):
    client.force_login(lms_world.alice)
    url = reverse("lms:course", args=[lms_world.course.pk])
    _grow_class(lms_world, 2)
    few, _ = _count(client, url)
    _grow_class(lms_world, 28)
    another = factories.make_assignment(lms_world.class_a)
    lms_world.course.links.create(assignment=another)

    many, page = _count(client, url)

    assert few == many <= MAX_QUERIES["course"]
    assert_in_fragment(page, "#roster-count", "31 students in the class, 30 from the LMS")
    assert_in_fragment(page, f"#link-{lms_world.link.pk} caption", "15 in the LMS, 15 not sent")


def test_the_lms_page_takes_the_same_queries_for_one_lms_or_five(client, school_world):
    client.force_login(school_world.ada)
    url = reverse("lms:platforms")
    fields = services.PlatformFields(
        name="LMS 0",
        issuer="https://lms.example.org",
        client_id="c-0",
        auth_url="https://lms.example.org/auth",
        token_url="https://lms.example.org/token",
        keyset_url="https://lms.example.org/jwks",
        audience="",
        deployment_ids=["1", "2"],
        frame_origins=[],
    )
    services.platform_register(school=school_world.school_a, fields=fields)
    few, _ = _count(client, url)
    for i in range(1, 5):
        fields.name, fields.client_id = f"LMS {i}", f"c-{i}"
        services.platform_register(school=school_world.school_a, fields=fields)

    many, page = _count(client, url)

    assert few == many <= MAX_QUERIES["platforms"]
    assert text(page, "#platforms-heading") == "Registered (5)"


@pytest.fixture
def picking(client, lms_world):
    """Alice came from her LMS's deep linking request, and picks a lesson."""
    client.force_login(lms_world.alice)
    session = client.session
    session[DEEP_LINK_KEY] = {
        "course": lms_world.course.pk,
        "user": lms_world.alice.pk,
        "deployment_id": "1",
        "settings": {
            "deep_link_return_url": "https://canvas.northside.example/courses/1/deep_link",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "data": "opaque",
        },
    }
    session.save()
    return client


def test_the_deep_linking_page_takes_the_same_queries_for_few_lessons_or_many(picking):
    few, _ = _count(picking, reverse("lms:deep_link"))
    lessons = [factories.make_lesson() for _ in range(5)]

    many, page = _count(picking, reverse("lms:deep_link"))

    assert few == many <= MAX_QUERIES["deep_link"]
    for lesson in lessons:
        assert lesson.title in text(page, "form")


def test_the_deep_linking_answer_posts_to_the_lms_with_a_button_and_nowhere_else(
    picking, lms_world
):
    lesson = factories.make_lesson()

    response = picking.post(
        reverse("lms:deep_link"), {"lesson": lesson.pk, "grade_source": "teacher"}
    )

    page = response.content.decode()
    assert_in_fragment(page, "form[data-autosubmit] button", "Back to the LMS with this lesson")
    assert "https://canvas.northside.example/courses/1/deep_link" in page
    policy = response.headers["Content-Security-Policy"]
    assert "form-action 'self' https://canvas.northside.example;" in policy + ";"
    assert "script-src 'self'" in policy  # the auto-submit is a static file
    assert DEEP_LINK_KEY not in picking.session  # the request is answered once
    check_html(page, "the deep linking answer")


def test_a_teacher_waiting_for_approval_cannot_place_a_lesson(picking, lms_world):
    alice = lms_world.alice
    alice.status = "pending"
    alice.save(update_fields=["status"])

    response = picking.post(
        reverse("lms:deep_link"), {"lesson": factories.make_lesson().pk, "grade_source": "f1"}
    )

    assert response.status_code == 403
    assert_in_fragment(response.content, ".messages", "waiting for approval")


def test_a_lesson_that_is_not_published_cannot_be_picked(picking):
    draft = factories.make_lesson()
    draft.is_published = False
    draft.save(update_fields=["is_published"])

    response = picking.post(reverse("lms:deep_link"), {"lesson": draft.pk, "grade_source": "f1"})

    assert response.status_code == 400
    assert_in_fragment(response.content, ".errors", "Select a valid choice")


def test_the_lms_page_is_for_the_schools_own_lmss(client, school_world):
    other = School.objects.create(name="Elsewhere School")
    fields = services.PlatformFields(
        name="Their LMS",
        issuer="https://their.example.org",
        client_id="theirs",
        auth_url="https://their.example.org/auth",
        token_url="https://their.example.org/token",
        keyset_url="https://their.example.org/jwks",
        audience="",
        deployment_ids=["1"],
        frame_origins=[],
    )
    services.platform_register(school=other, fields=fields)
    client.force_login(school_world.ada)

    page = client.get(reverse("lms:platforms")).content.decode()

    assert "Their LMS" not in page
    assert text(page, "#platforms-heading") == "Registered (0)"

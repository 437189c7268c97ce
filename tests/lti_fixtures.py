"""The fixtures of the LTI tests (a test module loads them with `pytest_plugins =
["tests.lti_fixtures"]`): `lms`, the LMS of tests/lti_platform.py serving one course;
`lti`, Lens registered in it by Northside School, with a published lesson; `browser_http`, a
browser (tests/lti_support.py); and, without an LMS, `lms_world`: the schools' world
(tests/conftest.py) where Alice's class A came from a course of Northside School's Canvas,
and she placed the practice lesson in it."""

import pytest
from lti_tool.models import LtiDeployment, LtiRegistration

from lessons.lms import services
from lessons.lms.models import Course, LinkedLesson, Platform

from . import factories
from .lti_platform import INSTRUCTOR, LEARNER, LMS, MENTOR, Member
from .lti_support import (
    AMIRA,
    BEN,
    CHLOE,
    COURSE,
    PAT,
    TEACHER,
    Browser,
    LtiWorld,
    platform_fields,
)


@pytest.fixture
def lms(live_server):
    platform = LMS()
    platform.connect(live_server.url)
    platform.add_course(
        COURSE,
        "History 7B",
        Member(TEACHER, "Ms Rivera", [INSTRUCTOR]),
        Member(AMIRA, "Amira K.", [LEARNER]),
        Member(BEN, "Ben O.", [LEARNER]),
        Member(CHLOE, "Chloe D.", [LEARNER]),
        Member(PAT, "Pat Parent", [MENTOR]),
    )
    yield platform
    platform.close()


@pytest.fixture
def lti(lms, live_server, transactional_db) -> LtiWorld:
    school = factories.make_school("Northside School")
    return LtiWorld(
        lms=lms,
        school=school,
        platform=services.platform_register(school=school, fields=platform_fields(lms)),
        lesson=factories.make_lesson(),
        lens_url=live_server.url,
    )


@pytest.fixture
def browser_http() -> Browser:
    return Browser()


@pytest.fixture
def lms_world(school_world):
    w = school_world
    registration = LtiRegistration.objects.create(
        name="Canvas",
        issuer="https://canvas.northside.example",
        client_id="lens-1",
        auth_url="https://canvas.northside.example/auth",
        token_url="https://canvas.northside.example/token",
        keyset_url="https://canvas.northside.example/jwks",
    )
    deployment = LtiDeployment.objects.create(
        registration=registration, deployment_id="1", is_active=True
    )
    w.platform = Platform.objects.create(registration=registration, school=w.school_a)
    w.course = Course.objects.create(
        platform=w.platform,
        deployment=deployment,
        context_id="c-1",
        title="Class A",
        classroom=w.class_a,
    )
    w.link = LinkedLesson.objects.create(course=w.course, assignment=w.assignment)
    return w

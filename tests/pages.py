"""Every page of Lens, read from the URL configuration, for tests that check each page
whatever it is (tests/test_idrefs.py; the narrow-screen check of tests/browser/test_layout.py):
a new page is covered without touching them.

`add_work(world)` gives a `SchoolWorld` (tests/conftest.py) what makes every page show
something: Sam has handed in, Alice has a draft and a job, Ada has invited a teacher.
`page_urls(world)` is then the (name, URL) of every page of NAMESPACES, with the ids of those
objects; a page with a parameter it does not know fails with what to add here."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from lti_tool.models import LtiDeployment, LtiRegistration

from core import services as core_services
from core.models import Job
from lessons.library import services as library_services
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import KeySpan
from lessons.lms.models import Course, LinkedLesson, Platform
from lessons.work.models import Submission

from . import factories

NAMESPACES = ("core", "library", "authoring", "work", "insights", "lms")


def add_work(world):
    """Sam has handed in his work (feedback is released on hand-in), Alice has a draft and
    a job, Ada (the admin of Alice's school) has invited a teacher. Returns the world."""
    assignment = world.assignment
    factories.make_highlight(assignment, world.sam, "glorious leader", note="Praise.")
    factories.make_answer(
        assignment, world.sam, factories.prompt_of(assignment, 1, "text"), "Them."
    )
    factories.hand_in(assignment, world.sam)
    source = factories.SMALL_LESSON.format(title="Alice's draft", slug="alices-draft")
    world.draft = library_services.lesson_import(
        data=parse_lesson(source), created_by=world.alice, is_published=False
    )
    world.invitation, world.invitation_token = core_services.invitation_create(
        school=world.school_a, email="nina@example.org", by=world.ada
    )
    world.job = Job.objects.create(
        owner=world.alice, kind=Job.Kind.EXPORT, title="Export the class's work", task_path="-"
    )
    # Class A came from a course of an LMS that Alice's school registered.
    world.registration = LtiRegistration.objects.create(
        name="Canvas",
        issuer="https://canvas.northside.example",
        client_id="lens-1",
        auth_url="https://canvas.northside.example/auth",
        token_url="https://canvas.northside.example/token",
        keyset_url="https://canvas.northside.example/jwks",
    )
    deployment = LtiDeployment.objects.create(
        registration=world.registration, deployment_id="1", is_active=True
    )
    world.platform = Platform.objects.create(registration=world.registration, school=world.school_a)
    world.course = Course.objects.create(
        platform=world.platform,
        deployment=deployment,
        context_id="c-1",
        title="Class A",
        classroom=world.class_a,
    )
    world.link = LinkedLesson.objects.create(course=world.course, assignment=assignment)
    return world


def _patterns():
    """(name, parameter names, route) of every URL pattern in NAMESPACES."""
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in NAMESPACES:
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern), pattern
                route = str(pattern.pattern)
                yield f"{entry.namespace}:{pattern.name}", list(pattern.pattern.converters), route


def page_urls(world) -> list[tuple[str, str]]:
    """(name, url) of every page, with the ids of the objects of `add_work(world)`."""
    assignment = world.assignment
    sams = Submission.objects.get(assignment=assignment, student=world.sam)
    lesson = assignment.lesson
    values = {
        "position": 1,
        "student_pk": world.sam.pk,
        "highlight_pk": sams.highlights.first().pk,
        "prompt_pk": factories.prompt_of(assignment, 1, "text").pk,
        "key_pk": KeySpan.objects.filter(segment__lesson=lesson).first().pk,
        "submission_pk": sams.pk,
        "token": "not-a-token",
        "uidb64": "MQ",
        "registration": world.registration.uuid,
    }
    pk_of = (
        ("classes/", world.class_a.pk),
        ("author/lessons/", world.draft.pk),
        ("lesson-preview/", world.draft.pk),
        ("school/invitations/", world.invitation.pk),
        ("school/teachers/", world.pat.pk),
        ("assignments/", assignment.pk),
        ("jobs/", world.job.pk),
        ("school/lms/", world.platform.pk),
        ("lti/courses/", world.course.pk),
        ("lti/lessons/", world.link.pk),
    )
    urls = []
    for name, params, route in _patterns():
        kwargs = {}
        for param in params:
            if param == "pk":
                pks = [pk for prefix, pk in pk_of if route.startswith(prefix)]
                assert pks, f"{name}: add the object of <pk> in {route} to tests/pages.py"
                kwargs[param] = pks[0]
            elif param == "slug":
                kwargs[param] = (
                    lesson.taxonomy.slug if route.startswith("techniques/") else world.draft.slug
                )
            else:
                assert param in values, f"{name}: add a value for <{param}> to tests/pages.py"
                kwargs[param] = values[param]
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


def forms_with_mistakes(world) -> list[tuple[str, str, dict[str, str]]]:
    """Forms sent with a mistake in each, as (persona, url, data): each page shows its form
    again with the mistake named (a 200 or a 400)."""
    assignment = world.assignment
    later, earlier = "2030-05-02T10:00", "2030-05-01T10:00"
    return [
        ("anonymous", reverse("core:join"), {"code": "NOPE00", "display_name": ""}),
        ("anonymous", reverse("core:signup"), {"username": "", "email": "not an address"}),
        ("anonymous", reverse("core:login"), {"username": "nobody", "password": "wrong"}),
        ("anonymous", reverse("core:password_reset"), {"email": "not an address"}),
        ("alice", reverse("core:classroom_new"), {"name": ""}),
        (
            "alice",
            reverse("work:assignment_settings", args=[assignment.pk]),
            {"opens_at": later, "due_at": earlier, "feedback_release": "on_submit"},
        ),
        ("alice", reverse("work:classroom_assign", args=[world.class_a.pk]), {"lesson": ""}),
        ("alice", reverse("authoring:author_new"), {"title": ""}),
        ("alice", reverse("authoring:author_meta", args=[world.draft.pk]), {"title": ""}),
        (
            "alice",
            reverse("authoring:author_key_add", args=[world.draft.pk, 1]),
            {"quote": "not in the passage"},
        ),
        ("ada", reverse("core:school_invite"), {"email": "not an address"}),
    ]

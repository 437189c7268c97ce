"""The answer key reaches only whom `core.access.may_see_answer_key` allows (issue 10, item 1).

The walk: every URL that can show a key's quotes or explanations (the lesson page, the
author's passage page and its htmx workspace, the author's preview, lesson files and zips,
duplicating, the class dashboard, review pages, a student's work, feedback), asked by every
persona: anonymous, a student of the class, a student of another class, the author (Alice,
approved, the class's teacher), an approved teacher of another school (Bob), the school's
admin (Ada), a teacher waiting for approval (Pat) and a student who signed up as a teacher
(Sid, through the real sign-up page and its confirmation link). Where the key is allowed, its
explanations and quotes are in the page's key fragment (or in the file); everywhere else no
explanation is anywhere in the response, and the key fragment is not on the page.
"""

import copy
import io
import zipfile
from dataclasses import dataclass

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse

from core import services as core_services
from core.access import lessons_with_visible_keys, may_see_answer_key
from core.models import User
from lessons.library import services as library_services
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import KeySpan, Lesson
from lessons.work.models import Assignment

from . import factories
from .conftest import SCHOOL_PERSONAS, SchoolWorld, log_in, shared, shared_fixture
from .html import assert_in_fragment

WALK_PERSONAS = (*SCHOOL_PERSONAS, "sid")

EXPLANATIONS = (
    "Walk secret one: praise that asks for admiration.",
    "Walk secret two: a label instead of an argument.",
)
QUOTES = ("glorious leader", "traitors")

WALK_LESSON = (
    factories.FRONT_MATTER
    + """## Introduction

A practice text for the walk over the answer key.

## Segment: Only

Our glorious leader says the traitors will fail.

### Prompts

- highlight: Highlight the techniques.
- text: Who are "the traitors"?

### Key

- Loaded_Language | "glorious leader" | Walk secret one: praise that asks for admiration.
- Name_Calling,Labeling | "traitors" | Walk secret two: a label instead of an argument.
"""
)


@dataclass
class Walk:
    world: SchoolWorld
    sid: User  # a student who signed up as a teacher: pending, school not named
    lesson: Lesson  # Alice's, published, assigned to class A
    draft: Lesson  # Alice's draft
    pats_draft: Lesson  # the pending teacher's own draft
    assignment: Assignment  # the lesson in class A; Sam handed in, feedback released
    traitors: KeySpan  # the key span Sam missed


def _lesson(slug: str, by: User, *, published: bool) -> Lesson:
    source = WALK_LESSON.format(title=f"Walk {slug}", slug=slug)
    return library_services.lesson_import(
        data=parse_lesson(source), created_by=by, is_published=published
    )


def _sign_up_as_teacher() -> User:
    """Sid signs up on the sign-up page and opens the link of the confirmation e-mail."""
    client = Client()
    client.post(
        reverse("core:signup"),
        {
            "username": "sid",
            "display_name": "Sid Signed-Up",
            "email": "sid@example.org",
            "password1": "a-very-long-password-9",
        },
    )
    sid = User.objects.get(username="sid")
    token = core_services.email_verification_token(sid)
    client.post(reverse("core:signup_confirm", args=[token]))
    sid.refresh_from_db()
    assert sid.email_verified and sid.is_pending_teacher and sid.school is None
    return sid


def build_walk(world: SchoolWorld) -> Walk:
    world = copy.deepcopy(world)
    lesson = _lesson("walk-lesson", world.alice, published=True)
    assignment = factories.make_assignment(world.class_a, lesson)
    factories.make_highlight(assignment, world.sam, "glorious leader", "Loaded_Language")
    factories.hand_in(assignment, world.sam)
    return Walk(
        world=world,
        sid=_sign_up_as_teacher(),
        lesson=lesson,
        draft=_lesson("walk-draft", world.alice, published=False),
        pats_draft=_lesson("walk-pats-draft", world.pat, published=False),
        assignment=assignment,
        traitors=KeySpan.objects.get(segment__lesson=lesson, quote="traitors"),
    )


@shared_fixture
def _walk(request, _school_world) -> Walk:
    return shared(request, lambda: build_walk(_school_world))


@pytest.fixture
def walk(_walk, db) -> Walk:
    return copy.deepcopy(_walk)


# The pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    url: object  # Walk -> URL
    key: str | None  # the CSS selector of the key's fragment; None for a file
    needles: tuple[str, ...] = (*EXPLANATIONS, *QUOTES)  # what of the key the page shows
    method: str = "get"
    htmx: bool = False


def _zip(w: Walk) -> str:
    return reverse("authoring:author_export_zip") + f"?lesson={w.lesson.pk}"


PAGES = {
    "lesson": Page(lambda w: reverse("library:lesson_detail", args=[w.lesson.slug]), ".answer-key"),
    "lesson_file": Page(lambda w: reverse("authoring:author_export", args=[w.lesson.pk]), None),
    "lessons_zip": Page(_zip, None),
    "duplicate": Page(
        lambda w: reverse("library:lesson_duplicate", args=[w.lesson.slug]),
        ".answer-key",
        method="post",
    ),
    "draft_passage": Page(
        lambda w: reverse("authoring:author_segment", args=[w.draft.pk, 1]), ".key-list"
    ),
    "draft_workspace": Page(
        lambda w: reverse("authoring:author_segment", args=[w.draft.pk, 1]),
        ".key-list",
        htmx=True,
    ),
    "draft_preview": Page(
        lambda w: reverse("authoring:author_lesson", args=[w.draft.pk]) + "?preview=1",
        ".answer-key, .key-list, .explanation",
    ),
    "draft_file": Page(lambda w: reverse("authoring:author_export", args=[w.draft.pk]), None),
    "own_draft": Page(
        lambda w: reverse("library:lesson_detail", args=[w.pats_draft.slug]), ".answer-key"
    ),
    "own_draft_passage": Page(
        lambda w: reverse("authoring:author_segment", args=[w.pats_draft.pk, 1]), ".key-list"
    ),
    "own_draft_file": Page(
        lambda w: reverse("authoring:author_export", args=[w.pats_draft.pk]), None
    ),
    "own_duplicate": Page(
        lambda w: reverse("library:lesson_duplicate", args=[w.pats_draft.slug]),
        ".answer-key",
        method="post",
    ),
    "dashboard": Page(
        lambda w: reverse("insights:dashboard", args=[w.assignment.pk]),
        ".missed-list",
        needles=("traitors",),  # the most missed key spans; no explanations there
    ),
    "review_queue": Page(
        lambda w: reverse("insights:review_queue", args=[w.assignment.pk]),
        ".review-list",
        needles=QUOTES,
    ),
    "review_key_span": Page(
        lambda w: reverse("insights:review_key_span", args=[w.assignment.pk, w.traitors.pk]),
        ".review-target",
        needles=("traitors", EXPLANATIONS[1]),
    ),
    "student_work": Page(
        lambda w: reverse("insights:student_work", args=[w.assignment.pk, w.world.sam.pk]),
        ".explanation, .verdict-missed",
    ),
    "feedback": Page(
        lambda w: reverse("insights:feedback", args=[w.assignment.pk]),
        ".explanation, .verdict-missed",
    ),
}

LOGIN = "login"  # a redirect to the login page
KEY = "key"  # 200, with the key
HIDDEN = "hidden"  # 200, the page without its key
REFUSED = "refused"  # a copy refused with a message, back on the lesson's page without key

#  page                anonymous sam  olga alice bob  ada  pat     sid
TABLE = [
    ("lesson",            (LOGIN, 404, 404, KEY,  KEY, KEY, HIDDEN,  HIDDEN)),
    ("lesson_file",       (LOGIN, 404, 404, KEY,  KEY, KEY, 404,     404)),
    ("lessons_zip",       (LOGIN, 404, 404, KEY,  KEY, KEY, 404,     404)),
    ("duplicate",         (LOGIN, 404, 404, KEY,  KEY, KEY, REFUSED, REFUSED)),
    ("draft_passage",     (LOGIN, 404, 404, KEY,  404, 404, 404,     404)),
    ("draft_workspace",   (LOGIN, 404, 404, KEY,  404, 404, 404,     404)),
    ("draft_preview",     (LOGIN, 404, 404, HIDDEN, 404, 404, 404,   404)),
    ("draft_file",        (LOGIN, 404, 404, KEY,  404, 404, 404,     404)),
    ("own_draft",         (LOGIN, 404, 404, 404,  404, 404, KEY,     404)),
    ("own_draft_passage", (LOGIN, 404, 404, 404,  404, 404, KEY,     404)),
    ("own_draft_file",    (LOGIN, 404, 404, 404,  404, 404, KEY,     404)),
    ("own_duplicate",     (LOGIN, 404, 404, 404,  404, 404, KEY,     404)),
    ("dashboard",         (LOGIN, 404, 404, KEY,  404, 404, 404,     404)),
    ("review_queue",      (LOGIN, 404, 404, KEY,  404, 404, 404,     404)),
    ("review_key_span",   (LOGIN, 404, 404, KEY,  404, 404, 404,     404)),
    ("student_work",      (LOGIN, 404, 404, KEY,  404, 404, 404,     404)),
    ("feedback",          (LOGIN, KEY, 404, 404,  404, 404, 404,     404)),
]  # fmt: skip

CASES = [
    pytest.param(page, persona, expected, id=f"{page}-{persona}")
    for page, expectations in TABLE
    for persona, expected in zip(WALK_PERSONAS, expectations, strict=True)
]


def _log_in(client: Client, walk: Walk, persona: str) -> None:
    if persona == "sid":
        client.force_login(walk.sid)
    else:
        log_in(client, walk.world, persona)


def _body(response) -> str:
    """What the response carries: a page, a lesson file, or the lesson files of a zip."""
    if response.get("Content-Type") == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.content)) as bundle:
            return "\n".join(bundle.read(name).decode() for name in bundle.namelist())
    return response.content.decode()


@pytest.mark.parametrize(("name", "persona", "expected"), CASES)
def test_answer_key_text_reaches_only_whom_the_rule_allows(client, walk, name, persona, expected):
    page = PAGES[name]
    _log_in(client, walk, persona)
    lessons = Lesson.objects.count()
    headers = {"HX-Request": "true"} if page.htmx else {}
    send = client.post if page.method == "post" else client.get
    response = send(page.url(walk), headers=headers)
    if page.method == "post" and expected != LOGIN:
        assert response.status_code in (302, 404)
        if response.status_code == 302:
            response = client.get(response.url)  # the copy's page, or back to the lesson's
    body = _body(response)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url.startswith(reverse("core:login"))
    elif expected == KEY:
        assert response.status_code == 200
        if page.key is None:
            for needle in page.needles:
                assert needle in body
            assert f'| "{QUOTES[0]}" |' in body and f'| "{QUOTES[1]}" |' in body
        else:
            assert_in_fragment(body, page.key, *page.needles)
    else:
        assert response.status_code == (200 if expected in (HIDDEN, REFUSED) else expected)
        for explanation in EXPLANATIONS:
            assert explanation not in body
        if page.key is not None:
            assert not BeautifulSoup(body, "html.parser").select(page.key), page.key

    if page.method == "post":
        copies = Lesson.objects.count() - lessons
        assert copies == (1 if expected == KEY else 0)
    if expected == KEY and name.endswith("duplicate"):
        copy_ = Lesson.objects.order_by("-pk").first()
        assert copy_ is not None and copy_.created_by_id == response.wsgi_request.user.pk
        explanations = KeySpan.objects.filter(segment__lesson=copy_).values_list(
            "explanation", flat=True
        )
        assert set(explanations) == set(EXPLANATIONS)  # the copy carries the key
    if expected == REFUSED:
        assert_in_fragment(body, ".messages", "Only teachers approved by their school copy")


def test_a_student_sees_no_key_before_their_feedback_is_released(client, walk):
    assignment = walk.assignment
    Assignment.objects.filter(pk=assignment.pk).update(feedback_release="manual")
    client.force_login(walk.world.sam)

    response = client.get(reverse("insights:feedback", args=[assignment.pk]))

    assert response.status_code == 403
    for explanation in EXPLANATIONS:
        assert explanation not in response.content.decode()


def test_the_library_lists_a_lesson_to_a_waiting_teacher_without_its_key(client, walk):
    client.force_login(walk.world.pat)

    page = client.get(reverse("library:library")).content.decode()
    lesson = client.get(reverse("library:lesson_detail", args=[walk.lesson.slug]))

    assert walk.lesson.title in page
    assert_in_fragment(lesson.content, "#key-hidden", "only teachers approved by their school")
    assert_in_fragment(lesson.content, ".source-text", "glorious leader")  # the text itself
    assert b"Duplicate" not in lesson.content


def test_a_teacher_whose_approval_is_withdrawn_reads_no_key_in_their_class(client, walk):
    bob, assignment = walk.world.bob, walk.world.other_assignment  # a lesson he did not write
    key = KeySpan.objects.filter(segment__lesson=assignment.lesson).first()
    assert key is not None
    urls = [
        reverse("insights:dashboard", args=[assignment.pk]),
        reverse("insights:review_queue", args=[assignment.pk]),
        reverse("insights:review_key_span", args=[assignment.pk, key.pk]),
        reverse("insights:student_work", args=[assignment.pk, walk.world.olga.pk]),
    ]
    client.force_login(bob)
    assert all(client.get(url).status_code == 200 for url in urls)

    User.objects.filter(pk=bob.pk).update(status=User.Status.PENDING)

    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert key.explanation not in response.content.decode()


# The rule itself ----------------------------------------------------------------------


def test_the_rule_and_its_filter_agree_for_every_persona_and_lesson(walk):
    people = {name: getattr(walk.world, name) for name in SCHOOL_PERSONAS[1:]}
    people["sid"] = walk.sid
    lessons = [walk.lesson, walk.draft, walk.pats_draft]
    for name, user in people.items():
        visible = set(
            Lesson.objects.filter(pk__in=[lesson.pk for lesson in lessons])
            .filter(lessons_with_visible_keys(user))
            .values_list("pk", flat=True)
        )
        for lesson in lessons:
            rule = may_see_answer_key(user, lesson)
            assert rule == (lesson.pk in visible), (name, lesson.slug)


def test_the_rule_allows_a_student_only_with_released_feedback_and_nobody_anonymous(walk):
    from django.contrib.auth.models import AnonymousUser

    sam = walk.world.sam
    assert not may_see_answer_key(sam, walk.lesson)
    assert may_see_answer_key(sam, walk.lesson, feedback_released=True)
    assert not may_see_answer_key(AnonymousUser(), walk.lesson, feedback_released=True)
    inactive = walk.world.bob
    inactive.is_active = False
    assert not may_see_answer_key(inactive, walk.lesson)

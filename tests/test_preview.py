"""Preview as a student: a teacher walks a lesson's passages in the student's own page,
read-only, and nothing is saved. Also the names of untitled passages on the student's pages."""

import copy

import pytest
from django.urls import reverse
from django.utils import timezone

from lessons.library import services
from lessons.library.lessonfile import parse_lesson
from lessons.library.models import Lesson
from lessons.work.models import Answer, Highlight, Submission

from . import factories
from .conftest import PERSONAS, log_in, shared, shared_fixture
from .html import assert_in_fragment, assert_not_in_fragment, select, text

LOGIN = "login"
KEY_WORDS = "Praise words that ask for admiration."  # an explanation of the answer key
UNTITLED = factories.SMALL_LESSON.replace("## Segment: Second", "## Segment")


def _import(source: str, slug: str, **kwargs) -> Lesson:
    return services.lesson_import(
        data=parse_lesson(source.format(title=slug.title(), slug=slug)), **kwargs
    )


@shared_fixture
def _lessons(request, _world):
    def build():
        draft = _import(
            factories.SMALL_LESSON, "alices-draft", created_by=_world.alice, is_published=False
        )
        # A revision replaced since Bob's class got it: only Bob still sees it.
        old = _import(factories.SMALL_LESSON, "bobs-old-lesson")
        factories.make_assignment(_world.class_b, old)
        Lesson.objects.filter(pk=old.pk).update(replaced_at=timezone.now())
        return {"world": _world.assignment.lesson, "draft": draft, "replaced": old}

    return shared(request, build)


@pytest.fixture
def lessons(world, _lessons):
    return copy.deepcopy(_lessons)


def _url(lesson: Lesson, position: int = 1) -> str:
    return reverse("work:preview_segment", args=[lesson.pk, position])


def _work() -> tuple[int, int, int]:
    return Submission.objects.count(), Highlight.objects.count(), Answer.objects.count()


#  lesson       method  anonymous sam  olga alice bob
TABLE = [
    ("world",    "get",  (LOGIN, 404, 404, 200, 200)),
    ("draft",    "get",  (LOGIN, 404, 404, 200, 404)),
    ("replaced", "get",  (LOGIN, 404, 404, 404, 200)),
    ("world",    "post", (LOGIN, 405, 405, 405, 405)),
]  # fmt: skip

CASES = [
    pytest.param(which, method, persona, expected, id=f"{which}-{method}-{persona}")
    for which, method, expectations in TABLE
    for persona, expected in zip(PERSONAS, expectations, strict=True)
]


@pytest.mark.parametrize(("which", "method", "persona", "expected"), CASES)
def test_only_teachers_who_may_see_a_lesson_preview_it(
    client, world, lessons, which, method, persona, expected
):
    lesson = lessons[which]
    url = _url(lesson)
    log_in(client, world, persona)
    before = _work()

    response = getattr(client, method)(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('core:login')}?next={url}"
    else:
        assert response.status_code == expected
    assert _work() == before
    content = response.content.decode()
    assert KEY_WORDS not in content  # the preview never shows the key
    if expected != 200:
        assert lesson.title not in content


def test_the_preview_is_the_students_page_read_only(client, world, lessons):
    lesson = lessons["world"]
    client.force_login(world.alice)
    before = _work()

    page = client.get(_url(lesson)).content.decode()

    assert text(page, "main h1") == "Passage 1 of 2: First"
    assert_in_fragment(page, "#preview-banner", "Preview: nothing is saved.")
    assert_in_fragment(page, "#segment-text", "Our glorious leader", "says the traitors will fail")
    # No form that saves: no highlight form, no save buttons; the answers cannot be typed.
    (main,) = select(page, "main")
    assert not main.select("#highlight-form, #selection-panel, button, input[type=submit]")
    assert not select(page, "#prompts")[0].has_attr("action")
    assert select(page, "#prompts textarea")[0].has_attr("readonly")
    assert all(box.has_attr("disabled") for box in select(page, "#prompts input[type=checkbox]"))
    # Every link stays in the preview.
    (following,) = select(page, ".pager a")
    assert following["href"] == _url(lesson, 2)
    assert_in_fragment(page, ".passages", "Passage 2: Second")
    assert _work() == before

    second = client.get(_url(lesson, 2)).content.decode()
    assert text(second, "main h1") == "Passage 2 of 2: Second"
    (back,) = select(second, ".pager a")
    assert back["href"] == _url(lesson, 1)
    assert _work() == before


def test_the_preview_leads_back_where_it_came_from(client, world, lessons):
    client.force_login(world.alice)
    draft = client.get(_url(lessons["draft"])).content
    assert select(draft, "#preview-banner a")[0]["href"] == reverse(
        "authoring:author_lesson", args=[lessons["draft"].pk]
    )
    published = client.get(_url(lessons["world"])).content
    assert select(published, "#preview-banner a")[0]["href"] == reverse(
        "library:lesson_detail", args=[lessons["world"].slug]
    )


def test_the_preview_is_offered_on_the_lesson_pages(client, world, lessons):
    client.force_login(world.alice)
    draft = lessons["draft"]
    editor = client.get(reverse("authoring:author_lesson", args=[draft.pk])).content
    link = f'.dashboard-actions a[href="{_url(draft)}"]'
    assert text(editor, link) == "Preview as a student, passage by passage"
    passage = client.get(reverse("authoring:author_segment", args=[draft.pk, 2])).content
    assert text(passage, f'.pager a[href="{_url(draft, 2)}"]') == "Preview as a student"
    library = client.get(reverse("library:lesson_detail", args=[lessons["world"].slug])).content
    link = f'.dashboard-actions a[href="{_url(lessons["world"])}"]'
    assert text(library, link) == "Preview as a student"


def test_a_passage_that_does_not_exist_is_404(client, world, lessons):
    client.force_login(world.alice)
    assert client.get(_url(lessons["world"], 3)).status_code == 404


# Untitled passages -------------------------------------------------------------------------


def test_an_untitled_passage_is_named_by_its_number(client, world):
    lesson = _import(UNTITLED, "untitled")
    assignment = factories.make_assignment(world.class_a, lesson)
    client.force_login(world.sam)
    page = client.get(reverse("work:segment", args=[assignment.pk, 1])).content
    assert text(page, ".passages li") == "Passage 1: First Passage 2"
    submit = client.get(reverse("work:submit", args=[assignment.pk])).content
    assert text(submit, "tbody th") == "Passage 1: First Passage 2"
    assert_not_in_fragment(submit, "tbody", "2. Passage")
    client.force_login(world.alice)
    preview = client.get(_url(lesson, 1)).content
    assert text(preview, ".passages li") == "Passage 1: First Passage 2"

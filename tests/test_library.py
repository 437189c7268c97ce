"""The lesson library: who sees which lessons, search and filters, duplicating, publishing."""

import copy

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.refusals import Refusal
from lessons.library import services
from lessons.library.models import KeySpan, Lesson, Prompt, Segment
from lessons.work.models import Assignment

from . import factories
from .conftest import PERSONAS, log_in, shared, shared_fixture
from .html import assert_in_fragment, assert_not_in_fragment, select, text

LOGIN = "login"


def _lesson(title: str, slug: str, *, owner=None, published=True, **fields) -> Lesson:
    lesson = factories.make_lesson(factories.SMALL_LESSON.format(title=title, slug=slug))
    Lesson.objects.filter(pk=lesson.pk).update(created_by=owner, is_published=published, **fields)
    lesson.refresh_from_db()
    return lesson


@shared_fixture
def _alices(request, _world):
    alice = _world.alice
    return shared(
        request,
        lambda: {
            "draft": _lesson("Alice's draft", "alices-draft", owner=alice, published=False),
            "published": _lesson("Alice's published", "alices-published", owner=alice),
        },
    )


@pytest.fixture
def alices(world, _alices):
    """Alice's draft and her published lesson (the world's lesson has no creator)."""
    return copy.deepcopy(_alices)


def _slug(world, alices, which):
    return world.assignment.lesson.slug if which == "world" else alices[which].slug


#         view               method  lesson       anonymous sam  olga alice bob
TABLE = [
    ("library",          "get",  None,        (LOGIN, 404, 404, 200, 200)),
    ("lesson_detail",    "get",  "world",     (LOGIN, 404, 404, 200, 200)),
    ("lesson_detail",    "get",  "published", (LOGIN, 404, 404, 200, 200)),
    ("lesson_detail",    "get",  "draft",     (LOGIN, 404, 404, 200, 404)),
    ("lesson_duplicate", "get",  "world",     (LOGIN, 405, 405, 405, 405)),
    ("lesson_duplicate", "post", "world",     (LOGIN, 404, 404, 302, 302)),
    ("lesson_duplicate", "post", "published", (LOGIN, 404, 404, 302, 302)),
    ("lesson_duplicate", "post", "draft",     (LOGIN, 404, 404, 302, 404)),
    ("lesson_publish",   "get",  "draft",     (LOGIN, 405, 405, 405, 405)),
    ("lesson_publish",   "post", "draft",     (LOGIN, 404, 404, 302, 404)),
    ("lesson_publish",   "post", "published", (LOGIN, 404, 404, 302, 404)),
    ("lesson_publish",   "post", "world",     (LOGIN, 404, 404, 404, 404)),
]  # fmt: skip

CASES = [
    pytest.param(view, method, which, persona, expected, id=f"{view}-{method}-{which}-{persona}")
    for view, method, which, expectations in TABLE
    for persona, expected in zip(PERSONAS, expectations, strict=True)
]


def _snapshot():
    return list(Lesson.objects.order_by("pk").values_list("pk", "slug", "is_published"))


@pytest.mark.parametrize(("view", "method", "which", "persona", "expected"), CASES)
def test_every_library_view_answers_each_persona_as_expected(
    client, world, alices, view, method, which, persona, expected
):
    url = reverse(f"library:{view}", args=[_slug(world, alices, which)] if which else [])
    data = {"published": "0"} if view == "lesson_publish" and method == "post" else None
    log_in(client, world, persona)
    before = _snapshot()

    response = getattr(client, method)(url, data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response.url == f"{reverse('core:login')}?next={url}"
    else:
        assert response.status_code == expected
    if expected in (LOGIN, 404, 405) or view in ("library", "lesson_detail"):
        assert _snapshot() == before
    if persona == "bob":
        assert "Alice&#x27;s draft" not in response.content.decode()


def _titles(client, **params) -> list[str]:
    response = client.get(reverse("library:library"), params)
    assert response.status_code == 200
    return [card.lesson.title for card in response.context["lessons"]]


@pytest.fixture
def catalogue(world, alices):
    ipa = _lesson(
        "Posters of 1937",
        "posters-1937",
        author="Office of Posters",
        place="Atlantis",
        source="The Poster Gazette",
        language="de",
        level="Beginner",
    )
    ipa.taxonomy = ipa.taxonomy.__class__.objects.get(slug="ipa-1937")
    ipa.save()
    bobs = _lesson("Bob's radio talk", "bobs-radio", owner=world.bob, level="Advanced")
    bobs_draft = _lesson("Bob's secret draft", "bobs-draft", owner=world.bob, published=False)
    return {"ipa": ipa, "bobs": bobs, "bobs_draft": bobs_draft}


def test_the_library_lists_published_lessons_and_only_my_drafts(client, world, catalogue):
    client.force_login(world.alice)
    titles = _titles(client)
    assert "Alice's draft" in titles
    assert "Bob's radio talk" in titles
    assert world.assignment.lesson.title in titles
    assert "Bob's secret draft" not in titles
    page = client.get(reverse("library:library")).content.decode()
    assert text(page, "#results-heading") == f"{len(titles)} lessons"
    assert text(page, '.lesson-result:has(a:-soup-contains("Alice\'s draft")) .status') == "Draft"
    assert text(page, '.lesson-result:has(a:-soup-contains("Bob\'s radio")) .status') == (
        "Published"
    )

    client.force_login(world.bob)
    titles = _titles(client)
    assert "Alice's draft" not in titles
    assert "Bob's secret draft" in titles


def test_search_and_each_filter_narrow_the_list(client, world, catalogue):
    client.force_login(world.alice)
    everything = _titles(client)
    assert len(everything) == 5
    assert _titles(client, q="poster") == ["Posters of 1937"]  # title
    assert _titles(client, q="office of") == ["Posters of 1937"]  # author
    assert _titles(client, q="ATLANTIS") == ["Posters of 1937"]  # place
    assert _titles(client, q="gazette") == ["Posters of 1937"]  # source
    assert _titles(client, q="no such words") == []
    assert _titles(client, taxonomy="ipa-1937") == ["Posters of 1937"]
    assert "Posters of 1937" not in _titles(client, taxonomy="semeval-2020")
    assert _titles(client, language="de") == ["Posters of 1937"]
    assert _titles(client, level="Advanced") == ["Bob's radio talk"]
    assert _titles(client, author="posters") == ["Posters of 1937"]
    assert _titles(client, mine="on") == ["Alice's draft", "Alice's published"]
    assert _titles(client, q="alice", mine="on", level="Advanced") == []
    # The selects offer the values that exist, and nothing from drafts of others.
    form = client.get(reverse("library:library")).context["form"]
    assert [v for v, _ in form.fields["language"].choices] == ["", "de", "en"]
    assert [v for v, _ in form.fields["level"].choices] == ["", "Advanced", "Beginner"]


def test_an_unknown_filter_value_is_a_400_with_the_error(client, world, catalogue):
    client.force_login(world.alice)
    response = client.get(reverse("library:library"), {"language": "xx"})
    assert response.status_code == 400
    assert_in_fragment(response.content, "#id_language_error", "Select a valid choice")


def test_the_lesson_page_shows_the_text_prompts_and_full_key(client, world):
    lesson = world.assignment.lesson
    client.force_login(world.bob)
    page = client.get(reverse("library:lesson_detail", args=[lesson.slug])).content.decode()
    assert_in_fragment(page, ".provenance", "Written for Lens tests.")
    assert_in_fragment(page, "#introduction-heading + *", "A short <em>fictional</em> text")
    for segment in lesson.segments.all():
        section = f'section[aria-labelledby="segment-{segment.position}-heading"]'
        assert text(page, f"{section} h2") == f"Passage {segment.position}: {segment.title}"
        prompts = [
            li.contents[0].strip() for li in select(page, f"{section} ol:not(.answer-key) > li")
        ]
        assert prompts == [prompt.text for prompt in segment.prompts.all()]
        keys = segment.key_spans.select_related("technique")
        assert [text(li, "strong") for li in select(page, f"{section} .answer-key li")] == [
            key.technique.name for key in keys
        ]
        for key in keys:
            assert_in_fragment(page, f"{section} .answer-key", f"“{key.quote}”", key.explanation)
    assert_in_fragment(page, ".dashboard-actions", "Duplicate")
    assert "Unpublish" not in page  # Bob did not create it


def _content(lesson):
    return [
        (
            s.position,
            s.title,
            s.body,
            s.body_html,
            s.text,
            [(p.position, p.kind, p.text) for p in s.prompts.all()],
            [
                (k.position, k.technique_id, k.start, k.end, k.quote, k.explanation)
                for k in s.key_spans.all()
            ],
        )
        for s in lesson.segments.prefetch_related("prompts", "key_spans")
    ]


def test_duplicating_copies_everything_into_a_draft_of_the_duplicator(client, world):
    lesson = world.assignment.lesson
    client.force_login(world.bob)
    response = client.post(reverse("library:lesson_duplicate", args=[lesson.slug]))
    copy = Lesson.objects.get(slug=f"{lesson.slug}-copy")
    assert response.status_code == 302
    assert response.url == reverse("library:lesson_detail", args=[copy.slug])
    assert copy.title == f"{lesson.title} (copy)"
    assert copy.is_published is False
    assert copy.created_by == world.bob
    for field in ("author", "date", "place", "audience", "source", "language", "level"):
        assert getattr(copy, field) == getattr(lesson, field)
    assert (copy.provenance, copy.introduction, copy.taxonomy_id) == (
        lesson.provenance,
        lesson.introduction,
        lesson.taxonomy_id,
    )
    assert _content(copy) == _content(lesson)
    assert KeySpan.objects.filter(segment__lesson=copy).count() == 4
    # The original is untouched and its copy cannot be assigned yet.
    assert Segment.objects.filter(lesson=lesson).count() == 2
    assert Prompt.objects.filter(segment__lesson=lesson).count() == 5
    assert copy not in Lesson.objects.published()
    # A draft is visible to its creator only.
    assert client.get(reverse("library:lesson_detail", args=[copy.slug])).status_code == 200
    client.force_login(world.alice)
    assert client.get(reverse("library:lesson_detail", args=[copy.slug])).status_code == 404
    assert copy.title not in _titles(client)


def test_repeated_duplication_gives_unique_slugs(world):
    lesson = world.assignment.lesson
    slugs = [services.lesson_duplicate(lesson=lesson, by=world.alice).slug for _ in range(3)]
    assert slugs == [f"{lesson.slug}-copy", f"{lesson.slug}-copy-2", f"{lesson.slug}-copy-3"]
    copy_of_copy = services.lesson_duplicate(
        lesson=Lesson.objects.get(slug=slugs[0]), by=world.alice
    )
    assert copy_of_copy.slug == f"{slugs[0]}-copy"
    assert copy_of_copy.title == f"{lesson.title} (copy) (copy)"


def test_publish_and_unpublish(client, world, alices):
    draft = alices["draft"]
    client.force_login(world.alice)
    url = reverse("library:lesson_publish", args=[draft.slug])
    response = client.post(url, {"published": "1"})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    client.force_login(world.bob)
    assert draft.title in _titles(client)
    client.force_login(world.alice)
    client.post(url, {"published": "0"})
    draft.refresh_from_db()
    assert not draft.is_published
    client.force_login(world.bob)
    assert draft.title not in _titles(client)


def test_unpublishing_an_assigned_lesson_is_refused(client, world, alices):
    lesson = alices["published"]
    factories.make_assignment(world.class_a, lesson)
    client.force_login(world.alice)
    response = client.post(
        reverse("library:lesson_publish", args=[lesson.slug]), {"published": "0"}, follow=True
    )
    assert_in_fragment(response.content, ".messages", "cannot be unpublished")
    lesson.refresh_from_db()
    assert lesson.is_published
    with pytest.raises(Refusal):
        services.lesson_set_published(lesson=lesson, published=False)


def test_a_draft_cannot_be_assigned(client, world, alices):
    client.force_login(world.alice)
    url = reverse("work:classroom_assign", args=[world.class_a.pk])
    before = Assignment.objects.count()
    response = client.post(url, {"lesson": alices["draft"].pk})
    assert response.status_code == 400
    assert Assignment.objects.count() == before
    # The class page does not offer it either; once published it can be assigned.
    page = client.get(reverse("work:classroom", args=[world.class_a.pk])).content.decode()
    assert "Alice&#x27;s draft" not in page
    services.lesson_set_published(lesson=alices["draft"], published=True)
    assert client.post(url, {"lesson": alices["draft"].pk}).status_code == 302
    assert Assignment.objects.count() == before + 1


def _library_queries(client, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("library:library"), params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("params", [{}, {"q": "practice", "level": "", "mine": "on"}])
def test_the_library_makes_as_many_queries_for_30_lessons_as_for_3(
    client, world, django_assert_max_num_queries, params
):
    client.force_login(world.alice)
    for n in range(2):
        _lesson(f"Practice draft {n}", f"practice-draft-{n}", owner=world.alice, published=False)
    few = _library_queries(client, params)
    for n in range(27):
        _lesson(f"Practice extra {n}", f"practice-extra-{n}", owner=world.alice)
    assert Lesson.objects.count() >= 30
    with django_assert_max_num_queries(few):
        response = client.get(reverse("library:library"), params)
    assert len(response.context["lessons"]) >= 29
    assert _library_queries(client, params) == few


# Assign to a class, from the lesson's page ------------------------------------------------


def test_the_lesson_page_assigns_the_lesson_to_each_class_of_the_teacher(client, world, alices):
    lesson = alices["published"]
    class_c = factories.make_classroom(world.alice, "Class C")
    factories.make_assignment(class_c, lesson)
    url = reverse("library:lesson_detail", args=[lesson.slug])
    client.force_login(world.alice)
    page = client.get(url).content.decode()
    # One plain form per class: Class A gets one; Class C has the lesson already.
    (form,) = select(page, "#assign form")
    assert form["action"] == reverse("work:classroom_assign", args=[world.class_a.pk])
    assert form.select_one("input[name=lesson]")["value"] == str(lesson.pk)
    assert text(form, "button") == "Assign to Class A"
    assert_in_fragment(page, "#assign li", "Class C has this lesson.")
    assert "Class B" not in page  # Bob's

    response = client.post(form["action"], {"lesson": lesson.pk})

    assert response.status_code == 302
    assert response.url == reverse("work:classroom", args=[world.class_a.pk])
    assert Assignment.objects.filter(classroom=world.class_a, lesson=lesson).exists()
    page = client.get(response.url).content.decode()
    assert_in_fragment(page, ".messages", "“Alice's published” is assigned to Class A.")
    page = client.get(url).content.decode()
    assert_not_in_fragment(page, "#assign", "<form")
    assert_in_fragment(page, "#assign", "Class A has this lesson.")


def test_a_class_on_another_revision_is_told_where_to_move_it(client, world, alices):
    lesson = alices["published"]
    factories.make_assignment(world.class_a, lesson)
    draft = services.lesson_edit_draft(lesson=lesson, by=world.alice)
    revision_2 = services.lesson_publish(lesson=draft)
    client.force_login(world.alice)
    page = client.get(reverse("library:lesson_detail", args=[revision_2.slug])).content.decode()
    assert_not_in_fragment(page, "#assign", "<form")
    assert_in_fragment(page, "#assign li", "Class A has revision 1 of this lesson")


def test_a_draft_or_a_teacher_waiting_for_approval_gets_no_assign_button(client, world, alices):
    client.force_login(world.alice)
    page = client.get(reverse("library:lesson_detail", args=[alices["draft"].slug])).content
    assert_not_in_fragment(page, "#assign", "<form")
    assert_in_fragment(page, "#assign", "A draft cannot be assigned: publish it first.")

    pending = factories.make_teacher("Pat Pending", approved=False)
    factories.make_classroom(pending, "Pat's class")
    client.force_login(pending)
    page = client.get(reverse("library:lesson_detail", args=[alices["published"].slug])).content
    assert_not_in_fragment(page, "#assign", "<form")
    assert_in_fragment(page, "#assign", "once your school's admin has approved your account")

    teacher = factories.make_teacher("No Classes")
    client.force_login(teacher)
    page = client.get(reverse("library:lesson_detail", args=[alices["published"].slug])).content
    assert_in_fragment(page, "#assign", "You have no class yet")


def test_the_assign_view_still_refuses_a_waiting_teacher_and_a_draft(client, world, alices):
    pending = factories.make_teacher("Pat Pending", approved=False)
    classroom = factories.make_classroom(pending, "Pat's class")
    client.force_login(pending)
    url = reverse("work:classroom_assign", args=[classroom.pk])
    assert client.post(url, {"lesson": alices["published"].pk}).status_code == 403
    client.force_login(world.alice)
    url = reverse("work:classroom_assign", args=[world.class_a.pk])
    assert client.post(url, {"lesson": alices["draft"].pk}).status_code == 400
    assert not Assignment.objects.filter(lesson__in=alices.values()).exists()


def test_the_lesson_page_makes_as_many_queries_for_30_classes_as_for_1(
    client, world, alices, django_assert_max_num_queries
):
    url = reverse("library:lesson_detail", args=[alices["published"].slug])
    client.force_login(world.alice)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    for n in range(29):
        classroom = factories.make_classroom(world.alice, f"Class {n}")
        if n % 2:
            factories.make_assignment(classroom, alices["published"])
    with django_assert_max_num_queries(len(queries)):
        page = client.get(url).content
    assert len(select(page, "#assign li")) == 30


# Addresses (slugs) -----------------------------------------------------------------------


def test_the_address_of_a_copy_is_cut_between_words(world):
    long = "the-resolution-of-the-meeting-of-solidarity-with"  # 48 characters of 50
    lesson = factories.make_lesson(factories.SMALL_LESSON.format(title="Long", slug=long))
    slugs = [services.lesson_duplicate(lesson=lesson, by=world.alice).slug for _ in range(2)]
    assert slugs == [
        "the-resolution-of-the-meeting-of-solidarity-copy",
        "the-resolution-of-the-meeting-of-solidarity-copy-2",
    ]
    assert services.shorten_slug("a" * 60, 50) == "a" * 50  # one word: cut within it
    assert services.shorten_slug("abc-def", 3) == "abc"  # the cut falls on a hyphen
    assert services.shorten_slug("abc-def", 7) == "abc-def"

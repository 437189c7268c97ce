"""The shared world (conftest.py) is built once, yet each test sees exactly what it would
see had the world been built for it alone. The tests run in this order; each also holds
alone."""

import pytest
from django.db import connection

from core.models import User
from lessons.library.models import Lesson, Taxonomy

from .conftest import SHARED, shared, shared_fixture


@shared_fixture
def _extra_lesson(request, _world):
    return shared(request, lambda: Lesson.objects.get(pk=_world.assignment.lesson_id))


def test_a_test_changes_its_world(world):
    User.objects.filter(pk=world.sam.pk).update(display_name="Changed")
    world.sam.display_name = "Changed too"
    world.class_a.delete()

    assert [name for name, *_ in SHARED.layers] == ["_world"]


def test_the_next_test_gets_the_world_as_it_was_built(world):
    assert world.sam.display_name == "Sam Student"
    assert User.objects.get(pk=world.sam.pk).display_name == "Sam Student"
    assert world.class_a.enrollments.get().student == world.sam
    assert [name for name, *_ in SHARED.layers] == ["_world"]


def test_shared_data_built_on_the_world_is_a_layer_above_it(world, _extra_lesson):
    assert _extra_lesson == world.assignment.lesson
    assert [name for name, *_ in SHARED.layers] == ["_world", "_extra_lesson"]


def test_a_test_that_asks_only_for_the_world_does_not_keep_the_layer_above(world):
    assert [name for name, *_ in SHARED.layers] == ["_world"]


def test_a_test_that_does_not_ask_for_the_world_sees_none_of_it(db):
    assert not User.objects.exists()
    assert not Lesson.objects.exists()
    assert SHARED.layers == []


def test_the_world_is_built_again_for_the_next_test_that_asks(world):
    assert set(User.objects.values_list("display_name", flat=True)) == {
        "Alice Teacher",
        "Bob Teacher",
        "Sam Student",
        "Olga Other",
    }


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_runs_outside_any_shared_transaction():
    assert SHARED.layers == []
    assert not connection.in_atomic_block
    assert Taxonomy.objects.exists()

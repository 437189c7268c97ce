def test_the_world_fixture_builds(world):
    assert world.sam.enrollments.get().classroom == world.class_a
    assert world.assignment.lesson.segments.count() == 2

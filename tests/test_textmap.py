"""Where each character of a passage came from (lessons/library/textmap.py): the editor's
record that lets a class move to a new revision with every highlight on its own words."""

from hypothesis import given, settings
from hypothesis import strategies as st

from lessons.library.textmap import TextMap, follow, follow_parts, locate

OLD = "The imperialists fear the struggle. The struggle goes on."


def _edited(old: str, new: str) -> TextMap:
    return follow([(old, TextMap.identity(7, len(old)))], new)


def test_a_copied_passage_keeps_every_character_in_place():
    assert locate({8: TextMap.identity(7, len(OLD))}, 7, 4, 16) == (8, 4, 16)


def test_words_inserted_before_a_highlight_shift_it_onto_its_own_words():
    new = "Read this. " + OLD
    where = locate({8: _edited(OLD, new)}, 7, 4, 16)

    assert where == (8, 15, 27) and new[15:27] == "imperialists"


def test_of_two_equal_phrases_the_highlight_keeps_its_own_when_a_word_follows_it():
    # "the struggle" stands twice; a word is inserted right after the second one.
    second = OLD.index("struggle goes")
    new = OLD[: second + 8] + " itself" + OLD[second + 8 :]

    assert locate({8: _edited(OLD, new)}, 7, second, second + 8) == (8, second, second + 8)
    assert locate({8: _edited(OLD, new)}, 7, 26, 34) == (8, 26, 34)


def test_a_highlight_whose_words_were_changed_or_cut_is_not_placed():
    changed = OLD.replace("imperialists", "imperialist")
    cut_inside = OLD.replace("imperialists", "imperial ists")

    assert locate({8: _edited(OLD, changed)}, 7, 4, 16) is None
    assert locate({8: _edited(OLD, cut_inside)}, 7, 4, 16) is None


def test_a_highlight_at_the_start_of_a_passage_whose_words_were_deleted_is_not_placed():
    new = OLD[len("The imperialists ") :]

    assert locate({8: _edited(OLD, new)}, 7, 0, 16) is None


def test_a_passage_deleted_takes_its_highlights_nowhere_even_if_its_words_stand_elsewhere():
    other = "We also fear the struggle."
    maps = {9: TextMap.identity(5, len(other))}  # passage 7 (OLD) was deleted

    assert locate(maps, 7, 26, 34) is None


def test_a_sentence_repeated_elsewhere_leaves_the_highlight_on_the_original():
    new = OLD + " The struggle goes on."

    assert locate({8: _edited(OLD, new)}, 7, 39, 47) == (8, 39, 47)


def test_split_parts_and_merged_passages_keep_their_origins():
    first, second = "One fine day.", "The imperialists came."
    maps = {
        1: TextMap.identity(1, len(first)),
        2: TextMap.identity(2, len(second)),
    }
    merged_text = first + "\n" + second
    merged = follow([(first, maps[1]), (second, maps[2])], merged_text)

    assert locate({3: merged}, 2, 4, 16) == (3, len(first) + 5, len(first) + 17)
    assert locate({3: merged}, 1, 4, 8) == (3, 4, 8)

    whole = first + "\n" + second
    part = follow([(whole, TextMap.identity(4, len(whole)))], second)
    assert locate({5: part}, 4, len(first) + 5, len(first) + 17) == (5, 4, 16)


def test_a_part_of_a_map_keeps_the_origin_of_each_of_its_characters():
    text_map = TextMap(((0, 5, 1, 10), (8, 12, 2, 0)))

    assert text_map.part(3, 10) == TextMap(((0, 2, 1, 13), (5, 7, 2, 0)))
    assert text_map.part(0, 12) == text_map
    assert text_map.part(5, 8) == TextMap()
    assert text_map.part(3, 10).find(2, 0, 2) == (5, 7)


def test_parts_made_at_once_never_take_the_same_characters_twice():
    # A passage whose two parts render differently from the whole (a list cut in two):
    # each part alone would find the old text in itself; together the first takes it.
    old = "The struggle goes on and on."
    parts = follow_parts([(old, TextMap.identity(7, len(old)))], [old, old])

    assert parts == [TextMap.identity(7, len(old)), TextMap()]
    assert locate({8: parts[0], 9: parts[1]}, 7, 4, 12) == (8, 4, 12)


def test_parts_that_do_not_line_up_keep_the_characters_each_still_has():
    first = "The imperialists fear the struggle of the people"
    second = "and the struggle goes on, whatever they say of it"
    old = f"\n\n{first}\n\n\n{second}\n\n"  # a loose list: its items spaced otherwise
    maps = follow_parts([(old, TextMap.identity(7, len(old)))], [f"\n{first}\n", f"\n{second}\n"])

    assert maps[0].find(7, 2, 2 + len(first)) == (1, 1 + len(first))
    start = old.index(second)
    assert maps[1].find(7, start, start + len(second)) == (1, 1 + len(second))


def test_a_long_passage_rewritten_between_two_edits_keeps_only_its_start_and_end():
    # Two edits far apart in one save: the part between is compared character by character,
    # unless that would take too long; then it counts as rewritten (listed, never misplaced).
    kept = "the struggle of the people goes on and on "  # a stretch longer than MIN_STRETCH
    for size, found in ((400, True), (2100, False)):
        old = "Start. " + "a" * size + kept + "b" * size + " End."
        new = "Start. " + "c" * size + kept + "d" * size + " End."
        start = old.index(kept)
        where = _edited(old, new).find(7, start, start + len(kept))

        assert where == ((new.index(kept), new.index(kept) + len(kept)) if found else None)
        assert _edited(old, new).find(7, 0, 7) == (0, 7)
        assert _edited(old, new).find(7, len(old) - 4, len(old)) == (len(new) - 4, len(new))


def test_two_revisions_compose_into_one_step():
    text2 = "Now: " + OLD  # revision 2: passage 20, copied from passage 7 and edited
    two_to_one = _edited(OLD, text2)
    # Revision 3's draft copies passage 20 and adds a sentence: its map points at passage 20.
    three_to_two = follow([(text2, TextMap.identity(20, len(text2)))], text2 + " Yes.")
    three_to_one = three_to_two.through({20: two_to_one})

    assert three_to_two.find(7, 4, 16) is None
    assert three_to_one.find(7, 4, 16) == (9, 21)
    assert three_to_one.through({}) == TextMap()


def test_a_map_survives_its_json_round_trip():
    text_map = _edited(OLD, "A. " + OLD.replace("fear", "dread"))

    assert TextMap.from_json(text_map.to_json()) == text_map
    assert TextMap.from_json(None) is None


# Property: random single edits (what one save of the passage editor is), on a text full of
# repeated words. The true origin of every character is tracked alongside. When an edit could
# have been made in more than one place (the words next to it repeat it), the two readings
# give the same text, and the editor's rule is that the edit was made as late as possible:
# the tracked origins follow that rule too.

WORDS = ["the ", "struggle ", "of ", "the people ", "imperialists ", "a ", "and ", "the "]


def _latest_reading(old: str, new: str, origins: list[int | None]) -> list[int | None]:
    shortest = min(len(old), len(new))
    head = 0
    while head < shortest and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < shortest - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return origins[:head] + [None] * (len(new) - head - tail) + origins[len(old) - tail :]


edits = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "replace", "repeat"]),
        st.floats(0, 1),
        st.integers(1, 15),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("".join),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(WORDS), min_size=3, max_size=30).map("".join),
    edits,
    st.lists(st.tuples(st.floats(0, 1), st.integers(1, 14)), min_size=1, max_size=10),
)
def test_a_highlight_is_on_its_own_characters_or_not_placed_never_elsewhere(
    text, steps, highlights
):
    origins: list[int | None] = list(range(len(text)))
    text_map, current = TextMap.identity(1, len(text)), text
    for kind, where, length, words in steps:
        at = round(where * len(current))
        end = min(len(current), at + length)
        new = {
            "insert": current[:at] + words + current[at:],
            "delete": current[:at] + current[end:],
            "replace": current[:at] + words + current[end:],
            "repeat": current[:end] + current[at:end] + current[end:],
        }[kind]
        origins = _latest_reading(current, new, origins)
        text_map, current = follow([(current, text_map)], new), new

    for where, length in highlights:
        start = min(round(where * len(text)), len(text) - 1)
        end = min(len(text), start + length)
        own = list(range(start, end))
        survived = next((i for i in range(len(origins)) if origins[i : i + len(own)] == own), None)

        placed = locate({2: text_map}, 1, start, end)

        if survived is None:
            assert placed is None, (text, current, start, end, placed)
        else:
            assert placed == (2, survived, survived + len(own)), (text, current, start, end)
            assert current[placed[1] : placed[2]] == text[start:end]


# Property: a part of a map says of each of its characters what the slice of the map's
# per-character list says.

runs_of = st.lists(
    st.tuples(st.integers(0, 3), st.integers(1, 6), st.integers(1, 3), st.integers(0, 20)),
    max_size=6,
)


def _map_and_origins(pieces) -> tuple[TextMap, list[tuple[int, int] | None]]:
    runs, origins, at = [], [], 0
    for gap, length, source, source_start in pieces:
        origins += [None] * gap + [(source, source_start + i) for i in range(length)]
        runs.append((at + gap, at + gap + length, source, source_start))
        at += gap + length
    return TextMap.from_json(runs), origins  # type: ignore[return-value]


def _origins(text_map: TextMap, length: int) -> list[tuple[int, int] | None]:
    out: list[tuple[int, int] | None] = [None] * length
    for start, end, source, source_start in text_map.runs:
        for i in range(start, end):
            out[i] = (source, source_start + i - start)
    return out


@settings(max_examples=200, deadline=None)
@given(runs_of, st.floats(0, 1), st.floats(0, 1))
def test_a_part_is_the_slice_of_the_origins(pieces, a, b):
    text_map, origins = _map_and_origins(pieces)
    start, end = sorted((round(a * len(origins)), round(b * len(origins))))

    assert _origins(text_map.part(start, end), end - start) == origins[start:end]

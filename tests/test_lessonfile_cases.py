"""Cases that pin down the lesson file format (lessons/library/lessonfile.py,
docs/lesson-format.md) beyond test_lessonfile.py: every error an author can meet, with its
exact line and words, and files that must read back exactly (a byte order mark, Windows line
endings, indented lines, untitled passages). Pure: no database."""

import pytest

from lessons.library.lessonfile import (
    KeyData,
    LessonData,
    LessonFormatError,
    PromptData,
    SegmentData,
    dump_lesson,
    parse_lesson,
)

from .test_lessonfile import VALID

LESSON = VALID  # the practice lesson of the lesson-file tests


def edit(old: str, new: str, source: str = LESSON) -> str:
    assert source.count(old) == 1, old
    return source.replace(old, new)


def line_of(source: str, line: str) -> int:
    return source.split("\n").index(line) + 1


def errors_of(source: str) -> list[tuple[int, str]]:
    with pytest.raises(LessonFormatError) as caught:
        parse_lesson(source)
    return caught.value.errors


# --- reading ---------------------------------------------------------------------------------


def test_it_remembers_the_line_of_every_part_for_later_messages():
    lesson = parse_lesson(LESSON)
    assert lesson.meta_lines == {
        "title": 2,
        "slug": 3,
        "author": 4,
        "date": 5,
        "audience": 6,
        "language": 7,
        "taxonomy": 8,
        "provenance": 9,
    }
    first, second = lesson.segments
    assert (first.line, second.line) == (
        line_of(LESSON, "## Segment: First"),
        line_of(LESSON, "## Segment: Second"),
    )
    assert first.prompts == [
        PromptData(
            "highlight",
            "Highlight the techniques.",
            line_of(LESSON, "- highlight: Highlight the techniques."),
        ),
        PromptData(
            "text", 'Who are "the traitors"?', line_of(LESSON, '- text: Who are "the traitors"?')
        ),
    ]
    text = first.text
    second_traitors = text.index("traitors", text.index("traitors") + 1)
    assert first.key == [
        KeyData(
            "Loaded_Language",
            "glorious leader",
            1,
            "Praise words.",
            4,
            19,
            line_of(LESSON, '- Loaded_Language | "glorious leader" | Praise words.'),
        ),
        KeyData(
            "Name_Calling,Labeling",
            "traitors",
            2,
            "The label again.",
            second_traitors,
            second_traitors + 8,
            line_of(LESSON, '- Name_Calling,Labeling | "traitors" #2 | The label again.'),
        ),
    ]


def test_a_byte_order_mark_at_the_start_is_not_part_of_the_lesson():
    assert parse_lesson("\ufeff" + LESSON) == parse_lesson(LESSON)
    assert dump_lesson(parse_lesson("\ufeff" + LESSON)) == LESSON


def test_windows_line_endings_inside_a_passage_read_as_plain_line_breaks():
    source = edit(
        "Everyone agrees with us. Join them!",
        "Everyone agrees with us.\n\nJoin them!\nNow.",
    )
    windows = parse_lesson(source.replace("\n", "\r\n"))
    assert windows == parse_lesson(source)
    assert windows.segments[1].body == "Everyone agrees with us.\n\nJoin them!\nNow."


@pytest.mark.parametrize("blank", ["\n", "\n\n", "\n  \n\n"])
def test_blank_lines_before_the_front_matter_are_skipped(blank):
    lesson = parse_lesson(blank + LESSON)
    assert lesson.meta == parse_lesson(LESSON).meta
    assert lesson.meta_lines["title"] == blank.count("\n") + 2


def test_a_blank_line_inside_the_front_matter_is_skipped():
    source = edit("language: en\n", "language: en\n\n")
    lesson = parse_lesson(source)
    assert lesson.meta == parse_lesson(LESSON).meta
    assert lesson.meta_lines["taxonomy"] == 9


def test_a_continued_front_matter_value_is_followed_by_more_keys():
    source = edit("author: The Ministry", "author: The\n  Ministry")
    lesson = parse_lesson(source)
    assert lesson.meta["author"] == "The Ministry of Truthiness (fictional)"
    assert lesson.meta["taxonomy"] == "semeval-2020"


def test_a_lesson_without_a_date_has_none():
    assert parse_lesson(edit("date: 2024-05-01\n", "")).date is None


# --- errors, each with its line and its words ------------------------------------------------


def test_the_message_lists_every_problem_by_line():
    error = LessonFormatError([(9, "b"), (3, "a")])
    assert error.errors == [(3, "a"), (9, "b")]
    assert str(error) == "line 3: a\nline 9: b"


@pytest.mark.parametrize("source", ["", "\n\n", "   \n"])
def test_an_empty_file_is_refused_for_want_of_front_matter(source):
    [(_, message)] = errors_of(source)
    assert message == "the file must start with front matter: a line ---"


def test_a_file_that_starts_with_text_is_refused_at_that_line():
    assert errors_of("\n\nHello\n---\n") == [
        (3, "the file must start with front matter: a line ---")
    ]


def test_front_matter_that_is_never_closed_is_refused_with_the_problems_inside_it():
    assert errors_of("---\ntitle: Practice\n") == [
        (3, "the front matter is not closed by a line ---")
    ]
    assert errors_of("---\ncolour: red\ntitle: Practice") == [
        (2, "unknown front-matter line 'colour: red'"),
        (3, "the front matter is not closed by a line ---"),
    ]


def test_a_key_given_twice_is_refused_on_its_second_line():
    source = edit("language: en\n", "language: en\ntitle: Another\n")
    assert errors_of(source) == [(8, "title is given twice")]


def test_each_bad_front_matter_value_has_its_own_words():
    source = edit("slug: practice", "slug: Practice!")
    source = edit("date: 2024-05-01", "date: soon", source)
    source = edit("audience: Citizens of Freedonia\n", "", source)
    assert errors_of(source) == [
        (1, "the front matter has no audience"),
        (3, "slug may use only a-z, 0-9 and single hyphens"),
        (5, "date must be written YYYY-MM-DD"),
    ]


def test_text_before_the_first_section_is_refused():
    source = edit("\n## Introduction", "\nA stray line.\n\n## Introduction")
    assert errors_of(source) == [
        (line_of(source, "A stray line."), "text before the first ## section")
    ]


def test_an_unknown_section_is_refused_and_the_passages_after_it_are_still_read():
    source = edit("## Segment: First", "## Notes: for me\n\nA note.\n\n## Segment: First")
    source = edit('"Everyone agrees with us"', '"Nobody agrees"', source)
    assert errors_of(source) == [
        (
            line_of(source, "## Notes: for me"),
            "unknown section 'Notes: for me': use Introduction or Segment",
        ),
        (
            line_of(
                source,
                '- Bandwagon,Reductio_ad_hitlerum | "Nobody agrees" | Claims everyone agrees.',
            ),
            "the quote 'Nobody agrees' is not in this segment",
        ),
    ]


@pytest.mark.parametrize(
    "move",
    [
        ("## Segment: Second", "## Introduction\n\nAgain.\n\n## Segment: Second"),
        ("## Segment: First", "## Introduction\n\nAgain.\n\n## Segment: First"),
    ],
)
def test_the_introduction_comes_once_and_before_the_passages(move):
    source = edit(*move)
    lines = [n for n, line in enumerate(source.split("\n"), 1) if line == "## Introduction"]
    assert errors_of(source) == [(lines[1], "## Introduction must come once, before the segments")]


def test_an_introduction_after_the_passages_is_refused():
    source = edit("## Introduction\n\nA short *fictional* text for practice.\n\n", "")
    source += "\n## Introduction\n\nLate.\n"
    assert errors_of(source) == [
        (line_of(source, "## Introduction"), "## Introduction must come once, before the segments")
    ]


def test_an_unknown_subsection_is_refused_and_the_key_after_it_is_still_checked():
    source = edit("### Prompts", "### Notes\n\n### Prompts")
    source = edit('"glorious leader"', '"glorious leaders"', source)
    assert errors_of(source) == [
        (line_of(source, "### Notes"), "unknown subsection '### Notes'"),
        (
            line_of(source, '- Loaded_Language | "glorious leaders" | Praise words.'),
            "the quote 'glorious leaders' is not in this segment",
        ),
    ]


def test_a_passage_without_text_is_refused_at_its_heading():
    source = edit("Everyone agrees with us. Join them!\n", "")
    source = edit("- Bandwagon,Reductio_ad_hitlerum", "- Bandwagon", source)
    errors = errors_of(source)
    assert errors[0] == (line_of(source, "## Segment: Second"), "this segment has no text")


def test_every_bad_prompt_is_reported():
    source = edit(
        "- highlight: Highlight the techniques.",
        "- essay: Write.\n- Highlight the techniques.",
    )
    message = "a prompt is written '- highlight: ...', '- text: ...' or '- choose: ...'"
    assert errors_of(source) == [
        (line_of(source, "- essay: Write."), message),
        (line_of(source, "- Highlight the techniques."), message),
    ]


def test_a_line_that_is_not_a_list_item_is_refused_not_joined_to_the_item_before():
    source = edit(
        '- text: Who are "the traitors"?',
        '- text: Who are "the traitors"?\nchoose: Which techniques?',
    )
    assert errors_of(source) == [
        (
            line_of(source, "choose: Which techniques?"),
            "a prompt is written '- highlight: ...', '- text: ...' or '- choose: ...'",
        )
    ]


KEY_LINE_MESSAGE = 'a key line is written - TECHNIQUE | "quoted words" | why'


def test_every_bad_key_line_is_reported():
    source = edit(
        '- Loaded_Language | "glorious leader" | Praise words.',
        "- Loaded_Language glorious leader\n- Doubt | says |",
    )
    assert errors_of(source) == [
        (line_of(source, "- Loaded_Language glorious leader"), KEY_LINE_MESSAGE),
        (line_of(source, "- Doubt | says |"), KEY_LINE_MESSAGE),
    ]


def test_a_key_line_without_its_dash_is_a_bad_key_line():
    bad = 'Loaded_Language | "glorious leader" | Praise words.'
    source = edit(f"- {bad}", bad)
    assert errors_of(source) == [(line_of(source, bad), KEY_LINE_MESSAGE)]


def test_a_bad_key_line_that_continues_is_reported_on_its_first_line():
    source = edit(
        '- Loaded_Language | "glorious leader" | Praise words.',
        "- Loaded_Language glorious\n  leader",
    )
    assert errors_of(source) == [(line_of(source, "- Loaded_Language glorious"), KEY_LINE_MESSAGE)]


@pytest.mark.parametrize("quote", ["glorious leader;", ":glorious leader", ""])
def test_a_quote_with_a_space_or_punctuation_at_an_end_is_refused_in_those_words(quote):
    bad = f'- Loaded_Language | "{quote}" | Praise words.'
    source = edit('- Loaded_Language | "glorious leader" | Praise words.', bad)
    assert errors_of(source) == [
        (line_of(source, bad), "a quote must not start or end with a space or . , : ;")
    ]


def test_the_missing_sections_are_named():
    source = LESSON[: LESSON.index("## Introduction")]
    assert errors_of(source) == [
        (10, "the lesson has no ## Introduction"),  # the line that closes the front matter
        (len(source.split("\n")), "the lesson has no ## Segment"),  # the end of the file
    ]


# --- writing ---------------------------------------------------------------------------------


def test_untitled_passages_and_indented_lines_read_back_exactly():
    source = edit("## Segment: First", "## Segment")
    source = edit(
        "Everyone agrees with us. Join them!",
        "Everyone agrees with us.\n\n- Join them!\n  - Today\n\n      and always",
        source,
    )
    lesson = parse_lesson(source)
    assert [segment.title for segment in lesson.segments] == ["", "Second"]
    assert dump_lesson(lesson) == source
    assert parse_lesson(dump_lesson(lesson)) == lesson


def test_a_lesson_written_with_nothing_optional_reads_back_exactly():
    lesson = LessonData(
        meta={
            "title": "T",
            "slug": "t",
            "author": "A",
            "audience": "B",
            "language": "en",
            "taxonomy": "ipa-1937",
            "provenance": "P",
        },
        introduction="Read this.",
        segments=[
            SegmentData(
                title="",
                body="Words, words.",
                key=[
                    KeyData("Name_Calling", "Words", 1, "", 0, 5),
                    KeyData("Transfer", "words", 1, "", 7, 12),
                ],
            )
        ],
    )
    written = dump_lesson(lesson)
    assert written == (
        "---\ntitle: T\nslug: t\nauthor: A\naudience: B\nlanguage: en\ntaxonomy: ipa-1937\n"
        "provenance: P\n---\n\n## Introduction\n\nRead this.\n\n## Segment\n\nWords, words.\n\n"
        '### Key\n\n- Name_Calling | "Words" |\n- Transfer | "words" |\n'
    )
    again = parse_lesson(written)
    assert [(k.quote, k.start, k.explanation) for k in again.segments[0].key] == [
        ("Words", 0, ""),
        ("words", 7, ""),
    ]


def test_a_required_value_that_is_missing_is_written_empty_and_reads_back_as_missing():
    lesson = parse_lesson(LESSON)
    del lesson.meta["author"]
    del lesson.meta["date"]
    written = dump_lesson(lesson)
    assert "\nauthor: \n" in written
    assert "date:" not in written
    assert errors_of(written) == [(1, "the front matter has no author")]


def test_a_nul_character_is_reported_on_its_line_and_nothing_is_read():
    source = edit("Join them!", "Join\x00 them!")

    with pytest.raises(LessonFormatError) as error:
        parse_lesson(source)

    line = source.split("\n").index("Everyone agrees with us. Join\x00 them!") + 1
    assert error.value.errors == [(line, "a NUL character (U+0000) cannot be stored: remove it")]


# --- a draft's file ----------------------------------------------------------------------------

# A draft as Lens exports it before its author wrote who wrote the text, for whom, its
# provenance and introduction, or the text of its second passage.
DRAFT = """---
title: Practice
slug: practice
author:
audience:
language: en
taxonomy: semeval-2020
provenance:
---

## Introduction



## Segment: First

Our glorious leader says the traitors will fail.

### Key

- Loaded_Language | "glorious leader" |

## Segment: Second



### Prompts

- text: What is missing here?
"""
PUBLISHING_NEEDS = [
    (1, "the front matter has no audience"),
    (1, "the front matter has no author"),
    (1, "the front matter has no provenance"),
    (9, "the lesson has no ## Introduction"),  # the line that closes the front matter
    (line_of(DRAFT, "## Segment: Second"), "this segment has no text"),
]


def test_a_drafts_file_reads_as_a_draft_listing_what_publishing_needs():
    assert errors_of(DRAFT) == PUBLISHING_NEEDS  # as a lesson to publish: refused
    lesson = parse_lesson(DRAFT, draft=True)
    assert lesson.missing == PUBLISHING_NEEDS
    assert (lesson.meta["author"], lesson.meta["audience"], lesson.meta["provenance"]) == (
        "",
        "",
        "",
    )
    assert lesson.introduction == ""
    assert [(s.title, s.body) for s in lesson.segments] == [
        ("First", "Our glorious leader says the traitors will fail."),
        ("Second", ""),
    ]
    assert [(k.quote, k.start, k.end) for k in lesson.segments[0].key] == [
        ("glorious leader", 4, 19)
    ]
    assert lesson.segments[1].prompts == [
        PromptData("text", "What is missing here?", line_of(DRAFT, "- text: What is missing here?"))
    ]
    # It writes back as it was (an empty value after "key: "), still a draft.
    assert dump_lesson(lesson) == DRAFT.replace(":\n", ": \n")
    assert parse_lesson(dump_lesson(lesson), draft=True).missing == PUBLISHING_NEEDS


def test_a_complete_file_read_as_a_draft_lacks_nothing():
    assert parse_lesson(LESSON, draft=True) == parse_lesson(LESSON)
    assert parse_lesson(LESSON, draft=True).missing == []


def test_a_draft_without_sections_or_front_matter_keys_is_a_draft_too():
    source = LESSON[: LESSON.index("## Introduction")]
    source = edit("provenance: Written for Lens tests.\n", "", source)
    lesson = parse_lesson(source, draft=True)
    assert (lesson.introduction, lesson.segments) == ("", [])
    assert lesson.missing == [
        (1, "the front matter has no provenance"),
        (9, "the lesson has no ## Introduction"),  # the line that closes the front matter
        (len(source.split("\n")), "the lesson has no ## Segment"),  # the end of the file
    ]
    assert "provenance" not in lesson.meta


@pytest.mark.parametrize("key", ["title", "slug", "language", "taxonomy"])
def test_a_draft_still_needs_its_title_slug_language_and_taxonomy(key):
    line = next(line for line in DRAFT.split("\n") if line.startswith(f"{key}:"))
    source = edit(f"{line}\n", "", DRAFT)
    with pytest.raises(LessonFormatError) as caught:
        parse_lesson(source, draft=True)
    assert caught.value.errors == [(1, f"the front matter has no {key}")]


def test_a_draft_still_refuses_what_is_wrong_rather_than_missing():
    source = edit('"glorious leader" |', '"glorious leaders" |', DRAFT)
    source = edit("slug: practice", "slug: Practice!", source)
    with pytest.raises(LessonFormatError) as caught:
        parse_lesson(source, draft=True)
    assert caught.value.errors == [
        (3, "slug may use only a-z, 0-9 and single hyphens"),
        (
            line_of(source, '- Loaded_Language | "glorious leaders" |'),
            "the quote 'glorious leaders' is not in this segment",
        ),
    ]

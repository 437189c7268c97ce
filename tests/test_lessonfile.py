from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from lessons.library.lessonfile import LessonFormatError, dump_lesson, parse_lesson
from lessons.library.models import KeySpan, Lesson, Prompt, Segment
from lessons.library.services import lesson_import, lesson_to_data

from . import factories

AGREES = "Everyone \N{MATHEMATICAL SCRIPT CAPITAL A}gree\N{MATHEMATICAL SCRIPT SMALL S} with us"
SEED_SOURCE = factories.SEED_LESSON.read_text("utf-8")

VALID = """---
title: Practice
slug: practice
author: The Ministry of Truthiness (fictional)
date: 2024-05-01
audience: Citizens of Freedonia
language: en
taxonomy: semeval-2020
provenance: Written for Lens tests.
---

## Introduction

A short *fictional* text for practice.

## Segment: First

Our glorious leader says the **traitors** will fail. The traitors always fail.

### Prompts

- highlight: Highlight the techniques.
- text: Who are "the traitors"?

### Key

- Loaded_Language | "glorious leader" | Praise words.
- Name_Calling,Labeling | "traitors" #2 | The label again.

## Segment: Second

Everyone agrees with us. Join them!

### Key

- Bandwagon,Reductio_ad_hitlerum | "Everyone agrees with us" | Claims everyone agrees.
"""


BANDWAGON_KEY = (
    '- Bandwagon,Reductio_ad_hitlerum | "Everyone agrees with us" | Claims everyone agrees.'
)


def edit(old: str, new: str, source: str = VALID) -> str:
    assert source.count(old) == 1, old
    return source.replace(old, new)


def line_of(source: str, line: str) -> int:
    return source.split("\n").index(line) + 1


def errors_of(source: str) -> list[tuple[int, str]]:
    with pytest.raises(LessonFormatError) as caught:
        parse_lesson(source)
    return caught.value.errors


def only_error(source: str) -> tuple[int, str]:
    errors = errors_of(source)
    assert len(errors) == 1, errors
    return errors[0]


def counts() -> tuple[int, int, int, int]:
    return (
        Lesson.objects.count(),
        Segment.objects.count(),
        Prompt.objects.count(),
        KeySpan.objects.count(),
    )


# Parsing -------------------------------------------------------------------------------


def test_it_parses_the_seed_lesson():
    lesson = parse_lesson(SEED_SOURCE)
    keys = [key for segment in lesson.segments for key in segment.key]
    assert lesson.meta["slug"] == "solidarity-resolution-2017"
    assert lesson.meta["taxonomy"] == "semeval-2020"
    assert len(lesson.segments) == 20
    assert len(keys) >= 40
    assert len({key.technique for key in keys}) >= 10
    for segment in lesson.segments:
        for key in segment.key:
            assert key.end > key.start
            assert segment.text[key.start : key.end] == key.quote


def test_it_finds_quotes_in_the_rendered_text_not_the_markdown():
    segment = parse_lesson(SEED_SOURCE).segments[0]
    assert "**" not in segment.text
    key = next(key for key in segment.key if key.technique == "Appeal_to_Authority")
    assert key.quote.endswith("His Excellency Kim Jong Un at the Seventh Congress of the WPK")

    source = edit('"glorious leader"', '"says the **traitors**"')
    line, message = only_error(source)
    assert line == line_of(source, '- Loaded_Language | "says the **traitors**" | Praise words.')
    assert "not in this segment" in message


def test_an_occurrence_number_picks_the_nth_occurrence():
    segment = parse_lesson(VALID).segments[0]
    text = segment.text
    second = text.index("traitors", text.index("traitors") + 1)
    key = segment.key[1]
    assert (key.start, key.end) == (second, second + len("traitors"))
    assert key.occurrence == 2


def test_it_reads_the_front_matter_prompts_and_continuation_lines():
    source = edit(
        "provenance: Written for Lens tests.",
        "provenance: Written for\n  Lens tests.",
    )
    source = edit(
        '- text: Who are "the traitors"?',
        '- text: Who are\n  "the traitors"?',
        source,
    )
    source = edit(
        '- Loaded_Language | "glorious leader" |',
        '- Loaded_Language |\n  "glorious leader" |',
        source,
    )
    lesson = parse_lesson(source)
    assert lesson.meta["provenance"] == "Written for Lens tests."
    assert str(lesson.date) == "2024-05-01"
    assert [(p.kind, p.text) for p in lesson.segments[0].prompts] == [
        ("highlight", "Highlight the techniques."),
        ("text", 'Who are "the traitors"?'),
    ]
    assert lesson.segments[0].key[0].quote == "glorious leader"
    assert [segment.title for segment in lesson.segments] == ["First", "Second"]


def test_a_file_with_windows_line_endings_parses_like_the_original():
    assert parse_lesson(VALID.replace("\n", "\r\n")) == parse_lesson(VALID)


# Errors --------------------------------------------------------------------------------


def test_it_reports_a_missing_title_on_the_first_line():
    line, message = only_error(edit("title: Practice\n", ""))
    assert line == 1
    assert "no title" in message


def test_it_reports_an_unknown_front_matter_key_with_its_line():
    source = edit("language: en\n", "language: en\ncolour: red\n")
    line, message = only_error(source)
    assert line == line_of(source, "colour: red") == 8
    assert "colour" in message


@pytest.mark.parametrize("date", ["1 May 2024", "2024-02-30", "2024/05/01", "24-05-01"])
def test_it_reports_a_bad_date_with_its_line(date):
    line, message = only_error(edit("date: 2024-05-01", f"date: {date}"))
    assert line == 5
    assert "YYYY-MM-DD" in message


@pytest.mark.parametrize("slug", ["Practice", "practice--one", "-practice", "prac_tice", "a b"])
def test_it_reports_a_bad_slug_with_its_line(slug):
    line, message = only_error(edit("slug: practice", f"slug: {slug}"))
    assert line == 3
    assert "slug" in message


def test_it_reports_a_lesson_without_introduction():
    source = edit("## Introduction\n\nA short *fictional* text for practice.\n\n", "")
    line, message = only_error(source)
    assert line == 10  # the line that closes the front matter
    assert "no ## Introduction" in message


def test_it_reports_a_lesson_without_segments_at_the_end_of_the_file():
    source = VALID[: VALID.index("## Segment: First")]
    line, message = only_error(source)
    assert line in (source.count("\n"), source.count("\n") + 1)
    assert "no ## Segment" in message


@pytest.mark.parametrize("between", ["\n", "\n### Prompts\n\n- text: Anything?\n\n"])
def test_it_reports_an_empty_segment_with_its_heading_line(between):
    source = edit("## Segment: Second\n", f"## Segment: Empty\n{between}## Segment: Second\n")
    line, message = only_error(source)
    assert line == line_of(source, "## Segment: Empty")
    assert "no text" in message


def test_it_reports_a_bad_prompt_kind_with_its_line():
    source = edit("- text: Who are", "- essay: Who are")
    line, message = only_error(source)
    assert line == line_of(source, '- essay: Who are "the traitors"?')
    assert "highlight" in message


@pytest.mark.parametrize(
    "bad",
    [
        "- Loaded_Language glorious leader",
        '- Loaded_Language | "glorious leader"',
        "- Loaded_Language | glorious leader | Praise words.",
        "Loaded_Language glorious leader",
    ],
)
def test_it_reports_a_bad_key_line_with_its_line(bad):
    source = edit('- Loaded_Language | "glorious leader" | Praise words.', bad)
    line, message = only_error(source)
    assert line == line_of(source, bad)
    assert "key line" in message


def test_it_reports_a_quote_not_in_its_segment_with_its_line():
    bad = '- Bandwagon,Reductio_ad_hitlerum | "Join them" | Only in the second segment.'
    source = edit("- Name_Calling,Labeling |", f"{bad}\n- Name_Calling,Labeling |")
    line, message = only_error(source)
    assert line == line_of(source, bad)
    assert "'Join them' is not in this segment" in message


def test_it_reports_an_occurrence_beyond_the_last_with_its_line():
    source = edit('"traitors" #2', '"traitors" #3')
    line, message = only_error(source)
    assert line == line_of(source, '- Name_Calling,Labeling | "traitors" #3 | The label again.')
    assert "occurs only 2 time(s)" in message


@pytest.mark.parametrize(
    "quote", [" glorious leader", "glorious leader ", "glorious leader.", ",glorious leader"]
)
def test_it_reports_a_quote_with_space_or_punctuation_at_an_end(quote):
    bad = f'- Loaded_Language | "{quote}" | Praise words.'
    source = edit('- Loaded_Language | "glorious leader" | Praise words.', bad)
    line, message = only_error(source)
    assert line == line_of(source, bad)
    assert "must not start or end" in message


def test_it_reports_several_errors_at_once_in_line_order():
    source = edit("date: 2024-05-01", "date: soon")
    source = edit("slug: practice", "slug: Practice!", source)
    source = edit("- text: Who are", "- essay: Who are", source)
    source = edit('"traitors" #2', '"traitors" #3', source)
    source = edit('"Everyone agrees with us"', '"Nobody agrees"', source)
    with pytest.raises(LessonFormatError) as caught:
        parse_lesson(source)
    lines = [line for line, _ in caught.value.errors]
    expected = [
        3,
        5,
        line_of(source, '- essay: Who are "the traitors"?'),
        line_of(source, '- Name_Calling,Labeling | "traitors" #3 | The label again.'),
        line_of(
            source, '- Bandwagon,Reductio_ad_hitlerum | "Nobody agrees" | Claims everyone agrees.'
        ),
    ]
    assert lines == expected
    for line in expected:
        assert f"line {line}: " in str(caught.value)


def test_it_reports_a_file_without_front_matter():
    line, message = only_error(VALID[VALID.index("## Introduction") :])
    assert line == 1
    assert "front matter" in message


# Writing -------------------------------------------------------------------------------


def test_dump_writes_the_seed_lesson_back_byte_for_byte():
    lesson = parse_lesson(SEED_SOURCE)
    assert dump_lesson(lesson) == SEED_SOURCE
    assert parse_lesson(dump_lesson(lesson)) == lesson


def test_dump_round_trips_occurrences_and_characters_outside_the_bmp():
    source = factories.SMALL_LESSON.format(title="Practice", slug="practice")
    lesson = parse_lesson(source)
    assert dump_lesson(lesson) == source
    assert '"traitors" #2' in dump_lesson(lesson)
    assert parse_lesson(dump_lesson(lesson)) == lesson


def test_dump_joins_continuation_lines_without_changing_the_lesson():
    source = edit("provenance: Written for Lens tests.", "provenance: Written for\n  Lens tests.")
    source = edit(
        '- Loaded_Language | "glorious leader" |',
        '- Loaded_Language |\n  "glorious leader" |',
        source,
    )
    lesson = parse_lesson(source)
    again = parse_lesson(dump_lesson(lesson))
    assert again.meta == lesson.meta
    assert [(s.title, s.body) for s in again.segments] == [
        (s.title, s.body) for s in lesson.segments
    ]
    assert [
        (k.technique, k.quote, k.start, k.end, k.explanation) for k in again.segments[0].key
    ] == [(k.technique, k.quote, k.start, k.end, k.explanation) for k in lesson.segments[0].key]


# Importing into the database -----------------------------------------------------------


LESSON_FIELDS = (
    "title", "author", "date", "place", "audience", "source", "language", "level",
    "provenance", "introduction", "introduction_html", "taxonomy_id",
)  # fmt: skip


def lesson_fields(lesson: Lesson) -> dict:
    return {
        "lesson": [getattr(lesson, name) for name in LESSON_FIELDS],
        "segments": [
            {
                "position": segment.position,
                "title": segment.title,
                "body": segment.body,
                "html": segment.body_html,
                "text": segment.text,
                "prompts": [(p.position, p.kind, p.text) for p in segment.prompts.all()],
                "key": [
                    (k.position, k.technique.code, k.start, k.end, k.quote, k.explanation)
                    for k in segment.key_spans.all()
                ],
            }
            for segment in lesson.segments.all()
        ],
    }


def test_a_lesson_survives_import_export_and_reimport(db):
    original = factories.seed_lesson()
    exported = dump_lesson(lesson_to_data(original))
    assert exported == SEED_SOURCE

    copy_source = edit("slug: solidarity-resolution-2017", "slug: solidarity-copy", source=exported)
    copy = lesson_import(data=parse_lesson(copy_source))
    assert copy.pk != original.pk
    assert copy.slug == "solidarity-copy"
    fields = lesson_fields(original)
    assert len(fields["segments"]) == 20
    assert sum(len(s["key"]) for s in fields["segments"]) >= 40
    assert lesson_fields(copy) == fields
    for segment in fields["segments"]:
        for _, _, start, end, quote, _ in segment["key"]:
            assert segment["text"][start:end] == quote


def test_import_stores_offsets_in_code_points(db):
    lesson = factories.make_lesson()
    segment = lesson.segments.get(position=2)
    key = segment.key_spans.get()
    assert segment.text.startswith(AGREES)
    assert (key.start, key.end) == (0, len(AGREES)) == (0, 23)
    first = lesson.segments.get(position=1)
    traitors = [k for k in first.key_spans.all() if k.quote == "traitors"]
    assert [first.text[k.start : k.end] for k in traitors] == ["traitors", "traitors"]
    assert traitors[1].start == first.text.index("traitors", traitors[0].end)


def test_import_refuses_an_unknown_technique_with_the_key_line(db):
    bad = '- Loaded_Lingo | "Everyone agrees with us" | Claims everyone agrees.'
    source = edit(BANDWAGON_KEY, bad)
    before = counts()
    with pytest.raises(LessonFormatError) as caught:
        lesson_import(data=parse_lesson(source))
    [(line, message)] = caught.value.errors
    assert line == line_of(source, bad)
    assert "Loaded_Lingo" in message
    assert counts() == before


def test_import_refuses_a_technique_of_another_taxonomy(db):
    source = edit("taxonomy: semeval-2020", "taxonomy: semeval-2023")
    with pytest.raises(LessonFormatError) as caught:
        lesson_import(data=parse_lesson(source))
    lines = [line for line, _ in caught.value.errors]
    assert lines == [
        line_of(source, '- Name_Calling,Labeling | "traitors" #2 | The label again.'),
        line_of(source, BANDWAGON_KEY),
    ]
    assert not Lesson.objects.exists()


def test_import_refuses_an_unknown_taxonomy(db):
    source = edit("taxonomy: semeval-2020", "taxonomy: semeval-2099")
    before = counts()
    with pytest.raises(LessonFormatError) as caught:
        lesson_import(data=parse_lesson(source))
    [(line, message)] = caught.value.errors
    assert line == 8
    assert "unknown taxonomy" in message
    assert "semeval-2020" in message
    assert counts() == before


def test_import_refuses_a_slug_that_exists_and_imports_nothing(db):
    lesson_import(data=parse_lesson(VALID))
    before = counts()
    with pytest.raises(LessonFormatError) as caught:
        lesson_import(data=parse_lesson(edit("title: Practice", "title: Another")))
    [(line, message)] = caught.value.errors
    assert line == 3
    assert "exists" in message
    assert counts() == before
    assert Lesson.objects.get().title == "Practice"


def test_import_replaces_an_unassigned_lesson_when_asked(db):
    lesson_import(data=parse_lesson(VALID))
    lesson_import(data=parse_lesson(edit("title: Practice", "title: Another")), replace=True)
    assert Lesson.objects.get().title == "Another"
    assert Segment.objects.count() == 2


def test_import_refuses_to_replace_an_assigned_lesson(world):
    lesson = world.assignment.lesson
    source = factories.SMALL_LESSON.format(title="Changed", slug=lesson.slug)
    before = counts()
    with pytest.raises(LessonFormatError, match="assigned"):
        lesson_import(data=parse_lesson(source), replace=True)
    assert counts() == before
    lesson.refresh_from_db()
    assert lesson.title != "Changed"


# Management commands -------------------------------------------------------------------


@pytest.fixture
def seed_file(tmp_path):
    path = tmp_path / "seed.md"
    path.write_text(SEED_SOURCE, encoding="utf-8")
    return path


def seed_key_count() -> int:
    return sum(len(segment.key) for segment in parse_lesson(SEED_SOURCE).segments)


def test_import_lesson_dry_run_saves_nothing_and_prints_the_summary(db, seed_file):
    out = StringIO()
    call_command("import_lesson", str(seed_file), "--dry-run", stdout=out)
    assert counts() == (0, 0, 0, 0)
    output = out.getvalue()
    assert "nothing saved" in output
    assert "solidarity-resolution-2017" in output
    assert "20 segments" in output
    assert f"{seed_key_count()} key spans" in output


def test_import_lesson_imports_the_file(db, seed_file):
    out = StringIO()
    call_command("import_lesson", str(seed_file), stdout=out)
    lesson = Lesson.objects.get()
    assert lesson.slug == "solidarity-resolution-2017"
    assert lesson.segments.count() == 20
    assert KeySpan.objects.count() == seed_key_count()
    assert "Imported solidarity-resolution-2017: 20 segments" in out.getvalue()


def test_import_lesson_reports_a_malformed_file_with_file_and_line(db, tmp_path):
    path = tmp_path / "broken.md"
    source = edit('"traitors" #2', '"traitors" #3', source=edit("date: 2024-05-01", "date: soon"))
    path.write_text(source, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_lesson", str(path), stdout=StringIO())
    message = str(caught.value)
    assert f"{path}:5: date must be written YYYY-MM-DD" in message
    key_line = line_of(source, '- Name_Calling,Labeling | "traitors" #3 | The label again.')
    assert f"{path}:{key_line}: " in message
    assert counts() == (0, 0, 0, 0)


def test_import_lesson_reports_an_unknown_technique_with_file_and_line(db, tmp_path):
    path = tmp_path / "broken.md"
    source = edit("- Loaded_Language |", "- Loaded_Lingo |")
    path.write_text(source, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("import_lesson", str(path), stdout=StringIO())
    line = line_of(source, '- Loaded_Lingo | "glorious leader" | Praise words.')
    assert f"{path}:{line}: unknown technique 'Loaded_Lingo'" in str(caught.value)
    assert counts() == (0, 0, 0, 0)


def test_import_lesson_imports_a_drafts_file_as_a_draft_and_says_what_it_lacks(db, tmp_path):
    path = tmp_path / "draft.md"
    source = edit("provenance: Written for Lens tests.\n", "provenance:\n")
    source = edit("A short *fictional* text for practice.\n", "", source)
    path.write_text(source, encoding="utf-8")
    out = StringIO()

    call_command("import_lesson", str(path), stdout=out)

    lesson = Lesson.objects.get()
    assert (lesson.slug, lesson.is_published, lesson.provenance) == ("practice", False, "")
    assert lesson.segments.count() == 2 and KeySpan.objects.count() == 3
    assert (
        "Imported practice: 2 segments, 2 prompts, 3 key spans, as a draft (publishing needs "
        f"what it lacks: {path}:1: the front matter has no provenance; {path}:10: the lesson "
        "has no ## Introduction)."
    ) in out.getvalue()
    # Exported, it is the same lesson file, a draft's.
    out = StringIO()
    call_command("export_lesson", "practice", stdout=out)
    assert out.getvalue() == dump_lesson(parse_lesson(source, draft=True))
    assert parse_lesson(out.getvalue(), draft=True).missing == [
        (1, "the front matter has no provenance"),
        (10, "the lesson has no ## Introduction"),
    ]


def test_a_draft_is_never_imported_published(db):
    data = parse_lesson(edit("author: The Ministry of Truthiness (fictional)\n", ""), draft=True)
    with pytest.raises(LessonFormatError) as error:
        lesson_import(data=data, is_published=True)
    assert error.value.errors == [(1, "the front matter has no author")]
    assert counts() == (0, 0, 0, 0)
    assert lesson_import(data=data, is_published=False).author == ""


def test_import_lesson_reports_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_lesson", str(tmp_path / "missing.md"), stdout=StringIO())


def test_import_lesson_refuses_the_same_slug_twice(db, seed_file):
    call_command("import_lesson", str(seed_file), stdout=StringIO())
    before = counts()
    with pytest.raises(CommandError) as caught:
        call_command("import_lesson", str(seed_file), stdout=StringIO())
    assert f"{seed_file}:3: " in str(caught.value)
    assert "exists" in str(caught.value)
    assert counts() == before


def test_export_lesson_writes_the_seed_file_back(db, seed_file, tmp_path):
    call_command("import_lesson", str(seed_file), stdout=StringIO())
    out = StringIO()
    call_command("export_lesson", "solidarity-resolution-2017", stdout=out)
    assert out.getvalue() == SEED_SOURCE

    target = tmp_path / "exported.md"
    call_command("export_lesson", "solidarity-resolution-2017", "--output", str(target))
    assert target.read_text(encoding="utf-8") == SEED_SOURCE


def test_export_lesson_reports_an_unknown_slug(db):
    with pytest.raises(CommandError, match="no-such-lesson"):
        call_command("export_lesson", "no-such-lesson", stdout=StringIO())


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("title", 200),
        ("slug", 50),
        ("author", 200),
        ("place", 120),
        ("audience", 300),
        ("source", 300),
        ("language", 10),
        ("level", 60),
    ],
)
def test_import_reports_a_front_matter_value_longer_than_its_column(db, field, limit):
    value = "x" * (limit + 1)
    lines = VALID.split("\n")
    found = [n for n, line in enumerate(lines) if line.startswith(f"{field}:")]
    if found:
        lines[found[0]] = f"{field}: {value}"
    else:
        lines.insert(2, f"{field}: {value}")
    source = "\n".join(lines)
    number = next(n for n, line in enumerate(source.split("\n"), 1) if line.startswith(f"{field}:"))

    with pytest.raises(LessonFormatError) as error:
        lesson_import(data=parse_lesson(source))

    assert (number, f"{field} is longer than {limit} characters") in error.value.errors
    assert not Lesson.objects.filter(title__startswith="x" * 10).exists()


def test_import_reports_a_passage_title_longer_than_its_column(db):
    source = VALID.replace("## Segment: First", "## Segment: " + "T" * 121)
    number = source.split("\n").index("## Segment: " + "T" * 121) + 1

    with pytest.raises(LessonFormatError) as error:
        lesson_import(data=parse_lesson(source))

    assert error.value.errors == [(number, "the passage title is longer than 120 characters")]

"""Importing an annotated research-corpus article (article<ID>.txt and a labels file) as a
lesson whose answer key is the gold labels. The test files in tests/data/corpus are
invented for Lens (a fictional Freedonia), never corpus text."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lessons.library.corpus import (
    ARTICLE,
    LABELS,
    PROMPT,
    CorpusFormatError,
    Label,
    article_id_from_name,
    article_to_lesson,
    corpus_notes,
    corpus_to_lesson,
    markdown_for,
    paragraphs,
    parse_labels,
    readable_groups,
)
from lessons.library.lessonfile import LessonFormatError, dump_lesson, parse_lesson
from lessons.library.models import KeySpan, Lesson, Prompt, Segment
from lessons.library.rendering import plain_text, render_markdown
from lessons.library.services import lesson_import, lesson_to_data

DATA = Path(__file__).resolve().parent / "data" / "corpus"
ARTICLE_FILE = DATA / "article8001.txt"
LABELS_FILE = DATA / "article8001.labels"
BAD_LABELS_FILE = DATA / "article8001-bad.labels"
TEXT = ARTICLE_FILE.read_bytes().decode("utf-8")
LABELS_TEXT = LABELS_FILE.read_bytes().decode("utf-8")
MARKDOWN_LOOKING = ("# not a heading", "1. not a list", "*stars*", "<b>tag</b>", "a & b",
                    "[link](x)")  # fmt: skip


def labels() -> list[Label]:
    return parse_labels(LABELS_TEXT, article_id="8001")


def lesson_data(**options):
    return corpus_to_lesson(TEXT, labels(), slug="canal-8001", **options)


def counts() -> tuple[int, int, int, int]:
    return (
        Lesson.objects.count(),
        Segment.objects.count(),
        Prompt.objects.count(),
        KeySpan.objects.count(),
    )


def problems_of(call) -> list[tuple[str, int, str]]:
    with pytest.raises(CorpusFormatError) as caught:
        call()
    assert isinstance(caught.value, LessonFormatError)
    return caught.value.problems


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# The labels file -----------------------------------------------------------------------


def test_it_reads_the_labels_file():
    found = labels()
    assert len(found) == 18
    assert found[0] == Label("8001", "Name_Calling,Labeling", 567, 602, 1)
    assert [label.line for label in found] == list(range(1, 19))
    assert {label.article_id for label in found} == {"8001"}


def test_the_article_id_comes_from_the_first_label_when_not_given():
    text = "8001\tDoubt\t1\t5\n8001\tSlogans\t2\t6\n"
    assert [label.technique for label in parse_labels(text)] == ["Doubt", "Slogans"]
    assert problems_of(lambda: parse_labels("8001\tDoubt\t1\t5\n8002\tDoubt\t1\t5\n")) == [
        (LABELS, 2, "this label is for article '8002', not '8001'")
    ]


def test_blank_lines_a_byte_order_mark_and_crlf_line_ends_are_accepted():
    text = "\ufeff8001\tDoubt\t1\t5\r\n\r\n   \n8001\tSlogans\t2\t6\r\n"
    assert parse_labels(text, article_id="8001") == [
        Label("8001", "Doubt", 1, 5, 1),
        Label("8001", "Slogans", 2, 6, 4),
    ]


def test_every_bad_label_line_is_reported_with_its_line_number():
    text = BAD_LABELS_FILE.read_bytes().decode("utf-8")
    problems = problems_of(lambda: parse_labels(text, article_id="8001"))
    assert {file for file, _, _ in problems} == {LABELS}
    assert [(line, message) for _, line, message in problems] == [
        (2, "a label is 4 fields separated by tabs: article ID, technique, start, end; "
            "this line has 3"),
        (4, "the start offset -5 is negative"),
        (5, "the start offset 'ten' is not a whole number (digits 0-9)"),
        (6, "this label is for article '8002', not '8001'"),
        (7, "the technique is missing"),
        (8, "the span 674-640 is empty: the start must be before the end"),
        (9, "a label is 4 fields separated by tabs: article ID, technique, start, end; "
            "this line has 1 (are they separated by spaces, not tabs?)"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("8001\tDoubt\t5\t5", "the span 5-5 is empty"),
        ("8001\tDoubt\t1\t2\t3", "this line has 5"),
        ("8001\tDoubt\t1.5\t7", "the start offset '1.5' is not a whole number"),
        ("8001\tDoubt\t+1\t7", "the start offset '+1' is not a whole number"),
        ("8001\tDoubt\t1\t-7", "the end offset -7 is negative"),
        ("\tDoubt\t1\t7", "the article ID is missing"),
        ("8001\t  \t1\t7", "the technique is missing"),
    ],
)
def test_a_bad_label_is_refused(line, message):
    text = f"8001\tDoubt\t1\t5\n\n{line}\n"
    ((file, number, problem),) = problems_of(lambda: parse_labels(text, article_id="8001"))
    assert (file, number) == (LABELS, 3)
    assert message in problem


def test_the_article_id_is_read_from_the_file_name():
    assert article_id_from_name("article8001.txt") == "8001"
    assert article_id_from_name("article111111112.txt") == "111111112"
    assert article_id_from_name("freedonia.txt") is None


# The article as a lesson ---------------------------------------------------------------


def test_each_paragraph_becomes_a_segment_whose_text_is_the_paragraph_exactly():
    data = lesson_data()
    found = paragraphs(TEXT)
    assert len(data.segments) == len(found) == 6
    for segment, paragraph in zip(data.segments, found, strict=True):
        assert segment.text == TEXT[paragraph.start : paragraph.end]
        assert [(p.kind, p.text) for p in segment.prompts] == [("highlight", PROMPT)]
    # Single line breaks inside a paragraph are kept (and shown as line breaks).
    assert "\n" in data.segments[1].text
    assert "<br>" in data.segments[1].html
    assert [paragraph.line for paragraph in found] == [1, 3, 6, 8, 10, 12]


def test_the_first_line_is_the_title_and_stays_the_first_segment():
    data = lesson_data()
    assert data.meta["title"] == "Freedonia Rejoices as the Grand Canal Opens \N{PARTY POPPER}"
    assert data.segments[0].text == data.meta["title"]
    assert data.segments[0].key[0].quote == "Freedonia Rejoices"
    assert lesson_data(title="The Canal").meta["title"] == "The Canal"
    assert data.meta["taxonomy"] == "semeval-2020"
    assert "8001" in data.meta["provenance"]


def test_offsets_count_code_points_with_emoji_and_non_bmp_letters_before_spans():
    data = lesson_data()
    starts = [paragraph.start for paragraph in paragraphs(TEXT)]
    keys = {
        k.line: (segment, starts[n], k)
        for n, segment in enumerate(data.segments)
        for k in segment.key
    }
    assert len(keys) == 18
    for label in labels():
        segment, base, key = keys[label.line]
        assert key.quote == TEXT[label.start : label.end]
        assert (base + key.start, base + key.end) == (label.start, label.end)
        assert segment.text[key.start : key.end] == key.quote
        assert key.technique == label.technique
        assert key.explanation == ""
    # The labels after the emoji and the mathematical letters would be misplaced if the
    # offsets were counted in UTF-16 (as JavaScript does) or in bytes.
    traitor = next(label for label in labels() if TEXT[label.start : label.end] == "traitor")
    assert utf16_length(TEXT[: traitor.start]) > traitor.start
    assert len(TEXT[: traitor.start].encode()) > traitor.start
    slogan = next(label for label in labels() if label.line == 12)
    assert TEXT[slogan.start : slogan.end] == "Freedonia first"
    assert utf16_length(TEXT[: slogan.start]) - slogan.start == 5  # three emoji, two script letters


def test_overlapping_spans_and_one_span_with_two_techniques_are_kept():
    data = lesson_data()
    gloomy = [k.technique for k in data.segments[3].key if k.quote.startswith("gloomy")]
    assert gloomy == ["Name_Calling,Labeling", "Loaded_Language"]
    slogans = data.segments[4].key
    assert [(k.technique, k.quote) for k in slogans] == [
        ("Slogans", "Freedonia first! Freedonia forever"),
        ("Repetition", "Freedonia forever! Freedonia first"),
        ("Slogans", "Freedonia first"),
    ]
    assert slogans[0].end > slogans[1].start  # they overlap
    assert slogans[2].occurrence == 2  # the second "Freedonia first" of the segment


def test_key_spans_are_ordered_by_position_in_the_segment():
    for segment in lesson_data().segments:
        assert segment.key == sorted(segment.key, key=lambda k: (k.start, k.end, k.line))


SEED_TEXT = Path(__file__).resolve().parents[2] / "shared/seed/000_0683d6f1663f97ad.txt"


def _single_line_article() -> str:
    """The seed text as most corpus articles are written: the title, a blank line, then one
    paragraph per line (about 800 words in 22 lines)."""
    title, *rest = [p for p in SEED_TEXT.read_text("utf-8").split("\n\n") if p.strip()]
    return f"{title}\n\n" + "\n".join(rest) + "\n"


def _passage_starts(article: str, data) -> list[int]:
    """Where each segment's text is in the article (each is a stretch of it, in order)."""
    starts, at = [], 0
    for segment in data.segments:
        at = article.index(segment.text, at)
        starts.append(at)
        at += len(segment.text)
    return starts


def test_an_article_of_single_line_paragraphs_is_cut_into_readable_passages():
    article = _single_line_article()
    phrases = ["world-startling miracles", "chief culprit", "Kim Jong Un", "Korean people"]
    spans = [
        Label("1", "Loaded_Language", start, start + len(phrase), n)
        for n, phrase in enumerate(phrases, start=1)
        for start in [article.index(phrase)]
    ]
    data = corpus_to_lesson(article, spans, slug="resolution")
    counts = [len(segment.text.split()) for segment in data.segments]
    # The title stays the first passage (a blank line follows it); the ~800 words after it
    # are cut between lines into passages of 80 to 250 words.
    assert data.segments[0].text == "Resolution"
    assert len(data.segments) > 3
    assert all(80 <= count <= 250 for count in counts[1:]), counts
    starts = _passage_starts(article, data)
    lines = article.split("\n")
    for segment, start in zip(data.segments, starts, strict=True):
        # Whole lines, each a paragraph of the passage.
        assert article[start - 1] == "\n" and article[start + len(segment.text)] == "\n"
        assert segment.html.count("<p>") == segment.text.count("\n") + 1
        assert all(line in lines for line in segment.text.split("\n"))
    assert "\n".join(s.text for s in data.segments[1:]) == "\n".join(lines[2:]).rstrip("\n")
    # Every label lands on the same words of the article.
    keys = [
        (start, key)
        for segment, start in zip(data.segments, starts, strict=True)
        for key in segment.key
    ]
    assert len(keys) == len(spans)
    for label in spans:
        start, key = next((st, k) for st, k in keys if k.line == label.line)
        assert key.quote == article[label.start : label.end]
        assert (start + key.start, start + key.end) == (label.start, label.end)


def test_a_passage_is_never_cut_inside_a_label():
    article = _single_line_article()
    free = corpus_to_lesson(article, [], slug="resolution")
    starts = _passage_starts(article, free)
    # A label across the line break where the second passage ends.
    cut = starts[2] - 1
    across = Label("1", "Doubt", cut - 10, cut + 10, 7)
    data = corpus_to_lesson(article, [across], slug="resolution")
    ((segment, start),) = [
        (s, st)
        for s, st in zip(data.segments, _passage_starts(article, data), strict=True)
        if s.key
    ]
    (key,) = segment.key
    assert key.quote == article[across.start : across.end] and "\n" in key.quote
    assert (start + key.start, start + key.end) == (across.start, across.end)
    assert _passage_starts(article, data) != starts


def test_a_line_longer_than_a_passage_is_cut_between_sentences():
    sentences = [f"Sentence {n} of the one long line says five more words." for n in range(60)]
    article = "Title\n\n" + " ".join(sentences) + "\n"
    on = article.index("Sentence 31 of")
    data = corpus_to_lesson(article, [Label("1", "Doubt", on, on + 11, 1)], slug="long-line")
    texts = [segment.text for segment in data.segments[1:]]
    assert len(texts) > 2
    assert all(80 <= len(text.split()) <= 250 for text in texts)
    assert all(t.startswith("Sentence") and t.endswith("words.") for t in texts)
    assert " ".join(texts) == " ".join(sentences)
    ((segment, start),) = [
        (s, st)
        for s, st in zip(data.segments, _passage_starts(article, data), strict=True)
        if s.key
    ]
    assert article[start + segment.key[0].start : start + segment.key[0].end] == "Sentence 31"


def test_readable_groups_never_start_a_group_at_a_joined_piece():
    assert readable_groups([100, 100, 100]) == [range(0, 2), range(2, 3)]
    assert readable_groups([100, 100, 100], joined={1}) == [range(0, 2), range(2, 3)]
    assert readable_groups([100, 100, 100], joined={2}) == [range(0, 1), range(1, 3)]
    assert readable_groups([100, 100, 100], joined={1, 2}) == [range(0, 3)]
    assert readable_groups([100, 300, 100]) == [range(0, 1), range(1, 2), range(2, 3)]
    assert readable_groups([30, 30]) == [range(0, 2)]
    assert readable_groups([]) == []


def test_markdown_looking_text_is_shown_literally():
    segment = lesson_data().segments[5]
    paragraph = paragraphs(TEXT)[5]
    assert segment.text == TEXT[paragraph.start : paragraph.end]
    for literal in MARKDOWN_LOOKING:
        assert literal in segment.text
    html = segment.html
    for tag in ("<h", "<ol", "<ul", "<em", "<b>", "<a ", "<pre", "<blockquote", "<hr", "<code"):
        assert tag not in html
    assert [k.quote for k in segment.key] == [
        "# not a heading", "*stars*", "<b>tag</b>", "a & b", "[link](x)", "the end"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "# not a heading",
        "## not a heading either\n### nor this",
        "1. not a list",
        "1986. A good year.",
        "2) not a list",
        "- not a list\n+ nor this\n* nor this",
        "***",
        "___",
        "- - -",
        "A title\n===",
        "A title\n---",
        "    not code",
        "\tnot code either",
        "trailing spaces  \nare not a line break  ",
        "> not a quote",
        "<b>tag</b> <script>alert(1)</script> <!-- no comment -->",
        "<http://example.org> and https://example.org",
        "a & b, &amp; and &#32; and &copy;",
        "*stars* and **bold** and _under_ and __score__ and snake_case",
        "[link](x) and ![image](y) and [ref][1]\n[1]: http://example.org",
        "`ticks` and ```fences```\n~~~",
        "back\\slash \\* \\_ \\\\",
        "{braces} (parens) a.b! a|b|c\n| a | b |\n| - | - |",
        "emoji \N{GRINNING FACE} and \N{MATHEMATICAL SCRIPT CAPITAL A} and e\u0301 and \u00a0",
    ],
)
def test_markdown_for_gives_back_exactly_the_text(text):
    body = markdown_for(text)
    assert body is not None
    assert plain_text(render_markdown(body)) == text


def test_a_paragraph_that_cannot_be_shown_exactly_is_refused_with_its_line():
    article = "A title\n\nWindows line ends\r\nhere.\n\nAnd a NUL \x00 here.\n"
    assert markdown_for("Windows\r\nline") is None
    problems = problems_of(lambda: corpus_to_lesson(article, [], slug="x"))
    assert [(file, line) for file, line, _ in problems] == [(ARTICLE, 3), (ARTICLE, 6)]
    assert "carriage returns" in problems[0][2]
    assert "U+0000" in problems[1][2]


def test_a_span_crossing_a_paragraph_break_is_refused_with_its_line():
    end = TEXT.index("Minister") + len("Minister")
    bad = [*labels(), Label("8001", "Doubt", TEXT.index("in the land"), end, 40)]
    problems = problems_of(lambda: corpus_to_lesson(TEXT, bad, slug="x"))
    assert problems == [
        (LABELS, 40, f"the span {bad[-1].span} crosses a paragraph break (article lines 3 to 6)")
    ]


def test_a_span_into_the_blank_line_or_only_between_paragraphs_is_refused():
    start = TEXT.index("in the land")
    gap = TEXT.index("\n\nMinister")
    bad = [
        Label("8001", "Doubt", start, gap + 1, 7),  # takes the line break after the paragraph
        Label("8001", "Doubt", gap, gap + 2, 9),  # nothing but the blank line
    ]
    problems = problems_of(lambda: corpus_to_lesson(TEXT, bad, slug="x"))
    assert problems == [
        (LABELS, 7, f"the span {start}-{gap + 1} crosses a paragraph break"),
        (LABELS, 9, f"the span {gap}-{gap + 2} holds only the blank lines between paragraphs"),
    ]


def test_a_span_ending_after_the_article_is_refused_with_its_line():
    bad = [Label("8001", "Doubt", 970, len(TEXT) + 1, 3), Label("8001", "Doubt", 2000, 2001, 5)]
    problems = problems_of(lambda: corpus_to_lesson(TEXT, bad, slug="x"))
    assert [(file, line) for file, line, _ in problems] == [(LABELS, 3), (LABELS, 5)]
    assert f"ends after the end of the article, which has {len(TEXT)} characters" in problems[0][2]
    # The very last character may be labelled.
    last = len(TEXT.rstrip("\n"))
    assert corpus_to_lesson(TEXT, [Label("8001", "Doubt", last - 3, last, 1)], slug="x")


def test_a_repeated_label_is_kept_once_and_noted():
    text = LABELS_TEXT + LABELS_TEXT.split("\n")[1] + "\n"
    repeated = parse_labels(text)
    data = corpus_to_lesson(TEXT, repeated, slug="x")
    assert sum(len(segment.key) for segment in data.segments) == 18
    assert corpus_notes(repeated, data) == [(19, "the same label as line 2; kept once")]


def test_quotes_a_lesson_file_cannot_hold_are_noted():
    article = "Title\n\nOne line\nand the next.\n"
    spans = [Label("1", "Doubt", 11, 19, 1), Label("1", "Doubt", 20, 29, 2)]
    data = corpus_to_lesson(article, spans, slug="x")
    assert [k.quote for k in data.segments[1].key] == ["line\nand", "the next."]
    assert corpus_notes(spans, data) == [
        (1, "the quote crosses a line break, which a lesson file cannot write in a key line"),
        (2, "the quote starts or ends with white space or . , : ; which a lesson file does not "
            "accept in a key line"),
    ]  # fmt: skip


def test_options_are_checked():
    problems = problems_of(lambda: corpus_to_lesson(TEXT, [], slug="Not A Slug", title=" "))
    assert [(file, line) for file, line, _ in problems] == [("", 0), ("", 0)]
    assert problems_of(lambda: corpus_to_lesson("\n \n", [], slug="x")) == [
        ("", 0, "the lesson needs a title"),
        (ARTICLE, 1, "the article has no text"),
    ]


def test_article_to_lesson_reports_both_files_and_unknown_techniques_at_once():
    text = (
        BAD_LABELS_FILE.read_bytes().decode("utf-8").replace("Loaded_Language\t149", "Lingo\t149")
    )
    problems = problems_of(
        lambda: article_to_lesson(
            TEXT, text, slug="x", article_id="8001", techniques={"Loaded_Language", "Slogans"}
        )
    )
    lines = [line for _, line, _ in problems]
    assert lines == [1, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    assert problems[0][2] == "unknown technique 'Lingo' in taxonomy semeval-2020"
    assert "ends after the end of the article" in problems[-2][2]
    assert "crosses a paragraph break" in problems[-1][2]


# Into the database ---------------------------------------------------------------------


def test_the_import_stores_the_gold_labels_as_the_key(db):
    lesson = lesson_import(data=lesson_data())
    assert lesson.taxonomy.slug == "semeval-2020"
    segments = list(lesson.segments.all())
    found = paragraphs(TEXT)
    assert [s.text for s in segments] == [TEXT[p.start : p.end] for p in found]
    stored = set()
    for segment, paragraph in zip(segments, found, strict=True):
        for key in segment.key_spans.select_related("technique"):
            assert segment.text[key.start : key.end] == key.quote
            assert key.explanation == ""
            stored.add((key.technique.code, paragraph.start + key.start, paragraph.start + key.end))
            assert key.quote == TEXT[paragraph.start + key.start : paragraph.start + key.end]
    assert stored == {(label.technique, label.start, label.end) for label in labels()}
    assert KeySpan.objects.count() == 18
    assert Prompt.objects.filter(kind="highlight").count() == 6


def test_an_unknown_technique_is_refused_by_the_import_with_the_label_line(db):
    text = LABELS_TEXT.replace("Doubt\t467", "Doubting\t467")
    data = corpus_to_lesson(TEXT, parse_labels(text), slug="canal-8001")
    with pytest.raises(LessonFormatError) as caught:
        lesson_import(data=data)
    assert caught.value.errors == [(8, "unknown technique 'Doubting' in taxonomy semeval-2020")]
    assert counts() == (0, 0, 0, 0)


def test_the_imported_lesson_exports_with_empty_explanations_for_the_author(db):
    lesson = lesson_import(data=lesson_data())
    exported = dump_lesson(lesson_to_data(lesson))
    assert len(re.findall(r'^- .*"(?: #\d+)? \|$', exported, re.MULTILINE)) == 18
    # The author and audience are still to be written: the file says so when read back.
    with pytest.raises(LessonFormatError) as caught:
        parse_lesson(exported)
    messages = [message for _, message in caught.value.errors]
    assert sorted(messages) == [
        "the front matter has no audience",
        "the front matter has no author",
    ]

    # With them written, the file reads back to the same segments and key offsets, the
    # explanations still empty for the author to fill in.
    data = lesson_to_data(lesson)
    data.meta |= {"author": "The Ministry of Cheerful Information", "audience": "Freedonians"}
    back = parse_lesson(dump_lesson(data))
    assert [s.text for s in back.segments] == [s.text for s in lesson.segments.all()]
    assert [
        (k.technique, k.start, k.end, k.quote, k.explanation) for s in back.segments for k in s.key
    ] == [
        (k.technique.code, k.start, k.end, k.quote, "")
        for k in KeySpan.objects.filter(segment__lesson=lesson).select_related("technique")
    ]


# The management command ----------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command("import_corpus", *map(str, args), stdout=out)
    return out.getvalue()


def command_error(*args) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    return str(caught.value)


def test_import_corpus_imports_the_article(db):
    output = run(ARTICLE_FILE, LABELS_FILE, "--slug", "canal-8001")
    assert (
        output.strip() == "Imported canal-8001: 6 segments, 18 key spans (explanations to write)."
    )
    lesson = Lesson.objects.get(slug="canal-8001")
    assert lesson.title.startswith("Freedonia Rejoices")
    assert KeySpan.objects.filter(segment__lesson=lesson, explanation="").count() == 18


def test_import_corpus_takes_the_options(db):
    run(ARTICLE_FILE, LABELS_FILE, "--slug", "canal", "--title", "The Canal", "--author",
        "The Ministry", "--audience", "Freedonians", "--language", "fr")  # fmt: skip
    lesson = Lesson.objects.get()
    assert (lesson.title, lesson.author, lesson.audience, lesson.language) == (
        "The Canal", "The Ministry", "Freedonians", "fr"
    )  # fmt: skip


def test_import_corpus_dry_run_saves_nothing(db):
    output = run(ARTICLE_FILE, LABELS_FILE, "--slug", "canal-8001", "--dry-run")
    assert output.strip() == (
        "Dry run, nothing saved. Would import canal-8001: 6 segments, 18 key spans "
        "(explanations to write)."
    )
    assert counts() == (0, 0, 0, 0)


def test_import_corpus_lists_every_problem_with_file_and_line(db):
    message = command_error(ARTICLE_FILE, BAD_LABELS_FILE, "--slug", "canal-8001")
    assert message.startswith("nothing imported:\n")
    lines = message.split("\n")[1:]
    assert [re.match(rf"{re.escape(str(BAD_LABELS_FILE))}:(\d+): ", x)[1] for x in lines] == [
        "2", "4", "5", "6", "7", "8", "9", "10", "11"
    ]  # fmt: skip
    assert counts() == (0, 0, 0, 0)


def test_import_corpus_reports_article_problems_with_the_article_line(db, tmp_path):
    article = tmp_path / "article8001.txt"
    article.write_bytes(TEXT.replace("\n", "\r\n").encode())
    message = command_error(article, LABELS_FILE, "--slug", "canal-8001")
    assert f"{article}:1: this paragraph cannot be shown exactly" in message
    assert "carriage returns" in message
    assert counts() == (0, 0, 0, 0)


def test_import_corpus_reports_unknown_techniques_with_the_labels_line(db, tmp_path):
    labels_file = tmp_path / "labels.txt"
    labels_file.write_text(LABELS_TEXT.replace("Doubt\t467", "Doubting\t467"), encoding="utf-8")
    message = command_error(ARTICLE_FILE, labels_file, "--slug", "canal-8001")
    assert f"{labels_file}:8: unknown technique 'Doubting' in taxonomy semeval-2020" in message
    assert counts() == (0, 0, 0, 0)


def test_import_corpus_checks_the_article_id_against_the_file_name(db, tmp_path):
    article = tmp_path / "article9999.txt"
    article.write_text(TEXT, encoding="utf-8")
    message = command_error(article, LABELS_FILE, "--slug", "canal-8001")
    assert f"{LABELS_FILE}:1: this label is for article '8001', not '9999'" in message
    assert counts() == (0, 0, 0, 0)


def test_import_corpus_refuses_a_taken_slug_and_an_unknown_taxonomy(db):
    run(ARTICLE_FILE, LABELS_FILE, "--slug", "canal-8001")
    before = counts()
    message = command_error(ARTICLE_FILE, LABELS_FILE, "--slug", "canal-8001")
    assert "nothing imported:\na lesson with slug 'canal-8001' exists" in message
    message = command_error(ARTICLE_FILE, LABELS_FILE, "--slug", "x", "--taxonomy", "nope")
    assert "unknown taxonomy" in message
    message = command_error(ARTICLE_FILE, LABELS_FILE, "--slug", "Bad Slug")
    assert "the slug 'Bad Slug' may use only a-z, 0-9 and single hyphens" in message
    assert counts() == before
    run(ARTICLE_FILE, LABELS_FILE, "--slug", "canal-8001", "--replace")
    assert counts() == before


def test_import_corpus_notes_repeated_labels(db, tmp_path):
    labels_file = tmp_path / "labels.txt"
    labels_file.write_text(LABELS_TEXT + LABELS_TEXT.split("\n")[0] + "\n", encoding="utf-8")
    output = run(ARTICLE_FILE, labels_file, "--slug", "canal-8001")
    assert f"{labels_file}:19: note: the same label as line 1; kept once" in output
    assert "18 key spans" in output


def test_import_corpus_reports_unreadable_files(db, tmp_path):
    missing = tmp_path / "article1.txt"
    assert "cannot read" in command_error(missing, LABELS_FILE, "--slug", "x")
    latin = tmp_path / "article8001.txt"
    latin.write_bytes("Caf\xe9".encode("latin-1"))
    assert "cannot read" in command_error(latin, LABELS_FILE, "--slug", "x")
    assert counts() == (0, 0, 0, 0)

"""The assertion helpers of tests/html.py say what is wrong and show only what matters."""

import pytest

from .html import assert_in_fragment, assert_not_in_fragment, fragment, select, text

PAGE = """<!doctype html>
<html><head><title>Class A</title></head>
<body>
  <nav><a href="/">Home</a> Sam Student</nav>
  <main id="main">
    <h1>Class   A</h1>
    <section id="roster"><h2>Students (2)</h2>
      <table><tbody>
        <tr><th scope="row">Sam Student</th><td>passage 2 of 2, 2 highlights</td></tr>
        <tr><th scope="row">Hana &amp; Co</th><td>Handed in <q>glorious leader</q></td></tr>
      </tbody></table>
    </section>
  </main>
</body></html>"""


def test_text_is_what_a_reader_sees_in_the_fragment():
    assert text(PAGE, "h1") == "Class A"
    assert text(PAGE, 'tr:has(th:-soup-contains("Hana")) td') == "Handed in glorious leader"
    assert [tag.get_text() for tag in select(PAGE, "tbody th")] == ["Sam Student", "Hana & Co"]


def test_a_fragment_is_the_markup_of_what_matched():
    assert fragment(PAGE, "td q") == "<q>glorious leader</q>"


def test_needles_are_looked_for_in_the_text_or_in_the_markup():
    assert_in_fragment(PAGE, "#roster", "Sam Student", "Hana & Co", "<q>glorious leader</q>")
    assert_not_in_fragment(PAGE, "h1", "Sam Student")


def test_a_failure_shows_the_whole_fragment_and_nothing_else():
    with pytest.raises(AssertionError) as failure:
        assert_in_fragment(PAGE, "#roster tr:last-child", "Sam Student")

    message = str(failure.value)
    assert message.startswith("'Sam Student' is not in '#roster tr:last-child', which is:\n<tr>")
    assert "Handed in <q>glorious leader</q></td></tr>" in message
    assert "<nav>" not in message and "passage 2 of 2" not in message


def test_a_needle_that_should_be_absent_fails_with_the_fragment():
    with pytest.raises(AssertionError, match=r"'Sam' should not be in 'nav', which is:\n<nav>"):
        assert_not_in_fragment(PAGE, "nav", "Sam")


def test_a_selector_that_matches_nothing_fails_showing_the_main_element():
    with pytest.raises(AssertionError) as failure:
        text(PAGE, "#no-such-thing")

    message = str(failure.value)
    assert message.startswith("'#no-such-thing' matched nothing; the page's <main>:\n<main")
    assert "<nav>" not in message and "<title>" not in message


def test_a_selector_that_matches_nothing_is_never_a_pass_for_absent_words():
    with pytest.raises(AssertionError, match="matched nothing"):
        assert_not_in_fragment(PAGE, "#no-such-thing", "Olga")

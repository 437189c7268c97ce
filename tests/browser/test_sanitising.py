"""Sanitising in Chromium: a lesson, students' work and a teacher's comments full of script
injection vectors (tests/data/xss_vectors.txt) are shown on every student and teacher page,
and no script ever runs.

Every text an author, a student or a teacher writes carries vectors: the lesson's title,
author, audience, provenance and the other front matter, its introduction, segment titles and
bodies (Markdown with raw HTML), prompts and key explanations; students' names, highlight
notes and answers; the teacher's class name and review comments. A student then works
through the lesson in the browser (a highlight added through the htmx form, answers saved by
autosave), hands in, the teacher reviews through the htmx review form and releases feedback,
and both read every page.

After each page (and each htmx swap): no dialog opened, nothing logged "XSS-MARKER",
document.title was not set to it, and the DOM holds no event-handler attribute, no
javascript:/data:/vbscript: URL, no htmx attribute the app did not put there, and no element
outside the sanitiser's list inside rendered user content. The page runs with the
Content-Security-Policy bypassed as well as enforced: with it enforced an injected script
would be blocked and the test could not see it run, so the bypassed run tests the sanitiser
alone (the DOM checks hold in both).

The lesson editor comes later: its pages go in `editor_visits` (and its forms can type the
vectors in, as `_student_works_in_the_browser` does for the student's forms).
"""

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lessons.library import services as library_services
from lessons.library.anchoring import locate, occurrences
from lessons.library.lessonfile import KeyData, LessonData, PromptData, SegmentData
from lessons.library.models import KeySpan, Lesson, Prompt
from lessons.work import services as work_services
from lessons.work.models import Assignment
from tests import factories

from .conftest import _open_page, _save_artifacts
from .journeys import audit, log_in
from .support import DESKTOP

pytestmark = pytest.mark.django_db(transaction=True)

VECTORS_FILE = Path(__file__).resolve().parents[1] / "data" / "xss_vectors.txt"
MARKER = "XSS-MARKER"
LITERAL = "{{ 7*7 }}"  # template injection: must show as written
TECHNIQUES = ("Loaded_Language", "Name_Calling,Labeling")
SEGMENTS = 8
STUDENT_PASSWORD = "a-long-password"
TEACHER_PASSWORD = "a-long-teacher-password"


def load_vectors() -> list[str]:
    """The vectors, with \\n and \\t in the file standing for a line break and a tab."""
    vectors = []
    for line in VECTORS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            vectors.append(line.replace("\\n", "\n").replace("\\t", "\t"))
    return vectors


VECTORS = load_vectors()


def one_line(vector: str, limit: int = 10_000) -> str:
    return " ".join(vector.split("\n"))[:limit]


# ---------------------------------------------------------------- what the browser checks

# Rendered user content: Markdown (sanitised) and text written by authors, students, teachers.
USER_CONTENT = ", ".join([
    ".source-text", ".prose", ".note", ".teacher-comment", ".explanation", ".answers",
    ".review-answer", ".review-name", ".provenance", "q", "h1",
])  # fmt: skip
# What may appear inside rendered user content: the sanitiser's tags, the highlight marks and
# labels the app adds, and the app's own markup around text (scores, line breaks, status).
CONTENT_TAGS = [
    "p", "br", "em", "strong", "b", "i", "u", "s", "sub", "sup", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h3", "h4", "h5", "h6", "hr", "abbr", "q", "cite", "small",
    "mark", "span", "dl", "dt", "dd", "h2",
]  # fmt: skip
# The htmx attributes the app itself writes, on the elements it writes them on.
# (The live previews of the lesson editor ride on the Markdown field itself.)
APP_HTMX = {
    "data-hx-headers": ["BODY"],
    "data-hx-get": ["A"],  # a highlight's Change link, its form's Cancel
    "data-hx-post": ["FORM", "TEXTAREA", "BUTTON"],  # BUTTON: a highlight's Remove
    "data-hx-target": ["FORM", "TEXTAREA", "UL"],  # UL: the list of a student's highlights
    "data-hx-swap": ["FORM", "TEXTAREA", "UL"],
    "data-hx-trigger": ["FORM", "TEXTAREA"],
    "data-hx-sync": ["TEXTAREA"],
    "data-hx-swap-oob": ["DIV"],
}

SCAN = """([userContent, contentTags, appHtmx]) => {
    const problems = [];
    const show = (el) => el.outerHTML.slice(0, 160);
    const dangerous = (value) => {
        try {
            const protocol = new URL(value, document.baseURI).protocol;
            return ['javascript:', 'data:', 'vbscript:'].includes(protocol);
        } catch (e) { return false; }
    };
    const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href',
                           'poster', 'background', 'codebase', 'cite', 'lowsrc', 'dynsrc'];
    for (const el of document.querySelectorAll('*')) {
        const inContent = el.parentElement && el.parentElement.closest(userContent);
        for (const attr of el.attributes) {
            const name = attr.name.toLowerCase();
            if (name.startsWith('on')) problems.push(`event handler ${name}: ${show(el)}`);
            if (name === 'srcdoc') problems.push(`srcdoc: ${show(el)}`);
            if (urlAttributes.includes(name) && dangerous(attr.value)) {
                problems.push(`${name} with a script or data URL: ${show(el)}`);
            }
            if (name.startsWith('hx-') || name.startsWith('data-hx-')) {
                const allowed = appHtmx[name] && appHtmx[name].includes(el.tagName) && !inContent;
                if (!allowed) problems.push(`htmx attribute ${name}: ${show(el)}`);
            }
            if (inContent && name === 'style') problems.push(`style in content: ${show(el)}`);
        }
        if (inContent && !contentTags.includes(el.tagName.toLowerCase())) {
            problems.push(`<${el.tagName.toLowerCase()}> in user content: ${show(el)}`);
        }
    }
    for (const script of document.scripts) {
        const path = script.src ? new URL(script.src).pathname : '';
        if (!path.startsWith('/static/')) problems.push(`script: ${show(script)}`);
    }
    const foreign = 'iframe, frame, object, embed, base, svg:not(.bar), math, template, ' +
        'meta[http-equiv], link:not([rel=stylesheet]):not([rel=icon]), style, img, video, audio';
    for (const el of document.querySelectorAll(foreign)) problems.push(`element: ${show(el)}`);
    return problems;
}"""


@dataclass
class Tripwire:
    """Records every dialog (and dismisses it) and every console message of a page."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_dialog(dialog):
            self.dialogs.append(f"{dialog.type}: {dialog.message} at {page.url}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))


def assert_safe(page: Page, tripwire: Tripwire, label: str, *, literal: bool = True) -> None:
    """Nothing ran on the page as it is now, and nothing could."""
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # let onerror/onload/ontoggle/autofocus and htmx "load" fire
    assert not tripwire.dialogs, f"{label}: a script opened a dialog: {tripwire.dialogs}"
    marked = [m for m in tripwire.console if MARKER in m]
    assert not marked, f"{label}: a script logged the marker: {marked}"
    assert page.evaluate("document.title") != MARKER, f"{label}: a script set the title"
    problems = page.evaluate(SCAN, [USER_CONTENT, CONTENT_TAGS, APP_HTMX])
    assert not problems, f"{label} ({page.url}):\n" + "\n".join(f"- {p}" for p in problems)
    assert "/accounts/login/" not in page.url, f"{label}: logged out (an htmx vector ran?)"
    if literal:
        text = page.evaluate("document.documentElement.textContent")
        assert LITERAL in text, f"{label}: {LITERAL!r} is not shown literally"


# ---------------------------------------------------------------- the world full of vectors


@dataclass
class Class:
    teacher: object
    classroom: object
    assignment: Assignment
    lesson: Lesson
    sam: object  # works through the lesson in the browser
    others: list  # did their work before (through the services)


def vector_lesson() -> LessonData:
    """A lesson with every vector in a segment body, and vectors in every other field."""
    plain = itertools.cycle(VECTORS)

    def short(limit: int) -> str:
        return one_line(next(plain), limit)

    meta = {
        "title": f"Sanitising {LITERAL} {{% debug %}} <script>alert(1)</script>",
        "slug": "sanitising-vectors",
        "author": short(200),
        "date": "2024-05-01",
        "place": short(120),
        "audience": short(300),
        "language": "en",
        "level": short(60),
        "taxonomy": "semeval-2020",
        "source": short(300),
        "provenance": f"{short(2000)} {LITERAL}",
    }
    introduction = "\n\n".join(
        [f"Read with care. {LITERAL} and {{% debug %}} show as written.", *VECTORS[::4]]
    )
    per_segment = -(-len(VECTORS) // SEGMENTS)
    segments = []
    for n in range(SEGMENTS):
        chunk = VECTORS[n * per_segment : (n + 1) * per_segment]
        paragraphs = [f"Passage {n + 1} has plain words for the key. {LITERAL}"]
        for i, vector in enumerate(chunk):
            # Alternately a paragraph of its own (raw HTML blocks) and inside a sentence.
            paragraphs.append(vector if i % 2 else f"Some words {vector} and more words.")
        segment = SegmentData(
            title=short(120),
            body="\n\n".join(paragraphs),
            prompts=[
                PromptData("highlight", short(500)),
                PromptData("text", f"{short(500)} {LITERAL}"),
                PromptData("choose", short(500)),
            ],
        )
        text = segment.text
        for code, quote in zip(TECHNIQUES, ("plain words", "for the key"), strict=True):
            start, end = occurrences(text, quote)[0]
            segment.key.append(KeyData(code, quote, 1, short(1000), start, end))
        segments.append(segment)
    return LessonData(meta=meta, introduction=introduction, segments=segments)


def build_class() -> Class:
    short = itertools.cycle(v for v in VECTORS if len(one_line(v)) <= 45)
    teacher = factories.make_teacher(f"T {one_line(next(short))}")
    classroom = factories.make_classroom(teacher, f"Class {LITERAL} {one_line(next(short))}")
    lesson = library_services.lesson_import(data=vector_lesson())
    assignment = factories.make_assignment(
        classroom, lesson, feedback_release=Assignment.Release.MANUAL
    )
    sam = factories.make_student(f"Sam {one_line(next(short))}", classroom)
    notes = itertools.cycle(VECTORS)
    others = []
    for n in range(3):  # enough hand-ins for the class map, with Sam
        student = factories.make_student(f"S{n} {one_line(next(short))}", classroom)
        for position in range(1, SEGMENTS + 1):
            for code, quote in zip(TECHNIQUES, ("plain words", "for the key"), strict=True):
                factories.make_highlight(
                    assignment, student, quote, code, position=position, note=next(notes)
                )
            for prompt in Prompt.objects.filter(segment__lesson=lesson, segment__position=position):
                if prompt.kind == Prompt.Kind.TEXT:
                    factories.make_answer(assignment, student, prompt, next(notes))
                elif prompt.kind == Prompt.Kind.CHOOSE:
                    factories.make_answer(assignment, student, prompt, technique_codes=TECHNIQUES)
        submission = factories.hand_in(assignment, student)
        comments = itertools.cycle(VECTORS[n::3])
        work_services.review_save(
            submission=submission, reviewer=teacher, comment=next(comments), score=3
        )
        for prompt in Prompt.objects.filter(segment__lesson=lesson).exclude(kind="highlight"):
            work_services.review_save(
                submission=submission, reviewer=teacher, comment=next(comments), score=2,
                prompt=prompt,
            )  # fmt: skip
        for key in KeySpan.objects.filter(segment__lesson=lesson):
            work_services.review_save(
                submission=submission, reviewer=teacher, comment=next(comments), score=None,
                key_span=key,
            )  # fmt: skip
        others.append(student)
    return Class(teacher, classroom, assignment, lesson, sam, others)


# ---------------------------------------------------------------- the pages


@dataclass
class Visit:
    label: str
    url: str
    literal: bool = True  # the page shows lesson or class text, so LITERAL must be on it
    axe: bool = False


def student_visits(c: Class) -> list[Visit]:
    a = c.assignment.pk
    return [
        Visit("student home", "/"),
        Visit("student class", f"/classes/{c.classroom.pk}/"),
        Visit("assignment", f"/assignments/{a}/"),
        *(
            Visit(f"segment {n}", f"/assignments/{a}/segments/{n}/", axe=n == 1)
            for n in range(1, SEGMENTS + 1)
        ),
        Visit("feedback", f"/assignments/{a}/feedback/", axe=True),
        Visit("class map", f"/assignments/{a}/class-map/"),
        Visit("technique page", f"/techniques/{c.lesson.taxonomy.slug}/", literal=False),
    ]


def teacher_visits(c: Class) -> list[Visit]:
    a = c.assignment.pk
    prompts = (
        Prompt.objects.filter(segment__lesson=c.lesson)
        .exclude(kind=Prompt.Kind.HIGHLIGHT)  # reviewed through the key spans
        .order_by("segment__position", "pk")
    )
    keys = KeySpan.objects.filter(segment__lesson=c.lesson).order_by("segment__position", "pk")
    visits = [
        Visit("teacher home", "/"),
        Visit("teacher class", f"/classes/{c.classroom.pk}/"),
        Visit("assignment settings", f"/assignments/{a}/settings/"),
        Visit("dashboard", f"/assignments/{a}/dashboard/"),
        Visit("review queue", f"/assignments/{a}/review/"),
        Visit("review queue, blind", f"/assignments/{a}/review/?blind=1"),
    ]
    for student in [c.sam, *c.others]:
        visits.append(
            Visit(f"work of {student.username}", f"/assignments/{a}/students/{student.pk}/")
        )
    for prompt in prompts[:4]:
        url = f"/assignments/{a}/review/prompts/{prompt.pk}/"
        visits += [Visit(f"review {prompt.kind} prompt", url), Visit("blind", f"{url}?blind=1")]
    for key in keys[:2]:
        url = f"/assignments/{a}/review/key/{key.pk}/"
        visits += [Visit("review key span", url), Visit("review key span, blind", f"{url}?blind=1")]
    return visits


def editor_visits(c: Class) -> list[Visit]:
    """The lesson editor's pages, on a draft of the teacher's with the same vectors (in the
    introduction, the passages' titles and bodies, prompts and key explanations): the
    lesson overview, its preview and details, and every passage's editor, whose preview
    pane shows the body rendered as the live preview does."""
    data = vector_lesson()
    data.meta["slug"] = "sanitising-vectors-draft"
    draft = library_services.lesson_import(data=data, created_by=c.teacher, is_published=False)
    base = f"/author/lessons/{draft.pk}"
    return [
        Visit("author lesson", f"{base}/", axe=True),
        Visit("author lesson preview", f"{base}/?preview=1"),
        Visit("author details", f"{base}/details/", axe=True),
        *(
            Visit(f"passage editor {n}", f"{base}/segments/{n}/", axe=n == 1)
            for n in range(1, SEGMENTS + 1)
        ),
    ]


def visit_all(page: Page, tripwire: Tripwire, visits: list[Visit]) -> None:
    for visit in visits:
        response = page.goto(visit.url)
        assert response is not None and response.ok, f"{visit.label}: {visit.url} failed"
        assert_safe(page, tripwire, visit.label, literal=visit.literal)
        if visit.axe:
            page.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")
            audit(page)


# ---------------------------------------------------------------- the journeys


def _student_works_in_the_browser(page: Page, tripwire: Tripwire, c: Class) -> None:
    a = c.assignment.pk
    page.goto(f"/assignments/{a}/segments/1/")
    assert_safe(page, tripwire, "segment 1, before")
    # A highlight through the htmx form: the workspace partial comes back with the vectors.
    note = one_line(VECTORS[4], 2000)  # <img src=x onerror=alert(1)>
    page.locator("#id_quote").fill("plain words")
    page.locator("#highlight-form").get_by_label("Technique").select_option(label="Loaded language")
    page.locator("#id_note").fill(note)
    page.locator("#add-highlight").click()
    expect(page.locator("#segment-text mark").first).to_contain_text("plain words")
    expect(page.locator("#highlights .note")).to_have_text(note)
    assert_safe(page, tripwire, "segment 1, highlight added by htmx")
    # Answers by autosave (htmx).
    text_prompt = Prompt.objects.get(segment__lesson=c.lesson, segment__position=1, kind="text")
    answer = "\n".join(VECTORS[:12])
    page.locator(f"#prompt-{text_prompt.pk}").fill(answer)
    expect(page.locator("#answers-status")).to_contain_text("Saved")
    assert_safe(page, tripwire, "segment 1, answers autosaved")
    for position in range(2, SEGMENTS + 1):  # the rest of the work, as before
        submission = work_services.submission_for(assignment=c.assignment, student=c.sam)
        segment = c.lesson.segments.get(position=position)
        work_services.highlight_create(
            submission=submission, segment=segment,
            technique=c.lesson.taxonomy.techniques.get(code=TECHNIQUES[1]),
            anchor=locate(segment.text, "for the key"), note=VECTORS[position * 7],
        )  # fmt: skip
        prompt = segment.prompts.get(kind="text")
        factories.make_answer(c.assignment, c.sam, prompt, VECTORS[-position])
    page.goto(f"/assignments/{a}/segments/{SEGMENTS}/")
    page.get_by_role("button", name="Save and review my work").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and hand in")
    assert_safe(page, tripwire, "submit page")
    page.get_by_role("button", name="Hand in my work").click()
    expect(page.get_by_text("Your work is handed in")).to_be_visible()
    assert_safe(page, tripwire, "handed in")
    page.goto(f"/assignments/{a}/feedback/")
    assert_safe(page, tripwire, "feedback, not released")


def _teacher_reviews_and_releases(page: Page, tripwire: Tripwire, c: Class) -> None:
    a = c.assignment.pk
    submission = work_services.submission_for(assignment=c.assignment, student=c.sam)
    prompt = Prompt.objects.get(segment__lesson=c.lesson, segment__position=1, kind="text")
    page.goto(f"/assignments/{a}/review/prompts/{prompt.pk}/")
    comment = "\n".join(VECTORS[12:24])
    page.locator(f"#review-{submission.pk}-comment").fill(comment)
    page.locator(f"#review-{submission.pk}-score").select_option("4")
    page.locator(f"#review-{submission.pk}-save").click()
    expect(page.locator(f"#review-{submission.pk}-status")).to_contain_text("Saved")
    assert_safe(page, tripwire, "review saved by htmx")
    key = KeySpan.objects.filter(segment__lesson=c.lesson).order_by("pk").first()
    work_services.review_save(
        submission=submission, reviewer=c.teacher, comment=VECTORS[30], score=1, key_span=key
    )
    work_services.review_save(
        submission=submission, reviewer=c.teacher, comment=VECTORS[40], score=5
    )
    page.goto(f"/assignments/{a}/settings/")
    page.get_by_role("button", name="Release feedback now").click()
    expect(page.get_by_text("Feedback is released")).to_be_visible()
    assert_safe(page, tripwire, "feedback released")


@pytest.fixture(params=["csp-bypassed", "csp-enforced"])
def xss_page(request, browser, live_server):
    """A desktop page; with the CSP bypassed, an injected script would really run."""
    options = {**DESKTOP, "bypass_csp": request.param == "csp-bypassed"}
    context, page = _open_page(browser, live_server, request, options)
    yield page
    _save_artifacts(request, page, 0)
    context.close()


def test_no_vector_runs_on_any_student_or_teacher_page(xss_page):
    page = xss_page
    tripwire = Tripwire()
    tripwire.attach(page)
    c = build_class()

    log_in(page, c.sam.username, STUDENT_PASSWORD)
    assert_safe(page, tripwire, "student logged in")
    _student_works_in_the_browser(page, tripwire, c)

    page.context.clear_cookies()
    log_in(page, c.teacher.username, TEACHER_PASSWORD)
    _teacher_reviews_and_releases(page, tripwire, c)
    visit_all(page, tripwire, teacher_visits(c))
    visit_all(page, tripwire, editor_visits(c))

    page.context.clear_cookies()
    log_in(page, c.sam.username, STUDENT_PASSWORD)
    visit_all(page, tripwire, student_visits(c))
    page.goto(f"/assignments/{c.assignment.pk}/")
    expect(page.locator("h1")).to_contain_text(f"Sanitising {LITERAL} {{% debug %}} <script>")
    # The CSP never had to block anything: nothing injected tried to run.
    blocked = [m for m in tripwire.console if "Content Security Policy" in m]
    assert not blocked, "The CSP blocked something:\n" + "\n".join(blocked)

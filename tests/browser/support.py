"""Helpers for browser tests: accessibility (axe-core), HTML validity (Nu checker), console errors.

Tools come from node_modules (``npm ci``; script/test does it) and Debian (chromium, java).
A missing tool is a test failure, never a skip: a green run must mean the checks ran.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response

REPO_ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = REPO_ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True}

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _require(path: Path, how: str) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: {how}", pytrace=False)
    return path


# ---------------------------------------------------------------- accessibility (axe-core)


@cache
def _axe_source() -> str:
    _require(AXE_JS, "run `npm ci` (script/test does) to install axe-core")
    return AXE_JS.read_text(encoding="utf-8")


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def format_axe_violations(violations: list[dict], url: str = "") -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- [{v.get('impact')}] {v['id']}: {v['help']} ({v.get('helpUrl', '')})")
        nodes = v.get("nodes", [])
        for node in nodes[:5]:
            target = ", ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}: {_short(node.get('html', ''))}")
        if len(nodes) > 5:
            lines.append(f"    … and {len(nodes) - 5} more")
    return "\n".join(lines)


def check_axe(page: Page, *, disable: tuple[str, ...] = ()) -> None:
    """Run axe-core on the page's current DOM; AssertionError listing any violation.

    axe is injected with ``page.evaluate``: DevTools' Runtime.evaluate is not subject to the
    page's Content-Security-Policy, unlike ``add_script_tag`` (an inline <script>, which the
    app's ``script-src 'self'`` blocks). ``disable`` turns off named rules, for a good reason.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    options = {
        "runOnly": {"type": "tag", "values": AXE_TAGS},
        "rules": {rule: {"enabled": False} for rule in disable},
        "resultTypes": ["violations"],
    }
    results = page.evaluate(
        "(options) => axe.run(document, options).then(r => ({violations: r.violations}))",
        options,
    )
    violations = results["violations"]
    assert not violations, format_axe_violations(violations, page.url)


# ---------------------------------------------------------------- console errors


def assert_no_console_errors(page: Page) -> None:
    """Fail if the page logged a console error (CSP violations included) or threw."""
    errors = [*getattr(page, "console_errors", []), *getattr(page, "page_errors", [])]
    assert not errors, "Browser console errors:\n" + "\n".join(f"- {e}" for e in errors)


def _console_listener(page: Page):
    def on_console(msg):
        if msg.type == "error":
            loc = msg.location or {}
            where = f" ({loc.get('url', '')}:{loc.get('lineNumber', '')})" if loc else ""
            page.console_errors.append(f"console.error: {msg.text}{where}")

    return on_console


def _pageerror_listener(page: Page):
    def on_pageerror(exc):
        page.page_errors.append(f"uncaught: {exc}")

    return on_pageerror


# ---------------------------------------------------------------- HTML validity (Nu checker)


@dataclass
class HtmlDocument:
    label: str  # usually the URL the server answered
    html: str


@dataclass
class HtmlRecorder:
    """Keeps the server's HTML of every document a page loaded, for the Nu checker."""

    page: Page | None = None
    documents: list[HtmlDocument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    enabled: bool = True
    pending: int = 0  # listeners still waiting for a body

    def add(self, label: str, html: str) -> None:
        if self.enabled:
            self.documents.append(HtmlDocument(label, html))

    def on_response(self, response: Response) -> None:
        """Page 'response' listener: record each text/html document (not XHR fragments)."""
        if not self.enabled or response.request.resource_type != "document":
            return
        if 300 <= response.status < 400:
            return  # redirects carry no page
        if "text/html" not in response.headers.get("content-type", ""):
            return
        # With the sync API, response.text() here yields to Playwright's loop, which only runs
        # while the test calls Playwright: settle() lets bodies still on their way arrive.
        self.pending += 1
        try:
            self.add(f"{response.status} {response.url}", response.text())
        except PlaywrightError as exc:  # e.g. the page navigated away before the body arrived
            self.problems.append(f"could not read HTML of {response.url}: {exc}")
        finally:
            self.pending -= 1

    def settle(self, timeout: float = 10.0) -> None:
        """Let Playwright deliver pending 'response' events and bodies before validating."""
        if self.page is None or self.page.is_closed():
            return
        deadline = time.monotonic() + timeout
        self.page.wait_for_timeout(1)
        while self.pending and time.monotonic() < deadline:
            self.page.wait_for_timeout(20)
        if self.pending:
            self.problems.append(f"{self.pending} HTML response(s) never finished loading")


def record_html(page: Page, label: str | None = None) -> None:
    """Record the server's HTML for the page's current URL (refetched with the page's cookies).

    Documents that the page navigates to are recorded automatically; use this for a URL
    whose state changed since it was loaded (e.g. after htmx swaps, to check the full page).
    """
    page.html_recorder.settle()  # keep documents in the order they were loaded
    response = page.context.request.get(page.url)
    assert response.ok, f"GET {page.url} answered {response.status}"
    page.html_recorder.add(label or f"{response.status} {page.url}", response.text())


def _parse_vnu(output: str) -> list[dict]:
    # vnu --format json writes one JSON object to stderr; anything before it is noise.
    start = output.find("{")
    if start < 0:
        raise AssertionError(f"Nu checker gave no JSON output:\n{output[-2000:]}")
    return json.loads(output[start:])["messages"]


_validated: dict[str, list[str]] = {}  # html -> its errors, so identical pages cost one check


def validate_html(documents: list[HtmlDocument]) -> list[str]:
    """Validate documents with ONE run of the Nu checker; return readable error lines."""
    todo = [d for d in documents if d.html not in _validated]
    if todo:
        java = shutil.which("java")
        if java is None:
            pytest.fail("java is missing: install default-jre-headless (script/test does)")
        jar = _require(VNU_JAR, "run `npm ci` (script/test does) to install vnu-jar")
        with tempfile.TemporaryDirectory(prefix="lens-vnu-") as tmp:
            by_name: dict[str, HtmlDocument] = {}
            found: dict[str, list[str]] = {}
            for i, doc in enumerate(todo):
                path = Path(tmp) / f"doc{i:03d}.html"
                path.write_text(doc.html, encoding="utf-8")
                by_name[path.name] = doc
                found[doc.html] = []
            proc = subprocess.run(
                [
                    java,
                    *("-jar", str(jar), "--format", "json", "--exit-zero-always"),
                    *sorted(str(Path(tmp) / name) for name in by_name),
                ],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if proc.returncode != 0:
                raise AssertionError(f"Nu checker failed ({proc.returncode}):\n{proc.stderr}")
            for msg in _parse_vnu(proc.stderr or proc.stdout):
                if msg.get("type") not in ("error", "non-document-error"):
                    continue  # "info" (including warnings) does not fail
                name = msg.get("url", "").rsplit("/", 1)[-1]
                doc = by_name.get(name)
                line = msg.get("lastLine", msg.get("firstLine", "?"))
                extract = _short(msg.get("extract", ""), 100)
                text = f"line {line}: {msg.get('message')}" + (f"  «{extract}»" if extract else "")
                if doc is None:
                    raise AssertionError(f"Nu checker: {msg}")
                found[doc.html].append(text)
        _validated.update(found)
    errors = []
    for doc in documents:
        errors.extend(f"{doc.label}: {e}" for e in _validated[doc.html])
    return errors


def check_html(html: str, label: str = "document") -> None:
    """Validate one HTML string (e.g. a Django test client response); AssertionError on errors."""
    errors = validate_html([HtmlDocument(label, html)])
    assert not errors, "Invalid HTML (Nu checker):\n" + "\n".join(f"- {e}" for e in errors)


def check_recorded_html(recorders: list[HtmlRecorder]) -> None:
    """Validate every document the given pages loaded; AssertionError listing errors."""
    for r in recorders:
        r.settle()
    problems = [p for r in recorders for p in r.problems]
    documents = [d for r in recorders for d in r.documents]
    errors = validate_html(documents) if documents else []
    assert not (problems or errors), "Invalid HTML (Nu checker) served during this test:\n" + (
        "\n".join(f"- {e}" for e in [*problems, *errors])
    )


def instrument(page: Page) -> Page:
    """Attach console/page-error lists and the HTML recorder to a new page."""
    page.console_errors = []
    page.page_errors = []
    page.html_recorder = HtmlRecorder(page)
    page.on("console", _console_listener(page))
    page.on("pageerror", _pageerror_listener(page))
    page.on("response", page.html_recorder.on_response)
    return page

"""The shape of the code: configuration on top, domain apps below it, imports pointing one way
(docs/architecture.md). A reverse import fails here, naming the file and the line."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Lower layers never import higher ones. Apps in the same layer do not import each other.
LAYERS = [
    {"core"},
    {"lessons.library"},
    {"lessons.work"},
    {"lessons.authoring", "lessons.insights"},
    {"lessons.lms"},  # LMS launch: makes classes, assignments, and grades from insights' scores
    {"lens"},
]
RANK = {app: rank for rank, apps in enumerate(LAYERS) for app in apps}
APP_DIRS = {app: ROOT / app.replace(".", "/") for app in RANK}


def _app_of(module: str) -> str | None:
    for app in sorted(RANK, key=len, reverse=True):
        if module == app or module.startswith(app + "."):
            return app
    return None


def _imports(source: str, package: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
    return found


def _app_files():
    """(module path, source) of every Python file of every app."""
    for folder in APP_DIRS.values():
        for path in sorted(folder.rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def reverse_imports(files) -> list[str]:
    wrong = []
    for name, source in files:
        module = name.removesuffix(".py").replace("/", ".")
        app = _app_of(module)
        for line, imported in _imports(source, module.rsplit(".", 1)[0]):
            target = _app_of(imported)
            if app is None or target is None or target == app:
                continue
            if RANK[target] >= RANK[app]:
                wrong.append(f"{name}:{line}: {app} imports {imported}")
    return wrong


def test_imports_point_one_way_only():
    wrong = reverse_imports(_app_files())
    assert not wrong, "Reverse or sideways imports:\n" + "\n".join(wrong)


def test_the_check_sees_reverse_and_sideways_imports_but_not_downward_ones():
    files = [
        ("core/probe.py", "from lessons.work.models import Assignment\n"),
        ("lessons/library/probe.py", "from ..work import services\n"),
        ("lessons/insights/probe.py", "import lessons.authoring.services\n"),
        (
            "lessons/work/probe.py",
            "from lessons.library.models import Lesson\nfrom core import models\n",
        ),
    ]

    assert reverse_imports(files) == [
        "core/probe.py:1: core imports lessons.work.models",
        "lessons/library/probe.py:1: lessons.library imports lessons.work",
        "lessons/insights/probe.py:1: lessons.insights imports lessons.authoring.services",
    ]


def test_no_app_holds_more_than_two_fifths_of_the_code():
    def lines(folder: Path) -> int:
        return sum(
            len(path.read_text(encoding="utf-8").splitlines())
            for path in folder.rglob("*.py")
            if "migrations" not in path.parts
        )

    sizes = {app: lines(folder) for app, folder in APP_DIRS.items()}
    total = sum(sizes.values())
    assert all(size <= 0.4 * total for size in sizes.values()), sizes


def _python_files():
    for folder in ("core", "lessons", "lens"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_html_is_built_in_templates_not_with_mark_safe():
    wrong = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _python_files()
        if "templatetags" not in path.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Name | ast.Attribute)
        and (node.id if isinstance(node, ast.Name) else node.attr) == "mark_safe"
    ]
    assert not wrong, "mark_safe outside template tags: " + ", ".join(wrong)


# Errors of the pure modules (parsing a file, placing a quote) that services translate, and
# control flow inside one command or transaction. Every refusal a user sees is a Refusal.
NOT_REFUSALS = {
    "Refusal",
    "LessonFormatError",
    "CorpusFormatError",
    "BundleError",
    "AnchorError",
    "AmbiguousQuote",
    "DryRun",
    "_Undo",
    "Superseded",  # a retried job's older attempt stopping, inside the worker (core.jobs)
}


def test_every_refusal_is_a_refusal():
    exceptions = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = [b.id if isinstance(b, ast.Name) else ast.unparse(b) for b in node.bases]
                exceptions[node.name] = (bases, f"{path.relative_to(ROOT)}:{node.lineno}")

    def is_exception(name: str) -> bool:
        if name in ("Exception", "ValueError"):
            return True
        return name in exceptions and any(is_exception(b) for b in exceptions[name][0])

    def is_refusal(name: str) -> bool:
        return name == "Refusal" or (
            name in exceptions and any(is_refusal(b) for b in exceptions[name][0])
        )

    others = [
        f"{where}: {name}"
        for name, (bases, where) in exceptions.items()
        if is_exception(name) and not is_refusal(name) and name not in NOT_REFUSALS
    ]
    assert not others, "Exceptions that are not a Refusal: " + ", ".join(others)


def test_every_url_is_reversed_through_a_namespace():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                yield namespace, entry.name

    names = list(walk(get_resolver().url_patterns, None))
    assert names, "no URL patterns found"
    assert [name for namespace, name in names if not namespace] == []
    assert {namespace for namespace, _ in names} >= {
        "core",
        "library",
        "authoring",
        "work",
        "insights",
        "admin",
    }

"""Test-only urlconf for test_harness.py: pages known to be clean, inaccessible or invalid."""

from django.http import HttpResponse
from django.urls import path

CLEAN = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Harness: clean page</title>
<link rel="icon" href="data:,">
</head>
<body>
<header><p>Lens harness</p></header>
<main>
<h1>A clean page</h1>
<p>Valid HTML with no accessibility problems. <a href="/bad-html/">A link</a>.</p>
<div data-hx-get="/clean/" data-hx-target="this">htmx attributes in their valid form</div>
<form method="post" action="/clean/">
<label for="q">Your answer</label>
<input id="q" name="q" type="text">
<button type="submit">Send</button>
</form>
</main>
</body>
</html>
"""

# Fails axe: no lang, no <title>, an image without alt text (and no landmarks).
INACCESSIBLE = """<!doctype html>
<html>
<head><meta charset="utf-8"></head>
<body>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="40" height="40">
<div><input type="text" name="unlabelled"></div>
</body>
</html>
"""

# Accessible, but the Nu checker rejects it: hx-* attributes and a <p> inside a <span>.
INVALID = CLEAN.replace(
    "<title>Harness: clean page</title>", "<title>Harness: bad</title>"
).replace(
    '<div data-hx-get="/clean/" data-hx-target="this">',
    '<div hx-get="/clean/"><span><p>block in inline</p></span>',
)

# An inline script, which the app's Content-Security-Policy must block.
INLINE_SCRIPT = CLEAN.replace("</main>", "<script>document.title = 'ran';</script></main>")


def page(html):
    def view(request):
        return HttpResponse(html)

    return view


urlpatterns = [
    path("clean/", page(CLEAN)),
    path("inaccessible/", page(INACCESSIBLE)),
    path("bad-html/", page(INVALID)),
    path("inline-script/", page(INLINE_SCRIPT)),
]

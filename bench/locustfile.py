"""The load bench/cluster puts on Lens: students doing the real journey, teachers refreshing
their dashboards. Run by bench/cluster.py with locust (bench/.venv), never on its own:

    LENS_CLUSTER_CONFIG=plan.json LENS_CLUSTER_ACKS=acks.json locust -f bench/locustfile.py ...

The plan (written by bench/cluster.py) names the students and teachers, their sessions (or,
with `bench/cluster --login`, none: then their password) and URLs, and for each passage real
words to highlight (offsets and quote, as the page's script sends them after a selection) and
the prompts to answer. Each student arrives signed in, with the session cookie of the plan (or
logs in with the login form first), then for each of the plan's passages opens it, highlights
two runs of its words with the highlight form (as htmx sends it: the workspace fragment comes
back), answers the passage's prompts with "Save and continue", and at the end opens the
hand-in page and hands in; then reads their feedback until the run ends. Each step is one task
call, so locust's wait time between calls is the student's reading time. Every write the server
acknowledges (a highlight answered 200, answers and the hand-in answered with their redirect)
is recorded, and written to LENS_CLUSTER_ACKS when the run stops, for bench/cluster.py to find
in the database, with the time and outcome of every request. A highlight or hand-in answered
409 ("already highlighted", "already handed in") without an acknowledgement before is a request
the balancer replayed after an app server died with it; it is recorded as a replay, not an
error, since the work is stored.
"""

import json
import os
import random
import re
import time
from http.cookiejar import Cookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LENS_CLUSTER_CONFIG"]).read_text())
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ACKS: list[dict] = []
REPLAYS: list[dict] = []
_students = iter(PLAN["students"])
_teachers = iter(PLAN["teachers"])


def _token(html: str) -> str | None:
    found = TOKEN.search(html)
    return found.group(1) if found else None


class _Person(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.me = next(self.people)
        self.token: str | None = None
        self.logged_in = False
        if self.me.get("session"):
            self.client.cookiejar.set_cookie(_session_cookie(self.host, self.me["session"]))
            self.logged_in = True

    def log_in(self) -> None:
        page = self.client.get(PLAN["urls"]["login"], name="login page")
        token = _token(page.text or "")
        form = {
            "username": self.me["username"],
            "password": PLAN["password"],
            "csrfmiddlewaretoken": token or "",
        }
        with self.client.post(
            PLAN["urls"]["login"],
            data=urlencode(form),
            headers=FORM,
            name="log in",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                self.logged_in = True
            else:
                response.failure(f"login answered {response.status_code}")

    def post(self, url: str, data: dict, name: str, *, htmx: bool = False):
        headers = {**FORM, "HX-Request": "true"} if htmx else FORM
        return self.client.post(
            url,
            data=urlencode({**data, "csrfmiddlewaretoken": self.token or ""}, doseq=True),
            headers=headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        )


def _session_cookie(host: str, key: str) -> Cookie:
    """The session cookie the app would have set at login: for the host alone, every path."""
    return Cookie(
        version=0,
        name=PLAN["session_cookie"],
        value=key,
        port=None,
        port_specified=False,
        domain=urlsplit(host).hostname or "",
        domain_specified=False,
        domain_initial_dot=False,
        path="/",
        path_specified=True,
        secure=False,
        expires=None,
        discard=False,
        comment=None,
        comment_url=None,
        rest={"HttpOnly": ""},
    )


class Student(_Person):
    fixed_count = len(PLAN["students"])
    wait_time = between(*PLAN["think_seconds"])
    people = _students

    def on_start(self) -> None:
        super().on_start()
        self.passage = 0  # index into the plan's passages
        self.step = "open"
        self.handed_in = False
        self.random = random.Random(self.me["username"])
        self.words: list[dict] = []

    @task
    def next_step(self) -> None:
        if not self.logged_in:
            return self.log_in()
        urls = self.me["urls"]
        if self.handed_in:
            self.client.get(urls["assignment"], name="feedback")
            return None
        if self.passage >= len(PLAN["passages"]):
            return self.hand_in()
        passage = PLAN["passages"][self.passage]
        url = urls["passage"].format(position=passage["position"])
        if self.step == "open":
            page = self.client.get(url, name="passage")
            if page.status_code == 200:
                self.token = _token(page.text or "") or self.token
                self.words = self.random.sample(passage["words"], 2)
                self.step = "highlight"
        elif self.step == "highlight":
            self.highlight(passage, url)
            if not self.words:
                self.step = "answer"
        else:
            self.answer(passage, url)

    def highlight(self, passage: dict, passage_url: str) -> None:
        words = self.words[0]
        technique = self.random.choice(PLAN["techniques"])
        record = {
            "kind": "highlight",
            "student": self.me["username"],
            "segment": passage["segment"],
            "start": words["start"],
            "end": words["end"],
            "technique": technique,
        }
        data = {
            "quote": words["quote"],
            "start": words["start"],
            "end": words["end"],
            "technique": technique,
            "note": "It makes the reader feel it." if self.random.random() < 0.3 else "",
        }
        with self.post(passage_url + "highlights/", data, "highlight", htmx=True) as response:
            if response.status_code == 200:
                ACKS.append(record)
                self.words.pop(0)
            elif response.status_code == 409 and "already highlighted" in (response.text or ""):
                REPLAYS.append(record)
                response.success()
                self.words.pop(0)
            else:
                response.failure(f"highlight answered {response.status_code}")

    def answer(self, passage: dict, passage_url: str) -> None:
        data: dict = {"answers": "1", "go": "next"}
        for prompt in passage["prompts"]:
            if prompt["kind"] == "text":
                data[f"prompt-{prompt['id']}"] = "It repeats a loaded word so we feel it too."
            else:
                data[f"prompt-{prompt['id']}"] = self.random.sample(PLAN["techniques"], 2)
        with self.post(passage_url + "answers/", data, "answers") as response:
            if response.status_code == 302:
                for prompt in passage["prompts"]:
                    ACKS.append(
                        {"kind": "answer", "student": self.me["username"], "prompt": prompt["id"]}
                    )
                self.passage += 1
                self.step = "open"
            else:
                response.failure(f"answers answered {response.status_code}")

    def hand_in(self) -> None:
        urls = self.me["urls"]
        page = self.client.get(urls["submit"], name="hand-in page")
        self.token = _token(page.text or "") or self.token
        record = {"kind": "hand-in", "student": self.me["username"]}
        with self.post(urls["submit"], {}, "hand in") as response:
            if response.status_code == 302:
                ACKS.append(record)
                self.handed_in = True
            elif response.status_code == 409:
                REPLAYS.append(record)
                response.success()
                self.handed_in = True
            else:
                response.failure(f"hand-in answered {response.status_code}")


class Teacher(_Person):
    fixed_count = len(PLAN["teachers"])
    wait_time = between(*PLAN["dashboard_seconds"])
    people = _teachers

    @task
    def refresh(self) -> None:
        if not self.logged_in:
            return self.log_in()
        with self.client.get(self.me["dashboard"], name="dashboard", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"dashboard answered {r.status_code}")
        return None


# Every request's time and outcome, per endpoint: locust's own CSV files are written when the
# run time is up, before the students finish the step they are in (--stop-timeout).
TIMES: dict[str, list[float]] = {}
FAILURES: dict[str, int] = {}
ERRORS: dict[str, int] = {}
SPAN: list[float] = []


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs) -> None:
    TIMES.setdefault(name, []).append(response_time)
    now = time.time()
    SPAN[:] = [SPAN[0] if SPAN else now, now]
    if exception is not None:
        FAILURES[name] = FAILURES.get(name, 0) + 1
        error = f"{name}: {exception}"
        ERRORS[error] = ERRORS.get(error, 0) + 1


@events.test_stop.add_listener
def _write_results(**_kwargs) -> None:
    Path(os.environ["LENS_CLUSTER_ACKS"]).write_text(
        json.dumps(
            {
                "acknowledged": ACKS,
                "replays": REPLAYS,
                "times": TIMES,
                "failures": FAILURES,
                "errors": ERRORS,
                "seconds": SPAN[1] - SPAN[0] if SPAN else 0,
            }
        )
    )

"""The throttles' counts are shared by every worker and every server: two threads with caches
and database connections of their own (two workers of one server), and two processes (two
servers) against one database cache or one Redis, counting atomically when they count at the
same moment. Each test runs on both stores."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import Client
from django.urls import reverse

from .test_throttling import REDIS_URL, cache_settings

ROOT = Path(__file__).resolve().parent.parent
STORES = ["database", "redis"]


@pytest.fixture(params=STORES)
def store(request, settings):
    settings.CACHES = cache_settings(request.param)
    caches["default"].get("anything")  # Redis must answer (CI starts it): never a skip
    return request.param


def _in_worker(work):
    """Run `work()` in a thread of its own, as a second worker would: Django gives each thread
    its own cache client and database connection. Returns (its cache, what work returned)."""
    outcome = {}

    def run():
        try:
            outcome["cache"] = caches["default"]
            outcome["value"] = work()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["cache"], outcome["value"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_failed_logins_of_a_username(store, settings):
    settings.AXES_FAILURE_LIMIT = 3
    username = f"ghost-{uuid.uuid4().hex[:8]}"

    def fail(times, address):
        client = Client(REMOTE_ADDR=address)
        data = {"username": username, "password": "wrong"}
        return [client.post(reverse("core:login"), data).status_code for _ in range(times)]

    cache_a, first = _in_worker(lambda: fail(2, "198.51.100.1"))
    cache_b, second = _in_worker(lambda: fail(1, "198.51.100.2"))

    assert cache_a is not cache_b
    assert (first, second) == ([200, 200], [429])


@pytest.mark.django_db(transaction=True)
def test_two_workers_share_the_tries_of_a_class_code(store, settings):
    settings.THROTTLES = {**settings.THROTTLES, "join_code": "2/d"}
    code = "QQQQ-QQQQ-Q3"

    def join(address):
        response = Client(REMOTE_ADDR=address).post(reverse("core:join"), {"code": code})
        return response.status_code

    _, first = _in_worker(lambda: [join("198.51.100.1"), join("198.51.100.2")])
    _, second = _in_worker(lambda: join("198.51.100.3"))

    assert (first, second) == ([400, 400], 429)


# Two servers: processes of their own, against one database (a SQLite file here) or one Redis.


@pytest.fixture(scope="module")
def shared_database():
    """A database for the processes: a SQLite file, migrated once (`migrate` creates the cache
    table too), in memory when the machine has /dev/shm."""
    folder = Path(tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    database = folder / "db.sqlite3"
    result = _manage(database, "database", "migrate", "--noinput", "-v", "0")
    assert result.returncode == 0, result.stderr
    yield database
    shutil.rmtree(folder, ignore_errors=True)


def _manage(database: Path, store: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_environment(database, store, **env),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _environment(database: Path, store: str, **env: str) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DATABASE_URL", "REDIS_URL", "LOG_FORMAT", "LOG_LEVEL"}
    }
    return {
        **clean,
        "DATABASE_URL": f"sqlite:///{database}",
        **({"REDIS_URL": REDIS_URL} if store == "redis" else {}),
        "SECURE_HTTP_ONLY": "true",  # the test client speaks plain HTTP
        "ALLOWED_HOSTS": "testserver",
        "LOG_LEVEL": "CRITICAL",
        **env,
    }


LOGIN_WORKER = """
import os
from django.conf import settings
from django.test import Client

settings.AXES_FAILURE_LIMIT = 3
client = Client(REMOTE_ADDR=os.environ["LENS_TEST_ADDRESS"])
data = {"username": os.environ["LENS_TEST_USERNAME"], "password": "wrong"}
tries = int(os.environ["LENS_TEST_TRIES"])
print("statuses", *[client.post("/accounts/login/", data).status_code for _ in range(tries)])
"""


@pytest.mark.parametrize("store", STORES)
def test_two_servers_share_the_failed_logins_of_a_username(shared_database, store):
    username = f"ghost-{uuid.uuid4().hex[:8]}"

    def server(address: str, tries: int) -> str:
        result = _manage(
            shared_database,
            store,
            *("shell", "-v", "0", "-c", LOGIN_WORKER),
            LENS_TEST_USERNAME=username,
            LENS_TEST_ADDRESS=address,
            LENS_TEST_TRIES=str(tries),
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    assert server("198.51.100.1", 2) == "statuses 200 200"
    assert server("198.51.100.2", 1) == "statuses 429"


COUNTING_WORKER = """
import os
import time
from pathlib import Path
from django.conf import settings
from django.test import RequestFactory
from core import throttle

settings.THROTTLES = {**settings.THROTTLES, "join_code": "100000/d"}
request = RequestFactory().post("/join/")
code, folder = os.environ["LENS_TEST_CODE"], Path(os.environ["LENS_TEST_FOLDER"])
(folder / f"ready-{os.getpid()}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
for _ in range(int(os.environ["LENS_TEST_TRIES"])):
    throttle.try_once(request, "join_code", code)
print("tries", throttle._usage(request, "join_code", code, count=False)[0])
"""


@pytest.mark.parametrize("store", STORES)
def test_two_servers_counting_at_the_same_moment_lose_no_try(shared_database, store, tmp_path):
    code, tries = f"CODE{uuid.uuid4().hex[:6].upper()}", 60
    env = _environment(
        shared_database,
        store,
        LENS_TEST_CODE=code,
        LENS_TEST_FOLDER=str(tmp_path),
        LENS_TEST_TRIES=str(tries),
    )
    command = [sys.executable, "manage.py", "shell", "-v", "0", "-c", COUNTING_WORKER]
    servers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()
    outputs = [server.communicate(timeout=120)[0] for server in servers]

    assert [server.returncode for server in servers] == [0, 0]
    counts = sorted(int(output.split()[-1]) for output in outputs)
    assert counts[-1] == 2 * tries  # the last to finish saw every try of both

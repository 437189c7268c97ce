"""`manage.py worker`: the worker that does Lens's long work (core.jobs), whichever task
backend is configured (lens/settings.py TASKS): django-tasks-db's `db_worker` when the queue
is in the database, django-tasks-redis's `run_redis_tasks` when it is in Redis (REDIS_URL).
It runs until stopped (SIGTERM: it finishes the task it is running, then stops); `--batch`
runs the tasks already queued, then stops. See docs/deployment.md."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends


class Command(BaseCommand):
    help = "Run the worker that does Lens's long work (moves, large imports and exports)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the tasks already queued, then stop.",
        )

    def handle(self, *args: Any, batch: bool = False, **options: Any) -> None:
        configured = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        backend = type(configured).__module__.split(".")[0]
        verbosity = options.get("verbosity", 1)
        if backend == "django_tasks_db":
            arguments = ["--batch", "--no-startup-delay"] if batch else []
            call_command("db_worker", *arguments, "--no-reload", verbosity=verbosity)
        elif backend == "django_tasks_redis":
            call_command("run_redis_tasks", *([] if batch else ["--continuous"]))
        else:
            raise CommandError(
                f"The task backend {type(configured).__name__} runs tasks without "
                "a worker (TASKS in lens/settings.py)."
            )

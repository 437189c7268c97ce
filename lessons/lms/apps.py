from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lessons.lms"
    label = "lms"
    verbose_name = "Learning-management systems (LTI)"

    def ready(self) -> None:
        from lessons.work import signals

        from . import receivers

        signals.grades_changed.connect(
            receivers.send_grades_once_committed, dispatch_uid="lms.send_grades"
        )

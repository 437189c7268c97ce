"""The one way a service says no.

A service that will not do what it was asked raises `Refusal` with a message for the person
who asked, the HTTP status that fits, and (optionally) the form field it is about. Views never
build their own error responses: `lens.responses` (not yet) turns a refusal into the page or
fragment with the message.
"""


class Refusal(Exception):
    """A request Lens will not carry out. The message is shown to the user as it is."""

    status = 400

    def __init__(self, message: str = "", *, status: int | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.field = field

    def __str__(self) -> str:
        return self.message

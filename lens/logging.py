"""Log records as one JSON object per line, for a log collector (see LOGGING in settings)."""

import json
import logging
from datetime import UTC, datetime

# What every record carries; anything else on a record came from `extra=` and is kept.
_STANDARD = {*vars(logging.makeLogRecord({})), "message", "asctime"}


class JsonFormatter(logging.Formatter):
    """`timestamp` (UTC, ISO 8601), `level`, `logger` and `message`, then the record's extra
    fields, then `exception` (the traceback) and `stack` when there are any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key.startswith("_") or key in entry:
                continue
            if key == "request":
                # Django's loggers pass the request: its method and path say enough.
                if value is not None:
                    entry.setdefault("method", value.method)
                    entry.setdefault("path", value.path)
                continue
            entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)

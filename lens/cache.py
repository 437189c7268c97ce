"""The database cache, made safe for counting: every write to an entry is atomic, and an
increment keeps the entry's expiry.

Django's DatabaseCache increments by reading the value and writing it back with the default
timeout: two workers counting at the same moment both write the same number, and a count kept
for an hour is forgotten five minutes after its last try. Its add, set and touch read an entry
before they write it, which on SQLite fails ("database is locked", taken as "not added") when
another worker writes at the same moment. The throttles (core.throttle) count in this cache,
so here each write takes the entry's row lock (PostgreSQL), or the database's write lock
(SQLite, which then waits its turn), before it reads.
"""

import base64
import pickle
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now


class DatabaseCache(DjangoDatabaseCache):
    _table: str  # set by Django's BaseDatabaseCache.__init__; the stubs leave it out

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, cache_key = quote(self._table), quote("cache_key")
        with transaction.atomic(using=db), connection.cursor() as cursor:
            self._lock(cursor, connection, key)
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} WHERE {cache_key} = %s",
                [key],
            )
            row = cursor.fetchone()
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode()))
            value += delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {cache_key} = %s",
                [encoded, key],
            )
        return value

    def _base_set(self, mode: str, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> Any:
        """add, set and touch: Django's, after taking the write lock."""
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            with connection.cursor() as cursor:
                self._lock(cursor, connection, key)
            # Django's own (private) method, which the stubs leave out.
            return super()._base_set(mode, key, value, timeout)  # type: ignore[misc]

    def _lock(self, cursor: Any, connection: Any, key: str) -> None:
        """A write before any read: it takes the row's lock (PostgreSQL) or the database's
        write lock (SQLite, waiting for it as for any first write), so a second worker waits
        for this one instead of reading the same value, or failing to write after reading."""
        quote = connection.ops.quote_name
        cursor.execute(
            f"UPDATE {quote(self._table)} SET {quote('expires')} = {quote('expires')} "
            f"WHERE {quote('cache_key')} = %s",
            [key],
        )

    @staticmethod
    def _expired(connection: Any, expires: Any) -> bool:
        """As DatabaseCache.get_many reads `expires`: through the ORM's converters, so an aware
        or naive datetime is compared with its like."""
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        for converter in converters:
            expires = converter(expires, expression, connection)
        return bool(expires < now())

"""Lens's English dates: "30 November 2026, 14:05", day first, 24-hour clock, as Lens has
always shown them (Django's own English formats are American: "Nov. 30, 2026, 2:05 p.m.").
Spanish uses Django's formats ("30 de noviembre de 2026 a las 14:05"). Templates format dates
with these names only (`|date:"DATE_FORMAT"`), never by hand: docs/i18n.md."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
SHORT_DATETIME_FORMAT = "j M Y, H:i"

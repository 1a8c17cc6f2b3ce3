"""French short formats: « 28 déc. 2026 », « 28 déc. 2026 à 12 h 00 » (as « 28 décembre
2026 à 12 h » in the long form; no-break spaces around the « h »); a date and time shown
as such, ``{{ moment }}``, reads « 28 décembre 2026 à 23 h 16 »."""

DATETIME_FORMAT = "j F Y à G\u00a0\\h\u00a0i"
TIME_FORMAT = "G\u00a0\\h\u00a0i"

SHORT_DATE_FORMAT = "j N Y"
SHORT_DATETIME_FORMAT = "j N Y à G\u00a0\\h\u00a0i"

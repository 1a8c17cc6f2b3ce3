"""English formats: "28 December 2026" (the long date, as in "28 December 2026, 12:00"),
short "28 Dec 2026", "28 Dec 2026, 12:00"; never the US "Dec. 28, 2026" nor "11:16 p.m."
(a date and time shown as such, ``{{ moment }}``, reads "28 December 2026, 23:16")."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"

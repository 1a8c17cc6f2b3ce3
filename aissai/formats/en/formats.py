"""English short formats: "28 Dec 2026", "28 Dec 2026, 12:00" (as "28 December 2026,
12:00" in the long form)."""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"

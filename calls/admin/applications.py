"""Admin for this area (see calls/admin/__init__.py)."""

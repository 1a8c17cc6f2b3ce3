"""Cross-cutting request protections: the request body limit, the database-unavailable
page, and re-authentication before sensitive actions (``reauth.require_recent_login``).

Not an installed app: it has no models or templates of its own. The middleware classes
are listed in ``settings.MIDDLEWARE``; the pages they render live in ``templates/``.
"""

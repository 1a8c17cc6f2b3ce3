"""Container health check for the web service: exit 0 when /healthz answers 200.

``/healthz`` answers before host validation and the HTTPS redirect (aissai/health.py),
so the check calls the local gunicorn plainly, as a load balancer would: no proxy
header, no host name. The answer is JSON; anything but ``{"status": "ok"}`` with a 200
(a 503 when the database is down, a redirect, an error page) fails the check.
"""

import json
import os
import sys
import urllib.error
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def main() -> int:
    port = os.environ.get("PORT", "8000")
    url = f"http://127.0.0.1:{port}/healthz"
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=5) as response:  # noqa: S310 - fixed loopback URL
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except OSError as exc:
        print(f"healthcheck: {exc}", file=sys.stderr)
        return 1
    try:
        answer = json.loads(body)
    except ValueError:
        answer = None
    if status != 200 or not isinstance(answer, dict) or answer.get("status") != "ok":
        print(f"healthcheck: /healthz answered {status} {body[:200]!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

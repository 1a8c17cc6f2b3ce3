"""The applicants of the deadline rush: each logs in, saves the draft (the form re-posted
as the page shows it), uploads a PDF and submits, some with a double click (two
concurrent POSTs), then reads the application page. Threads and ``requests``; every
request has a timeout and nothing starts after the deadline of the run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from .http_forms import csrf_token, form_fields

TIMEOUT = 30.0


@dataclass(frozen=True)
class Applicant:
    number: int
    email: str
    password: str
    application_id: int
    pdf: bytes
    double_click: bool
    # Large files are made when they are sent (thousands of 5 MB files do not fit in
    # memory at once): the same bytes every time it is called.
    make_pdf: Callable[[], bytes] | None = None

    def document(self) -> bytes:
        return self.make_pdf() if self.make_pdf is not None else self.pdf


@dataclass
class Sample:
    kind: str
    started: float
    seconds: float
    status: int
    ok: bool
    error: str = ""


@dataclass
class Outcome:
    applicant: Applicant
    arrived: float = 0.0  # when the applicant was due (monotonic)
    finished: float = 0.0  # when the last request of the applicant ended
    samples: list[Sample] = field(default_factory=list)
    completed: bool = False

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]


class _Run:
    def __init__(self, base_url: str, deadline: float, verify: bool | str = True):
        self.base, self.deadline, self.verify = base_url, deadline, verify

    def session(self) -> requests.Session:
        """A browser's session: over https (``verify``: the CA bundle that signed the
        proxy's certificate) it names the page it posts from, as Django's CSRF check on
        secure requests wants."""
        session = requests.Session()
        # Not from the environment: REQUESTS_CA_BUNDLE would outrank ``verify``.
        session.trust_env = False
        session.verify = self.verify
        session.headers["Referer"] = f"{self.base}/"
        return session

    def call(self, outcome, kind, send, expected, *args, **kwargs):
        if time.monotonic() > self.deadline:
            raise TimeoutError("the run's time is over")
        started = time.monotonic()
        try:
            response = send(*args, timeout=TIMEOUT, allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            outcome.samples.append(
                Sample(
                    kind,
                    started,
                    time.monotonic() - started,
                    0,
                    False,
                    f"{type(exc).__name__}: {str(exc)[:300]}",
                )
            )
            raise
        ok = response.status_code == expected
        outcome.samples.append(
            Sample(
                kind,
                started,
                time.monotonic() - started,
                response.status_code,
                ok,
                "" if ok else f"HTTP {response.status_code} {response.headers.get('Location', '')}",
            )
        )
        if not ok:
            raise RuntimeError(f"{kind}: HTTP {response.status_code}")
        return response

    def applicant(self, person: Applicant, arrived: float) -> Outcome:
        outcome = Outcome(person, arrived=arrived)
        session = self.session()
        login = f"{self.base}/accounts/login/"
        edit = f"{self.base}/calls/applications/{person.application_id}/edit/"
        try:
            page = self.call(outcome, "login page", session.get, 200, login)
            self.call(
                outcome,
                "login",
                session.post,
                302,
                login,
                data={
                    "username": person.email,
                    "password": person.password,
                    "csrfmiddlewaretoken": csrf_token(page.text),
                },
            )
            page = self.call(outcome, "edit page", session.get, 200, edit)
            fields = [
                (name, f"{value} (final)" if name == "title" else value)
                for name, value in form_fields(page.text, "title")
            ]
            token = dict(fields)["csrfmiddlewaretoken"]
            self.call(outcome, "save draft", session.post, 302, edit, data=fields)
            self.call(
                outcome,
                "upload PDF",
                session.post,
                302,
                f"{self.base}/calls/applications/{person.application_id}/documents/project/upload/",
                data={"csrfmiddlewaretoken": token},
                files={
                    "file": (f"project-{person.number}.pdf", person.document(), "application/pdf")
                },
            )
            self.submit(outcome, session, person, token)
            self.call(
                outcome,
                "application page",
                session.get,
                200,
                f"{self.base}/calls/applications/{person.application_id}/",
            )
            outcome.completed = True
        except (requests.RequestException, RuntimeError, TimeoutError, LookupError):
            pass
        finally:
            outcome.finished = time.monotonic()
            session.close()
        return outcome

    def submit(self, outcome, session, person, token) -> None:
        url = f"{self.base}/calls/applications/{person.application_id}/submit/"
        data = {"csrfmiddlewaretoken": token}
        if not person.double_click:
            self.call(outcome, "submit", session.post, 302, url, data=data)
            return
        # Two tabs / a double click: two POSTs at the same moment, same session.
        second = self.session()
        second.cookies.update(session.cookies)
        barrier, failures = threading.Barrier(2), []

        def click(client):
            barrier.wait(5)
            try:
                self.call(outcome, "submit (double click)", client.post, 302, url, data=data)
            except (requests.RequestException, RuntimeError, TimeoutError) as exc:
                failures.append(exc)

        threads = [threading.Thread(target=click, args=(c,)) for c in (session, second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(TIMEOUT + 5)
        second.close()
        if failures:
            raise RuntimeError(str(failures[0]))


def run_load(
    base_url: str,
    applicants: list[Applicant],
    *,
    ramp: float,
    concurrency: int,
    limit: float,
    verify: bool | str = True,
) -> tuple[list[Outcome], float, float]:
    """Start the applicants evenly over ``ramp`` seconds (at most ``concurrency`` at
    once: the others wait, and that wait counts in their time); no request starts after
    ``limit`` seconds. Returns the outcomes, the wall time and the start (monotonic)."""
    started = time.monotonic()
    run = _Run(base_url, deadline=started + limit, verify=verify)
    futures = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for index, person in enumerate(applicants):
            due = started + index * ramp / max(len(applicants), 1)
            time.sleep(max(0.0, due - time.monotonic()))
            futures.append(pool.submit(run.applicant, person, due))
        outcomes = [future.result() for future in futures]
    return outcomes, time.monotonic() - started, started

"""Shared pieces of the browser journeys: the mail sink (real Celery worker or in-process
delivery, both over SMTP), the quality audit of each visited page (axe-core, 320 px,
raw HTML kept for the Nu checker) and small helpers (log in, follow a mail link)."""

import json
import os
import re
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import translation
from django.utils.translation import gettext, ngettext
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.factories.accounts import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
NARROW = 320

# The outermost elements that stick out of a narrow viewport and that no scrolling box
# clips (an element inside .table-responsive scrolls with its table and is fine), to say
# what makes the page scroll sideways.
WIDEST_ELEMENTS = """(limit) => {
    const clipped = (e) => {
        for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
            const style = getComputedStyle(p);
            if (style.overflowX !== 'visible' && style.position !== 'static') return true;
            if (style.overflowX !== 'visible' && getComputedStyle(e).position !== 'absolute')
                return true;
        }
        return false;
    };
    const out = (e) => e.getBoundingClientRect().right > limit + 0.5;
    return [...document.querySelectorAll('body *')]
        .filter(e => out(e) && !clipped(e) && !(e.parentElement && out(e.parentElement)
            && !clipped(e.parentElement) && e.parentElement !== document.body))
        .slice(0, 3)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
            (typeof e.className === 'string' && e.className
                ? '.' + e.className.trim().split(/\\s+/).join('.') : '') +
            ' ' + JSON.stringify((e.textContent || '').trim().slice(0, 40)));
}"""

# Nu checker messages that remain on purpose, each with its reason (see README.md here).
KNOWN_HTML_MESSAGES: dict[str, str] = {
    r"^\S+ Attribute “hx-[a-z-]+” not allowed": "htmx attributes (hx-get, hx-post, hx-target…) "
    "are not in the HTML standard; htmx reads them as they are. The data-hx-* spelling "
    "would validate but is not used in the templates.",
}


# Mails ---------------------------------------------------------------------------------


def plain(text: str) -> str:
    """Lower case, every run of spaces one space: header folding turns the no-break
    spaces of French punctuation into plain ones."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split()).lower()


@dataclass
class Mailbox:
    """Mails that really went over SMTP to the sink, read as a person reads them."""

    sink: object
    mode: str
    worker: object = None

    @contextmanager
    def worker_paused(self):
        """The real worker takes no task inside the block (SIGSTOP, then SIGCONT), so a
        page can be seen while its task waits in the queue."""
        if self.worker is None:
            yield
            return
        os.kill(self.worker.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.worker.process.pid, signal.SIGCONT)

    def wait(self, *, to: str, subject: str = "", timeout: float = 30.0):
        """The last mail to ``to`` whose subject contains ``subject`` (waits for it)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [
                m
                for m in self.sink.messages
                if to.lower() in str(m["To"]).lower() and plain(subject) in plain(str(m["Subject"]))
            ]
            if found:
                return found[-1]
            if time.monotonic() > deadline:
                seen = [(str(m["To"]), str(m["Subject"])) for m in self.sink.messages]
                raise AssertionError(f"no mail to {to} about {subject!r}; got {seen}")
            time.sleep(0.1)

    def to(self, address: str) -> list:
        return [m for m in self.sink.messages if address.lower() in str(m["To"]).lower()]

    @staticmethod
    def text(message) -> str:
        return message.get_body(("plain",)).get_content()

    @classmethod
    def link(cls, message, pattern: str) -> str:
        """The path of the first link in the mail whose path contains ``pattern``."""
        for url in re.findall(r"https?://\S+", cls.text(message)):
            path = urlparse(url).path
            if pattern in path:
                return path
        raise AssertionError(f"no link with {pattern!r} in:\n{cls.text(message)}")


@pytest.fixture
def mailbox(request, smtp_sink, settings):
    """With ``celery_worker``: a real worker process delivers the outbox to the sink.
    Otherwise the outbox delivers in process on commit, over SMTP to the same sink."""
    settings.SITE_URL = "http://testserver.invalid"
    if request.node.get_closest_marker("celery_worker"):
        worker = request.getfixturevalue("start_celery_worker")(env=smtp_sink.env())
        return Mailbox(smtp_sink, "worker", worker)
    request.getfixturevalue("smtp_backend")
    return Mailbox(smtp_sink, "in-process")


# Quality audit -------------------------------------------------------------------------


def nu_checker_missing() -> str:
    """Why the Nu HTML checker cannot run here, or "" when it can."""
    if not VNU.exists():
        return f"{VNU} is missing (npm ci installs vnu-jar)"
    if not shutil.which("java"):
        return "java is missing (the Nu checker needs Java 11 or later)"
    return ""


@dataclass
class Auditor:
    """Checks each page a journey visits, in a side context that may inject axe-core
    (bypass_csp only here; the journey's own context keeps the real CSP)."""

    context: object
    html_dir: Path
    problems: list[str] = field(default_factory=list)
    html_files: dict[Path, str] = field(default_factory=dict)
    seen: set[tuple[str, str]] = field(default_factory=set)
    axe_narrow: bool = False  # run axe-core again at 320 px

    def check(self, page, state: str = "") -> None:
        """Audit the page once per path (and ``state``: the same address showing
        something else, such as a proposal being computed, then ready)."""
        self.check_url(page.url, page.context.cookies(), state)

    def check_url(self, url: str, cookies: list, state: str = "", label: str = "") -> None:
        """Audit ``url`` as seen with ``cookies`` (``label`` names who looked)."""
        path = urlparse(url).path
        if (path, state) in self.seen:
            return
        self.seen.add((path, state))
        self.context.clear_cookies()
        if cookies:
            self.context.add_cookies(cookies)
        path = f"{path} ({label})" if label else path
        audit = self.context.pages[0] if self.context.pages else self.context.new_page()
        audit.set_viewport_size({"width": 1280, "height": 900})
        try:
            response = audit.goto(url)
        except PlaywrightError as error:  # a page that reloads itself (a progress poll) may
            if "ERR_ABORTED" not in str(error):  # abort the audit's navigation: once more
                raise
            response = audit.goto(url)
        if response is None:  # the same address with another #fragment: no new request
            response = audit.reload()
        html_file = self.html_dir / f"page-{len(self.html_files):02d}.html"
        html_file.write_text(response.text())
        self.html_files[html_file] = path
        audit.add_script_tag(path=str(AXE))
        self.run_axe(audit, path)
        audit.set_viewport_size({"width": NARROW, "height": 800})
        if self.axe_narrow:
            audit.wait_for_timeout(50)  # the page's resize handlers run first
            self.run_axe(audit, f"{path} at {NARROW}px")
        width = audit.evaluate("document.documentElement.scrollWidth")
        if width > NARROW:
            culprits = audit.evaluate(WIDEST_ELEMENTS, NARROW)
            self.problems.append(f"{path}: {width}px wide at {NARROW}px: {culprits}")

    def run_axe(self, audit, where: str) -> None:
        violations = audit.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ['violations']});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
            }"""
        )
        for v in violations:
            if v["impact"] in ("serious", "critical"):
                self.problems.append(
                    f"{where}: axe {v['impact']} {v['id']} ({v['help']}) {v['nodes']}"
                )

    def validate_html(self) -> list[str]:
        """Run the Nu checker once on every page kept; messages not explained remain."""
        if not self.html_files:
            return []
        files = [str(f) for f in self.html_files]
        done = subprocess.run(
            ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
            capture_output=True,
            text=True,
            timeout=120,
        )
        messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
        left = []
        for message in messages:
            text = message.get("message", "")
            path = self.html_files.get(Path(urlparse(message.get("url", "")).path), "?")
            if any(re.search(pattern, f"{path} {text}") for pattern in KNOWN_HTML_MESSAGES):
                continue
            left.append(
                f"{path}: line {message.get('lastLine')}: {text} {message.get('extract', '')!r}"
            )
        return left

    def assert_clean(self) -> None:
        """No axe or 320 px problem, and the HTML validates. Without the Nu checker the
        journey fails under AISSAI_REQUIRE_SERVICES=1 (CI) and is skipped otherwise,
        once everything else has passed."""
        missing = nu_checker_missing() if self.html_files else ""
        problems = list(self.problems)
        if not missing:
            problems += self.validate_html()
        elif os.environ.get("AISSAI_REQUIRE_SERVICES") == "1":
            problems.append(f"HTML not validated: {missing}")
        assert not problems, "quality problems:\n" + "\n".join(problems)
        if missing:
            pytest.skip(f"HTML not validated: {missing}")


@pytest.fixture
def audit(chromium, live_server, tmp_path):
    context = chromium.new_context(base_url=live_server.url, bypass_csp=True, locale="en-GB")
    context.set_default_timeout(15_000)
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    auditor = Auditor(context=context, html_dir=html_dir)
    yield auditor
    context.close()


# Helpers -------------------------------------------------------------------------------


def log_in(page, email: str, *, password: str = PASSWORD, expect_name: str | None = None):
    page.goto("/accounts/login/")
    page.locator("input[name=username], input[type=email]").first.fill(email)
    page.locator("input[type=password]").first.fill(password)
    page.keyboard.press("Enter")
    if expect_name:
        expect(page.get_by_role("link", name=expect_name)).to_be_visible()
    else:
        expect(page.locator("input[type=password]")).to_have_count(0)


def log_out(page):
    """End the session but keep the language the browser chose."""
    page.context.clear_cookies(name=re.compile("session|csrf"))


def expect_not_found(page, path: str) -> None:
    """``path`` answers 404 to this person (a request with the page's cookies: a 404
    navigation would log a console error) and says so."""
    response = page.request.get(path)
    assert response.status == 404, f"{path} answered {response.status}"


class Words:
    """What a person reads in ``language``, from the message catalogue: ``words(msgid,
    **values)`` and ``words.n(singular, plural, count, **values)``. Each msgid that the
    catalogue leaves untranslated is kept, so a French journey can check it read French."""

    def __init__(self, language: str):
        self.language = language
        self.untranslated: set[str] = set()

    def __call__(self, msgid: str, **values) -> str:
        with translation.override(self.language):
            text = gettext(msgid)
        if text == msgid:
            self.untranslated.add(msgid)
        return text % values if values else text

    def n(self, singular: str, plural: str, count: int, **values) -> str:
        with translation.override(self.language):
            text = ngettext(singular, plural, count)
        if text in (singular, plural):
            self.untranslated.add(singular)
        return text % {"count": count, **values}

    def assert_translated(self, *same: str) -> None:
        """In French, every text the journey read is translated (``same``: the msgids
        spelled the same in both languages)."""
        if self.language != "en":
            left = sorted(self.untranslated - set(same))
            assert not left, f"not translated into {self.language}: {left}"


def use_language(page, live_server, language: str) -> None:
    """The browser asks for ``language`` (the cookie the language switcher sets)."""
    if language != "en":
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )


def run_in_french(journey, page, audit, mailbox, live_server) -> None:
    """Journey 5: ``journey`` read in French, mails in French; every text the journey
    looked for must have had a French translation."""
    use_language(page, live_server, "fr")
    words = journey(page, audit, mailbox, "fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    words.assert_translated()

"""Scale-out drill: the README's several-server layout on this machine, and a deadline rush
through it.

nginx (the site of ``deploy/nginx.conf`` itself, over TLS with a certificate made for the
run) in front of TWO gunicorn instances, each with its own local data folder as on
separate hosts; PgBouncer in transaction mode in front of PostgreSQL; TWO Celery workers
on Redis; uploads in an S3-compatible bucket served by moto in standalone mode (an
EMULATOR of the S3 API run locally, not Amazon S3); an SMTP sink counting every mail.
``bench/cluster.py`` starts it all on free ports of 127.0.0.1 and stops it all at the end,
whatever happens.

Then 40 applicants at once, through nginx: log in, save the draft, upload a PDF, submit
(some with a double click). Every submission must land exactly once (one version), its
file must be in the bucket with the uploaded bytes and be readable through the
permission-checked download view from EITHER web instance directly, no upload may stay in
a local folder, and every receipt must reach the sink exactly once.

Needs PostgreSQL, a broker, nginx, PgBouncer and openssl: in the embedded run it skips
saying so; CI's PostgreSQL run (AISSAI_REQUIRE_SERVICES=1) fails instead of skipping.
Its figures are in docs/scale-out.md.
"""

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.urls import reverse

from bench.cluster import Cluster, missing_tools
from bench.http_forms import csrf_token
from bench.load_client import run_load
from bench.rush import open_call, verify, wait_for_receipts
from calls.models import Document
from tests.factories.calls import INSTITUTES, institute
from tests.plugins.worker import worker_database_url

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.timeout(240),
]

APPLICANTS = 40


def log_in(session: requests.Session, base_url: str, email: str, password: str) -> None:
    page = session.get(f"{base_url}/accounts/login/", timeout=30)
    response = session.post(
        f"{base_url}/accounts/login/",
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": csrf_token(page.text),
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.status_code


def downloads_from_each_instance(cluster: Cluster, person) -> dict[str, str]:
    """{web instance: SHA-256 of what its download view sent} for the applicant's project
    PDF, logged in through nginx and then asking each instance directly."""
    document = Document.objects.get(
        application_id=person.application_id, kind="project", is_current=True
    )
    path = reverse("calls:document_download", args=[person.application_id, document.pk])
    with requests.Session() as session:
        session.trust_env = False  # REQUESTS_CA_BUNDLE would outrank ``verify``
        session.verify = cluster.certificate
        session.headers["Referer"] = f"{cluster.base_url}/"
        log_in(session, cluster.base_url, person.email, person.password)
        digests = {}
        for process, url in zip(cluster.webs, cluster.web_urls, strict=True):
            response = session.get(f"{url}{path}", timeout=30)
            assert response.status_code == 200, (process.name, response.status_code)
            digests[process.name] = hashlib.sha256(response.content).hexdigest()
        # A stranger gets nothing from either instance.
        stranger = requests.get(f"{cluster.web_urls[0]}{path}", timeout=30, allow_redirects=False)
        assert stranger.status_code == 302  # to the login page
    return digests


def test_a_deadline_rush_through_nginx_on_two_web_servers_lands_every_submission_once(
    settings, request
):
    if missing := missing_tools():
        pytest.skip(
            f"the scale-out drill needs {', '.join(missing)} (apt-get install nginx pgbouncer)"
        )
    # The institutes come with a migration; an earlier transactional test may have flushed them.
    for code, _name_fr, _name_en in INSTITUTES:
        institute(code)
    started = time.monotonic()
    with Cluster(
        database_url=worker_database_url(),
        broker_url=settings.CELERY_BROKER_URL,
        pool_size=8,
        settle=False,
    ) as cluster:
        cluster.timed("S3 emulator", cluster.start_storage)
        # This process makes the call and its drafts' files, in the same bucket and with
        # the password hasher the web servers check.
        settings.STORAGES = {**settings.STORAGES, "default": cluster.storage_options()}
        settings.PASSWORD_HASHERS = ["aissai.accounts.hashers.OwaspArgon2PasswordHasher"]
        began = time.monotonic()
        call, applicants, _seconds = open_call(
            applicants=APPLICANTS, slug=f"drill-{cluster.run_id}", seed=3, double_click=0.2
        )
        cluster.start_times["the call (generated)"] = time.monotonic() - began
        cluster.start()
        ready = time.monotonic()

        outcomes, wall, _load_started = run_load(
            cluster.base_url,
            applicants,
            ramp=2.0,
            concurrency=APPLICANTS,
            limit=60.0,
            verify=cluster.certificate,
        )
        receipts, sink, drained = wait_for_receipts(call, cluster.services, timeout=60.0)
        done = [o.applicant for o in outcomes if o.completed]
        with ThreadPoolExecutor(max_workers=8) as pool:
            downloads = list(
                pool.map(lambda person: downloads_from_each_instance(cluster, person), done)
            )
        left_locally = cluster.local_files()
        per_web = cluster.upstream_counts()
        tracebacks = cluster.tracebacks()
        bucket_keys = {
            item["Key"]
            for page in cluster.s3_client()
            .get_paginator("list_objects_v2")
            .paginate(Bucket="aissai-uploads")
            for item in page.get("Contents", [])
        }
        logs = {p.name: p.text()[-3000:] for p in cluster.services.processes}
        # Read back from the bucket while the emulator runs.
        problems = verify(call, applicants, receipts, sink)

    starts = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in cluster.start_times.items())
    errors = [s for o in outcomes for s in o.samples if not s.ok]
    for name, text in logs.items():
        request.node.add_report_section("call", name, text)
    request.node.add_report_section(
        "call",
        "figures",
        f"cluster up in {ready - started:.1f} s ({starts}); rush {wall:.1f} s; receipts drained "
        f"{drained:.1f} s after; requests per web instance {per_web}; "
        f"{len(sink)} mails at the sink; total {time.monotonic() - started:.1f} s",
    )
    assert not errors, [(s.kind, s.error) for s in errors[:5]]
    assert all(o.completed for o in outcomes)
    assert problems == []
    assert len(receipts) == len(sink) == APPLICANTS
    expected = [hashlib.sha256(person.document()).hexdigest() for person in done]
    assert [set(d.values()) for d in downloads] == [{digest} for digest in expected]
    assert all(set(d) == {"web-a", "web-b"} for d in downloads)
    documents = Document.objects.filter(application__call=call, kind="project", is_current=True)
    assert {d.file.name for d in documents} <= bucket_keys
    assert left_locally == []
    assert per_web.get("web-a", 0) > 0 and per_web.get("web-b", 0) > 0, per_web
    assert sum(tracebacks.values()) == 0, tracebacks

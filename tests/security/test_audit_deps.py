"""The dependency audit's verdict (``tests/security/audit_deps.py``): vulnerabilities fail,
an unreachable advisory service is reported as such and never passes as "clean"."""

from tests.security.audit_deps import parse_npm_audit, parse_pip_audit, verdict

CLEAN = {"dependencies": [{"name": "django", "version": "5.2.8", "vulns": []}], "fixes": []}
VULNERABLE = {
    "dependencies": [
        {
            "name": "django",
            "version": "5.2.1",
            "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.2"]}],
        }
    ]
}
UNREACHABLE = {
    "dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}
    ]
}
NPM_CLEAN = {
    "metadata": {"vulnerabilities": {}, "dependencies": {"prod": 6}},
    "vulnerabilities": {},
}
NPM_REFUSED = {"message": "405 Method Not Allowed - POST …/advisories/bulk", "statusCode": 405}


def test_clean_audit_passes():
    status, lines = verdict(
        [parse_pip_audit(CLEAN), parse_npm_audit(NPM_CLEAN, 4)], allow_unaudited=False
    )
    assert status == 0
    assert lines[-1] == "No known vulnerabilities in the locked dependencies."


def test_a_vulnerability_fails_whatever_else_happened():
    reports = [parse_pip_audit(VULNERABLE), parse_npm_audit(NPM_REFUSED, 4)]
    status, lines = verdict(reports, allow_unaudited=True)
    assert status == 1
    assert "  VULNERABLE django 5.2.1: PYSEC-2025-1 (fixed in 5.2.2)" in lines


def test_an_unreachable_service_is_said_and_is_not_a_pass():
    reports = [parse_pip_audit(UNREACHABLE), parse_npm_audit(NPM_REFUSED, 4)]
    status, lines = verdict(reports, allow_unaudited=False)
    assert status == 2
    assert any(line.startswith("  NOT AUDITED (1): django") for line in lines)
    assert any("SERVICE UNREACHABLE: 405 Method Not Allowed" in line for line in lines)
    assert "NOT AUDITED" in lines[-1]

    status, lines = verdict(reports, allow_unaudited=True)
    assert status == 0
    assert "NOT AUDITED" in lines[-1]


def test_a_tool_that_hangs_or_cannot_start_is_not_audited_not_a_crash():
    import subprocess

    from tests.security.audit_deps import _guarded

    def hangs():
        raise subprocess.TimeoutExpired(["pip-audit"], 300)

    def missing():
        raise FileNotFoundError("pip-audit")

    reports = [_guarded("Python", hangs), _guarded("JavaScript", missing)]
    status, lines = verdict(reports, allow_unaudited=False)
    assert status == 2
    assert any("SERVICE UNREACHABLE: TimeoutExpired" in line for line in lines)
    assert any("SERVICE UNREACHABLE: FileNotFoundError" in line for line in lines)
    assert _guarded("JavaScript", lambda: None) is None  # npm absent: no report at all

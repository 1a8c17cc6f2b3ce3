"""Audit the locked dependencies for known vulnerabilities: ``make audit-deps``.

Python: pip-audit over ``requirements-dev.lock`` (every runtime pin of
``requirements.lock`` plus the development tools; PyPI's vulnerability data, per pinned
version). JavaScript: ``npm audit --omit=dev`` over ``package-lock.json`` (the npm
registry's advisories for the packages served to browsers).

Exit status, so that CI can tell the cases apart:

- 0: every package was looked up and none has a known vulnerability;
- 1: a known vulnerability was found (listed, with the fixed versions);
- 2: some packages could not be looked up (the advisory service is unreachable or
  refuses the query): nothing is claimed about them, and the output says so plainly.
  ``--allow-unaudited`` turns this case into 0, still printing "NOT AUDITED".

pip-audit alone would say "No known vulnerabilities found" with exit 0 when it could
look up nothing (without ``--strict``), or stop at the first package it cannot look up
(with it): neither tells how much was really checked.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Report:
    source: str
    checked: int = 0
    vulnerabilities: list[str] = field(default_factory=list)
    unaudited: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def complete(self) -> bool:
        return not self.error and not self.unaudited


def parse_pip_audit(data: dict) -> Report:
    report = Report(source="Python (pip-audit, requirements-dev.lock)")
    for dependency in data.get("dependencies", []):
        name = f"{dependency.get('name')} {dependency.get('version', '')}".strip()
        if "skip_reason" in dependency:
            report.unaudited.append(name)
            report.error = report.error or dependency["skip_reason"]
            continue
        report.checked += 1
        for vuln in dependency.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            report.vulnerabilities.append(f"{name}: {vuln.get('id')} (fixed in {fixes})")
    return report


def parse_npm_audit(data: dict, packages: int) -> Report:
    report = Report(source="JavaScript (npm audit --omit=dev, package-lock.json)")
    if "error" in data or "statusCode" in data or "metadata" not in data:
        error = data.get("error")
        report.error = (
            data.get("message")
            or (error.get("summary") if isinstance(error, dict) else None)
            or "npm audit gave no report"
        )
        report.unaudited = [f"{packages} packages"]
        return report
    report.checked = data["metadata"].get("dependencies", {}).get("prod", packages)
    for name, vuln in sorted(data.get("vulnerabilities", {}).items()):
        fix = vuln.get("fixAvailable")
        fixed = "a fix is available" if fix else "no fix yet"
        report.vulnerabilities.append(
            f"{name} {vuln.get('range', '')}: {vuln.get('severity')}, {fixed}"
        )
    return report


def run_pip_audit() -> Report:
    binary = Path(sys.executable).with_name("pip-audit")
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [
                str(binary),
                "--requirement",
                str(ROOT / "requirements-dev.lock"),
                "--disable-pip",
                "--no-deps",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(output),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if not output.exists():
            report = Report(source="Python (pip-audit, requirements-dev.lock)")
            report.error = (result.stderr.strip().splitlines() or ["pip-audit failed"])[-1]
            report.unaudited = ["requirements-dev.lock"]
            return report
        return parse_pip_audit(json.loads(output.read_text()))


def run_npm_audit() -> Report | None:
    npm = shutil.which("npm")
    lock = ROOT / "package-lock.json"
    if npm is None or not lock.exists():
        return None
    packages = len(json.loads((ROOT / "package.json").read_text()).get("dependencies", {}))
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [npm, "audit", "--omit=dev", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        data = json.loads(result.stdout or "{}")
    except json.JSONDecodeError:
        data = {"error": {"summary": result.stderr.strip()[-300:] or "no JSON from npm"}}
    return parse_npm_audit(data, packages)


def verdict(reports: list[Report], *, allow_unaudited: bool) -> tuple[int, list[str]]:
    lines = []
    for report in reports:
        lines.append(f"{report.source}: {report.checked} looked up")
        lines += [f"  VULNERABLE {line}" for line in report.vulnerabilities]
        if report.error:
            lines.append(f"  SERVICE UNREACHABLE: {report.error}")
        if report.unaudited:
            shown = ", ".join(report.unaudited[:5])
            more = len(report.unaudited) - 5
            lines.append(
                f"  NOT AUDITED ({len(report.unaudited)}): {shown}"
                + (f" and {more} more" if more > 0 else "")
            )
    if any(report.vulnerabilities for report in reports):
        return 1, [*lines, "Known vulnerabilities found."]
    if not all(report.complete for report in reports):
        note = "Some dependencies were NOT AUDITED: the advisory data could not be reached."
        return (0 if allow_unaudited else 2), [*lines, note]
    return 0, [*lines, "No known vulnerabilities in the locked dependencies."]


def _guarded(source: str, run) -> Report | None:
    """``run()``, or a report saying nothing was audited when the tool hangs or cannot
    start (a network that never answers must not pass, nor fail as a vulnerability)."""
    try:
        return run()
    except (subprocess.TimeoutExpired, OSError, ValueError) as error:
        report = Report(source=source)
        report.error = f"{type(error).__name__}: {error}"[:300]
        report.unaudited = ["all packages"]
        return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allow-unaudited", action="store_true")
    args = parser.parse_args(argv)
    reports = [_guarded("Python (pip-audit, requirements-dev.lock)", run_pip_audit)]
    npm = _guarded("JavaScript (npm audit --omit=dev, package-lock.json)", run_npm_audit)
    if npm is not None:
        reports.append(npm)
    status, lines = verdict(reports, allow_unaudited=args.allow_unaudited)
    print("\n".join(lines))  # noqa: T201 - a command-line report
    return status


if __name__ == "__main__":
    sys.exit(main())

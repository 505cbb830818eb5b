"""The CI workflow deploys only what passed, and trusts no moving tag."""

from __future__ import annotations

import re

import yaml
from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SITE = ROOT / ".github" / "workflows" / "site.yml"
ON_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def steps(workflow: dict):
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def test_every_action_is_pinned_by_commit_sha():
    for path in WORKFLOWS:
        for job, step in steps(yaml.safe_load(path.read_text())):
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), (
                    f"{path.name}, job {job}: {step['uses']} is not pinned by a commit SHA"
                )


def test_no_checkout_keeps_the_token():
    for path in WORKFLOWS:
        for job, step in steps(yaml.safe_load(path.read_text())):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (
                    f"{path.name}, job {job}: checkout must set persist-credentials: false"
                )


def test_deploys_only_what_passed_from_main():
    jobs = yaml.safe_load(SITE.read_text())["jobs"]
    assert jobs["build"]["needs"] == "test"
    assert jobs["deploy"]["needs"] == "build" and jobs["deploy"]["if"] == ON_MAIN
    assert jobs["notebooks"]["needs"] == "deploy" and jobs["notebooks"]["if"] == ON_MAIN
    assert "make test" in str(jobs["test"]["steps"])
    deployers = [p for p in WORKFLOWS if "deploy-pages@" in p.read_text()]
    assert deployers == [SITE], "only the tested workflow may deploy"


def test_external_links_are_checked_weekly():
    workflow = yaml.safe_load(SITE.read_text())
    assert any(s.get("cron") for s in workflow[True]["schedule"])  # YAML reads "on" as True
    assert any("lychee" in step.get("uses", "") for _, step in steps(workflow))

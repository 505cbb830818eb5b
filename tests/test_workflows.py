"""The CI workflow deploys only the site its tests checked, and trusts no moving tag."""

from __future__ import annotations

import re

import yaml
from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SITE = ROOT / ".github" / "workflows" / "site.yml"
ON_MAIN = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def uses(workflow: dict):
    """(job, what it uses) for every action a job's steps use, and every reusable workflow a
    job itself uses."""
    for name, job in workflow["jobs"].items():
        if "uses" in job:
            yield name, job["uses"]
        for step in job.get("steps", []):
            if "uses" in step:
                yield name, step["uses"]


def steps(workflow: dict):
    for name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            yield name, step


def check_pinned(workflow: dict, where: str) -> list[str]:
    return [
        f"{where}, job {job}: {action} is not pinned by a commit SHA"
        for job, action in uses(workflow)
        if not action.startswith("./")
        and not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action)
    ]


def test_every_action_and_reusable_workflow_is_pinned_by_commit_sha():
    for path in WORKFLOWS:
        problems = check_pinned(yaml.safe_load(path.read_text()), path.name)
        assert not problems, "\n".join(problems)


def test_the_pin_check_sees_a_job_level_reusable_workflow():
    workflow = {"jobs": {"call": {"uses": "octo/repo/.github/workflows/x.yml@main"}}}
    assert check_pinned(workflow, "w.yml") == [
        "w.yml, job call: octo/repo/.github/workflows/x.yml@main is not pinned by a commit SHA"
    ]


def test_no_checkout_keeps_the_token():
    for path in WORKFLOWS:
        for job, step in steps(yaml.safe_load(path.read_text())):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (
                    f"{path.name}, job {job}: checkout must set persist-credentials: false"
                )


def runs(job: dict) -> list[str]:
    """The shell commands of a job's steps, in order."""
    return [step["run"] for step in job.get("steps", []) if "run" in step]


def test_deploys_the_site_its_tests_checked_and_only_from_main():
    jobs = yaml.safe_load(SITE.read_text())["jobs"]
    test = jobs["test"]
    commands = runs(test)
    assert any(re.search(r"^make test\b", c, re.M) for c in commands), commands
    after_test = test["steps"][
        next(i for i, s in enumerate(test["steps"]) if "make test" in s.get("run", "")) + 1 :
    ]
    pages = [
        s for s in after_test if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert pages and pages[0]["with"]["path"] == "site", "the tested site/ is not what is uploaded"
    assert not any("make build" in c or "mkdocs build" in c for c in commands), (
        "the test job builds a second site"
    )
    assert jobs["deploy"]["needs"] == "test" and jobs["deploy"]["if"] == ON_MAIN
    assert jobs["notebooks"]["needs"] == "deploy" and jobs["notebooks"]["if"] == ON_MAIN
    builders = [name for name, job in jobs.items() if any("make build" in c for c in runs(job))]
    assert not builders, f"jobs that build another site than the tested one: {builders}"
    deployers = [p for p in WORKFLOWS if "deploy-pages@" in p.read_text()]
    assert deployers == [SITE], "only the tested workflow may deploy"


def test_namespaces_are_required_and_checked_before_the_tests():
    workflow = yaml.safe_load(SITE.read_text())
    assert workflow["env"]["ROADMAP_REQUIRE_NAMESPACES"] == "1"
    commands = "\n".join(runs(workflow["jobs"]["test"]))
    assert commands.index("apparmor_restrict_unprivileged_userns=0") < commands.index("make test")
    assert 'sandbox.py --isolation)" = namespaces' in commands


def test_weekly_the_matrix_and_the_external_links():
    workflow = yaml.safe_load(SITE.read_text())
    crons = [s["cron"] for s in workflow[True]["schedule"]]  # YAML reads "on" as True
    assert any(re.fullmatch(r"\S+ \S+ \* \* [0-6]", cron) for cron in crons), crons  # weekly
    jobs = workflow["jobs"]
    assert any("make matrix" in c for c in runs(jobs["matrix"]))
    assert "schedule" in jobs["matrix"]["if"] and "schedule" in jobs["links"]["if"]
    assert any("lychee" in action for _, action in uses(workflow))

"""Nobody reaches into a project they are not a member of (§5, projects).

Generic over the registry: every list command with ``projectid`` must refuse a
project of another account (531) and serve the caller's own project, and the
create commands must refuse to create resources owned by a foreign project.
"""

from __future__ import annotations

import pytest

from cumulo.api.declaration import load_commands
from cumulo.api.roles import RoleType
from tests.identity import account_client, error_of
from tests.support.client import ApiClient
from tests.support.cloud import Cloud
from tests.tenants import shared_cloud  # noqa: F401  (module-scoped "cloud")
from tests.test_projects import create_project

# Required parameters a list needs besides projectid.
NEEDS = {"listTemplates": {"templatefilter": "self"}, "listIsos": {"isofilter": "self"}}
# Lists of one project's own things: projectid=-1 (every project) is a 431 there.
ONE_PROJECT = {"listProjectAccounts", "listProjectRoles", "listProjectRolePermissions"}
LISTS_WITH_PROJECT = sorted(
    c.name
    for c in load_commands().values()
    if c.is_list
    and RoleType.USER in c.authorized
    and "projectid" in c.params_by_key
    and not c.params_by_key["projectid"].unsupported
)


@pytest.fixture(scope="module")
def projects(cloud: Cloud) -> tuple[Cloud, ApiClient, dict, dict]:
    _a, alice = account_client(cloud, "pb-alice")
    _b, bob = account_client(cloud, "pb-bob")
    return cloud, alice, create_project(alice, "pb-mine"), create_project(bob, "pb-theirs")


@pytest.mark.parametrize("command", LISTS_WITH_PROJECT)
def test_lists_refuse_a_foreign_project(projects: tuple, command: str) -> None:
    _cloud, alice, mine, theirs = projects
    extra = NEEDS.get(command, {})
    assert error_of(alice.call, command, projectid=theirs["id"], **extra) == 531
    alice.call(command, projectid=mine["id"], **extra)  # the own project lists fine
    if command in ONE_PROJECT:
        assert error_of(alice.call, command, projectid="-1", **extra) == 431
    else:
        alice.call(command, projectid="-1", **extra)


@pytest.mark.parametrize(
    ("command", "params"),
    [
        ("createSSHKeyPair", {"name": "k"}),
        ("createSecurityGroup", {"name": "sg"}),
        ("createAffinityGroup", {"name": "ag", "type": "host anti-affinity"}),
    ],
)
def test_creates_refuse_a_foreign_project(projects: tuple, command: str, params: dict) -> None:
    _cloud, alice, mine, theirs = projects
    assert error_of(alice.call, command, projectid=theirs["id"], **params) == 531
    created = alice.call(command, projectid=mine["id"], **params)
    assert created  # a member creates in its own project

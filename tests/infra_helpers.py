"""Building zones through the API the way Marvin's deployDataCenter does."""

from __future__ import annotations

import time
from typing import Any

from tests.support.client import ApiClient
from tests.support.cloud import Cloud


def wait_hosts_up(
    api: ApiClient, count: int, timeout: float = 20.0, **filters: Any
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    hosts: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        hosts = api.call("listHosts", type="Routing", **filters).get("host", [])
        if len(hosts) == count and all(h["state"] == "Up" for h in hosts):
            return hosts
        time.sleep(0.1)
    raise AssertionError(f"hosts not Up in {timeout}s: {[(h['name'], h['state']) for h in hosts]}")


def make_zone(
    api: ApiClient, name: str = "z1", networktype: str = "Advanced", **extra: Any
) -> dict[str, Any]:
    return api.call(
        "createZone",
        name=name,
        networktype=networktype,
        dns1="10.147.28.6",
        internaldns1="10.147.28.6",
        **extra,
    )["zone"]


def make_pod(
    api: ApiClient, zone_id: str, name: str = "POD0", prefix: str = "172.16.15"
) -> dict[str, Any]:
    return api.call(
        "createPod",
        zoneid=zone_id,
        name=name,
        gateway=f"{prefix}.1",
        netmask="255.255.255.0",
        startip=f"{prefix}.2",
        endip=f"{prefix}.200",
    )["pod"]


def make_cluster(api: ApiClient, zone_id: str, pod_id: str, name: str = "C0") -> dict[str, Any]:
    return api.call(
        "addCluster",
        zoneid=zone_id,
        podid=pod_id,
        clustername=name,
        clustertype="CloudManaged",
        hypervisor="Simulator",
    )["cluster"][0]


def add_host(
    api: ApiClient, zone_id: str, pod_id: str, cluster_id: str, url: str
) -> dict[str, Any]:
    body = api.call(
        "addHost",
        zoneid=zone_id,
        podid=pod_id,
        clusterid=cluster_id,
        url=url,
        hypervisor="Simulator",
        username="root",
        password="password",
    )
    assert body["count"] == 1
    return body["host"][0]


def simple_zone(api: ApiClient) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A zone with one pod and one cluster (no hosts)."""
    zone = make_zone(api)
    pod = make_pod(api, zone["id"])
    cluster = make_cluster(api, zone["id"], pod["id"])
    return zone, pod, cluster


def make_user(cloud: Cloud) -> ApiClient:
    """A plain user account in ROOT with API keys (account commands live elsewhere)."""
    from cumulo.db.models.account import Account, AccountType, User
    from cumulo.services.keys import register_keys

    def work(session):  # type: ignore[no-untyped-def]
        account = Account(name="alice", type=AccountType.USER, role_id=4, domain_id=1)
        session.add(account)
        session.flush()
        user = User(username="alice", account_id=account.id, domain_id=1)
        session.add(user)
        session.flush()
        return register_keys(session, user, cloud.rt.secrets)

    apikey, secretkey = cloud.rt.db.run(work)
    return cloud.client(apikey, secretkey)

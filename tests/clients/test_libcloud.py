"""Apache Libcloud's CloudStack driver against a real server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from libcloud.common.types import ProviderError
from libcloud.compute.base import NodeImage
from libcloud.compute.providers import get_driver
from libcloud.compute.types import KeyPairDoesNotExistError, NodeState, Provider
from sshpubkeys import SSHKey

from tests.clients.ansible_zone import PUBLIC_KEY
from tests.clients.conftest import LiveServer
from tests.network_helpers import advanced_zone, isolated
from tests.support.client import ApiClient
from tests.template_helpers import add_store, wait_template


def driver(live: LiveServer):  # type: ignore[no-untyped-def]
    url = urlparse(live.url)
    cls = get_driver(Provider.CLOUDSTACK)
    return cls(
        key=live.apikey,
        secret=live.secretkey,
        host=url.hostname,
        port=url.port,
        path=url.path,
        secure=False,
    )


def test_libcloud_signs_and_reads_envelopes(live: LiveServer) -> None:
    d = driver(live)
    # Libcloud lower-cases parameter names before sorting and encodes '*' as %2A.
    name = f"lc-{uuid.uuid4().hex[:6]} *x"
    created = d._sync_request("createDomain", params={"name": name})
    assert created["domain"]["name"] == name
    listed = d._sync_request("listDomains", params={"listall": "true", "name": name})
    assert listed["domain"][0]["id"] == created["domain"]["id"]
    result = d._async_request("deleteDomain", params={"id": created["domain"]["id"]})
    assert result == {"success": True}


def test_libcloud_reports_errors(live: LiveServer) -> None:
    d = driver(live)
    with pytest.raises(ProviderError) as err:
        d._sync_request("updateDomain", params={"id": str(uuid.uuid4())})
    assert err.value.http_code == 431


def test_libcloud_projects(live: LiveServer) -> None:
    d = driver(live)
    name = f"lc-proj-{uuid.uuid4().hex[:6]}"
    d._async_request("createProject", params={"name": name, "displaytext": "libcloud"})
    projects = {p.name: p for p in d.ex_list_projects()}
    assert projects[name].display_text == "libcloud"
    d._async_request("deleteProject", params={"id": projects[name].id})
    assert name not in {p.name for p in d.ex_list_projects()}


@pytest.fixture(scope="module")
def lc_zone(live: LiveServer) -> Iterator[dict[str, Any]]:
    """An Advanced zone with storage, a ready template, offerings and a guest network."""
    with httpx.Client(base_url=live.url.removesuffix("/client/api"), timeout=60) as http:
        api = ApiClient(http, live.apikey, live.secretkey)
        nz = advanced_zone(api, hosts=2)
        zone = nz.zone
        api.call(
            "createStoragePool",
            zoneid=zone["id"],
            name="lc-primary",
            scope="zone",
            hypervisor="Simulator",
            url="nfs://10.147.28.6/export/lc/primary",
        )
        add_store(api, zone, "lc")
        os_type = api.call("listOsTypes", description="CentOS 5.5 (64-bit)")["ostype"][0]
        template = api.call(
            "registerTemplate",
            name="lc-tiny",
            displaytext="tiny",
            url="http://images.example/lc-tiny.qcow2",
            format="QCOW2",
            hypervisor="Simulator",
            ostypeid=os_type["id"],
            zoneid=zone["id"],
        )["template"][0]
        wait_template(api, template["id"], zone["id"], timeout=60)
        api.call("createServiceOffering", name="lc-small", cpunumber=1, cpuspeed=500, memory=512)
        api.call("createDiskOffering", name="lc-5g", displaytext="5 GiB", disksize=5)
        network = isolated(api, zone["id"], "lc-net")
        yield {"zone": zone, "network": network, "template": template}


def test_nodes_and_volumes_through_libcloud(live: LiveServer, lc_zone: dict[str, Any]) -> None:
    d = driver(live)
    (loc,) = [loc for loc in d.list_locations() if loc.id == lc_zone["zone"]["id"]]
    size = next(s for s in d.list_sizes() if s.name == "lc-small")
    assert (size.ram, size.extra["cpu"]) == (512, 1)
    image = next(i for i in d.list_images(location=loc) if i.name == "lc-tiny")
    assert image.extra["format"] == "QCOW2" and image.extra["os"] == "CentOS 5.5 (64-bit)"
    (net,) = [n for n in d.ex_list_networks() if n.name == "lc-net"]
    d.import_key_pair_from_string("lc-key", PUBLIC_KEY)
    made = d.create_key_pair("lc-made")
    assert made.private_key.startswith("-----BEGIN")
    assert {"lc-key", "lc-made"} <= {k.name for k in d.list_key_pairs()}
    expected = SSHKey(PUBLIC_KEY).hash_md5().removeprefix("MD5:")
    assert d.get_key_pair("lc-key").fingerprint == expected
    sg = d.ex_create_security_group("lc-sg", description="web")
    d.ex_authorize_security_group_ingress("lc-sg", "TCP", "0.0.0.0/0", 443, 443)
    (listed_sg,) = [g for g in d.ex_list_security_groups() if g["name"] == "lc-sg"]
    assert listed_sg["id"] == sg["id"]
    assert [(r["protocol"], r["startport"]) for r in listed_sg["ingressrule"]] == [("tcp", 443)]

    node = d.create_node(
        name="lc-node",
        size=size,
        image=image,
        location=loc,
        networks=[net],
        ex_keyname="lc-key",
        ex_start_vm=True,
    )
    assert node.state == NodeState.RUNNING and node.private_ips[0].startswith("10.1.1.")
    nodes = {n.name: n for n in d.list_nodes(location=loc)}
    assert nodes["lc-node"].id == node.id and nodes["lc-node"].extra["key_name"] == "lc-key"
    assert d.reboot_node(node)

    pf_ip = d.ex_allocate_public_ip(network_id=net.id, location=loc)
    d.ex_create_port_forwarding_rule(node, pf_ip, 22, 2222, "TCP")
    nat_ip = d.ex_allocate_public_ip(network_id=net.id, location=loc)
    d._sync_request(
        "enableStaticNat", params={"ipaddressid": nat_ip.id, "virtualmachineid": node.id}
    )
    d.ex_create_ip_forwarding_rule(node, nat_ip, "TCP", 80, 81)
    seen = {n.id: n for n in d.list_nodes(location=loc)}[node.id]
    (pf,) = seen.extra["port_forwarding_rules"]
    assert (pf.address.address, pf.public_port, pf.private_port) == (pf_ip.address, "2222", "22")
    (fwd,) = seen.extra["ip_forwarding_rules"]
    assert (fwd.address.address, fwd.start_port, fwd.end_port) == (nat_ip.address, "80", "81")
    assert set(seen.public_ips) == {pf_ip.address, nat_ip.address}
    d.ex_delete_port_forwarding_rule(seen, pf)
    d.ex_delete_ip_forwarding_rule(seen, fwd)
    d._async_request("disableStaticNat", params={"ipaddressid": nat_ip.id})
    assert d.ex_release_public_ip(pf_ip) and d.ex_release_public_ip(nat_ip)
    assert d.ex_get_node(node.id).extra["port_forwarding_rules"] == []
    assert d.ex_get_node(node.id).state == NodeState.RUNNING

    vol = d.create_volume(size=5, name="lc-vol", location=loc)
    assert d.attach_volume(node, vol)
    attached = {v.name: v for v in d.list_volumes(node=node)}
    assert attached["lc-vol"].size == 5 * 1024**3 and len(attached) == 2  # ROOT + data
    assert d.detach_volume(vol)
    assert "lc-vol" not in {v.name for v in d.list_volumes(node=node)}
    assert d.destroy_volume(vol)
    assert "lc-vol" not in {v.name for v in d.list_volumes()}

    assert d.destroy_node(node, ex_expunge=True)
    assert "lc-node" not in {n.name for n in d.list_nodes(location=loc)}
    # Libcloud compares success with the string "true"; the API sends a JSON boolean
    # (as CloudStack does), so the return value says False although the key is gone.
    d.delete_key_pair(d.get_key_pair("lc-made"))
    assert "lc-made" not in {k.name for k in d.list_key_pairs()}
    d.ex_delete_security_group("lc-sg")


def test_libcloud_errors_are_provider_errors(live: LiveServer, lc_zone: dict[str, Any]) -> None:
    d = driver(live)
    size = next(s for s in d.list_sizes() if s.name == "lc-small")
    bogus = NodeImage(id=str(uuid.uuid4()), name="nope", driver=d)
    with pytest.raises(ProviderError) as err:
        d.create_node(name="lc-bad", size=size, image=bogus, location=d.list_locations()[0])
    assert err.value.http_code == 431
    with pytest.raises(KeyPairDoesNotExistError):
        d.get_key_pair("no-such-key")

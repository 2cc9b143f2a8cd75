"""Apache Libcloud's CloudStack driver against a real server."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

import pytest
from libcloud.common.types import ProviderError
from libcloud.compute.providers import get_driver
from libcloud.compute.types import Provider

from tests.clients.conftest import LiveServer


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

"""XML responses carry exactly what the JSON ones do: lists, nesting, booleans, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import httpx

from cumulo import CLOUDSTACK_API_VERSION
from cumulo.http.signing import sign
from tests.support.cloud import Cloud

NASTY_NAME = "a<b>&c \"q\" 'x' ]]> 张三 🚀 &amp;"


def _both(cloud: Cloud, command: str, **params: Any) -> tuple[httpx.Response, httpx.Response]:
    """The same call answered as JSON and as XML."""
    client = cloud.admin
    as_json = client.raw(command, **params)
    p = client.signed_params(command, params)
    p["response"] = "xml"
    p["signature"] = sign({k: v for k, v in p.items() if k != "signature"}, client.secretkey)
    as_xml = cloud.http.get("/client/api", params=p)
    return as_json, as_xml


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _same(elem: ET.Element, value: Any, where: str) -> None:
    """``elem`` holds ``value`` as CloudStack's XML writes JSON's shape."""
    if isinstance(value, dict):
        tags = {child.tag for child in elem}
        # An empty list is no element at all in XML.
        want = {k for k, v in value.items() if v != []}
        assert tags == want, f"{where}: children {sorted(tags)} != {sorted(want)}"
        for key, item in value.items():
            children = elem.findall(key)
            if isinstance(item, list):
                assert len(children) == len(item), f"{where}.{key}: {len(children)} elements"
                for i, (child, sub) in enumerate(zip(children, item, strict=True)):
                    _same(child, sub, f"{where}.{key}[{i}]")
            else:
                assert len(children) == 1, f"{where}.{key}: {len(children)} elements, not one"
                _same(children[0], item, f"{where}.{key}")
        return
    assert len(elem) == 0, f"{where}: a scalar with children"
    assert (elem.text or "") == _scalar(value), f"{where}: {elem.text!r} != {value!r}"


def _check(as_json: httpx.Response, as_xml: httpx.Response) -> ET.Element:
    assert as_xml.status_code == as_json.status_code
    assert as_xml.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(as_xml.content)  # a real parser: malformed XML raises
    ((wrapper, inner),) = as_json.json().items()
    assert root.tag == wrapper
    assert root.get("cloud-stack-version") == CLOUDSTACK_API_VERSION
    _same(root, inner, wrapper)
    return root


def test_lists_nesting_and_escaping_match_json(cloud: Cloud) -> None:
    parent = cloud.admin.call("createDomain", name=NASTY_NAME)["domain"]
    cloud.admin.call("createDomain", name="子域 ✓", parentdomainid=parent["id"])
    root = _check(*_both(cloud, "listDomains", listall=True))
    names = [d.findtext("name") for d in root.findall("domain")]
    assert NASTY_NAME in names and "子域 ✓" in names  # escaped on the wire, intact when parsed
    assert root.findtext("count") == "3"
    child = _check(*_both(cloud, "listDomainChildren", id=parent["id"]))
    assert child.find("domain/haschild") is not None


def test_characters_xml_cannot_carry_still_give_well_formed_xml(cloud: Cloud) -> None:
    """U+FFFE/U+FFFF pass the control-character check but are not XML 1.0 characters."""
    cloud.admin.call("createDomain", name="odd\ufffe\uffffname")
    as_json, as_xml = _both(cloud, "listDomains", listall=True, name="odd\ufffe\uffffname")
    root = ET.fromstring(as_xml.content)
    assert as_json.json()["listdomainsresponse"]["count"] == 1
    assert root.findtext("domain/name") == "odd\ufffd\ufffdname"


def test_booleans_and_single_objects_match_json(cloud: Cloud) -> None:
    root = _check(*_both(cloud, "listCapabilities"))
    assert root.findtext("capability/dynamicrolesenabled") == "true"
    assert root.findtext("capability/securitygroupsenabled") == "false"


def test_deeply_nested_lists_match_json(cloud: Cloud) -> None:
    root = _check(*_both(cloud, "listApis", name="listDomains"))
    params = root.findall("api/params")
    assert len(params) > 5 and all(p.find("name") is not None for p in params)


def test_async_job_results_match_json(cloud: Cloud) -> None:
    gone = cloud.admin.call("createDomain", name="<gone & done>")["domain"]["id"]
    job = cloud.admin.call("deleteDomain", id=gone)["jobid"]
    cloud.admin.wait_job(job)
    root = _check(*_both(cloud, "queryAsyncJobResult", jobid=job))
    assert root.findtext("jobstatus") == "1"
    assert root.findtext("jobresult/success") == "true"


def test_errors_match_json(cloud: Cloud) -> None:
    as_json, as_xml = _both(cloud, "createDomain", name="x" * 300)
    root = _check(as_json, as_xml)
    assert as_xml.status_code == 431
    assert root.findtext("errorcode") == "431"
    assert "255" in (root.findtext("errortext") or "")

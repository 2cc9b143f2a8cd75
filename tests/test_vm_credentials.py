"""resetSSHKeyForVirtualMachine and getVMPassword: keys by name, the password readable
only with the VM's private key (decrypted here with the openssl command line)."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra_helpers import make_user
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.vm_helpers import build, deploy


def _decrypt(private_pem: str, encrypted: str, tmp_path: Path) -> str:
    key = tmp_path / "key.pem"
    key.write_text(private_pem)
    blob = tmp_path / "pw.bin"
    blob.write_bytes(base64.b64decode(encrypted))
    out = subprocess.run(
        [
            "openssl",
            "pkeyutl",
            "-decrypt",
            "-inkey",
            str(key),
            "-in",
            str(blob),
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
        ],
        check=True,
        capture_output=True,
    )
    return out.stdout.decode()


def _password_template(api: Any, template_id: str) -> None:
    api.call("updateTemplate", id=template_id, passwordenabled=True)


def test_password_is_encrypted_with_the_vm_key(cloud: Cloud, tmp_path: Path) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    _password_template(api, env.template_id)
    first = api.call("createSSHKeyPair", name="first")["keypair"]
    second = api.call("createSSHKeyPair", name="second")["keypair"]
    vm = deploy(api, env, name="pw", keypair="first")["virtualmachine"]
    assert len(vm["password"]) == 12
    got = api.call("getVMPassword", id=vm["id"])["password"]["encryptedpassword"]
    assert _decrypt(first["privatekey"], got, tmp_path) == vm["password"]
    with pytest.raises(ApiError) as err:  # running VM
        api.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="second")
    assert err.value.status == 431 and "stop it first" in err.value.body["errortext"]
    api.run("stopVirtualMachine", id=vm["id"])
    with pytest.raises(ApiError) as err:
        api.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="nope")
    assert err.value.status == 431 and "nope" in err.value.body["errortext"]
    reset = api.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypairs="second")
    reset_vm = reset["virtualmachine"]
    assert reset_vm["keypairs"] == "second" and reset_vm["password"] != vm["password"]
    got = api.call("getVMPassword", id=vm["id"])["password"]["encryptedpassword"]
    assert _decrypt(second["privatekey"], got, tmp_path) == reset_vm["password"]
    types = [e["type"] for e in api.call("listEvents", type="VM.RESETSSHKEY")["event"]]
    assert types == ["VM.RESETSSHKEY"]


def test_no_password_without_template_support_or_key(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    api.call("createSSHKeyPair", name="k")
    plain = deploy(api, env, name="plain", keypair="k")["virtualmachine"]
    assert "password" not in plain
    with pytest.raises(ApiError) as err:
        api.call("getVMPassword", id=plain["id"])
    assert err.value.status == 431 and "password enabled template" in err.value.body["errortext"]
    _password_template(api, env.template_id)
    keyless = deploy(api, env, name="keyless")["virtualmachine"]
    with pytest.raises(ApiError) as err:
        api.call("getVMPassword", id=keyless["id"])
    assert err.value.status == 431


def test_keys_of_another_account_are_refused(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    user = make_user(cloud)
    user.call("createSSHKeyPair", name="alices")
    api.call("createSSHKeyPair", name="admins")
    vm = deploy(api, env, name="adm", startvm=False)["virtualmachine"]
    with pytest.raises(ApiError) as err:  # the name exists, but in another account
        api.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="alices")
    assert err.value.status == 431
    with pytest.raises(ApiError) as err:
        api.run(
            "resetSSHKeyForVirtualMachine",
            id=vm["id"],
            keypair="alices",
            account="alice",
            domainid=api.call("listDomains", name="ROOT")["domain"][0]["id"],
        )
    assert err.value.status == 431 and "owner of VM" in err.value.body["errortext"]
    with pytest.raises(ApiError) as err:  # not the user's VM
        user.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="alices")
    assert err.value.status == 531
    done = api.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="admins")
    assert done["virtualmachine"]["keypairs"] == "admins"


def _job_rows_text(cloud: Cloud) -> str:
    """Everything the async_job table holds, as text (what a database dump would show)."""
    from sqlalchemy import text

    rows = cloud.rt.db.run(
        lambda s: s.execute(text("SELECT payload, result, checkpoint FROM async_job")).all()
    )
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


def test_passwords_are_not_kept_in_clear_in_job_rows(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    api = cloud.admin
    _password_template(api, env.template_id)
    api.call("createSSHKeyPair", name="k")
    deployed = api.call(
        "deployVirtualMachine",
        zoneid=env.zone["id"],
        serviceofferingid=env.offering["id"],
        templateid=env.template_id,
        networkids=env.network_id,
        name="sealed",
        keypair="k",
    )
    vm = api.wait_job(deployed["jobid"])["jobresult"]["virtualmachine"]
    reset = api.run("resetPasswordForVirtualMachine", id=vm["id"])["virtualmachine"]
    api.run("stopVirtualMachine", id=vm["id"])
    rekeyed = api.run("resetSSHKeyForVirtualMachine", id=vm["id"], keypair="k")["virtualmachine"]
    passwords = [vm["password"], reset["password"], rekeyed["password"]]
    assert all(len(p) == 12 for p in passwords) and len(set(passwords)) == 3
    stored = _job_rows_text(cloud)
    assert "cumulo-sealed:v1:" in stored
    for password in passwords:
        assert password not in stored
    # Polling again (and listing jobs) still answers the password, as CloudStack does.
    again = api.call("queryAsyncJobResult", jobid=deployed["jobid"])
    assert again["jobresult"]["virtualmachine"]["password"] == vm["password"]
    listed = api.call("listAsyncJobs")["asyncjobs"]
    mine = next(j for j in listed if j["jobid"] == deployed["jobid"])
    assert mine["jobresult"]["virtualmachine"]["password"] == vm["password"]

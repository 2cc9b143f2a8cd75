"""SSH key pairs: generation, registration, OpenSSH-compatible fingerprints, ownership."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.tenants import (
    make_domain,
    make_tenant,
    shared_cloud,  # noqa: F401  (module-scoped "cloud")
)


def ssh_keygen_md5(public_key: str, tmp_path: Path) -> str:
    """The fingerprint OpenSSH prints, without its 'MD5:' prefix."""
    path = tmp_path / "key.pub"
    path.write_text(public_key + "\n")
    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "md5", "-f", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return out.split()[1].removeprefix("MD5:")


def new_openssh_key(tmp_path: Path, kind: str) -> str:
    key = tmp_path / f"id_{kind}"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "me@laptop", "-f", str(key)], check=True
    )
    return (tmp_path / f"id_{kind}.pub").read_text().strip()


def test_create_returns_a_working_private_key(cloud: Cloud, tmp_path: Path) -> None:
    pair = cloud.admin.call("createSSHKeyPair", name="generated")["keypair"]
    assert pair["privatekey"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert pair["account"] == "admin" and pair["domain"] == "ROOT"
    private = tmp_path / "id"
    private.write_text(pair["privatekey"])
    private.chmod(0o600)
    public = subprocess.run(
        ["ssh-keygen", "-y", "-f", str(private)], check=True, capture_output=True, text=True
    ).stdout.strip()
    assert pair["fingerprint"] == ssh_keygen_md5(public, tmp_path)
    listed = cloud.admin.call("listSSHKeyPairs", name="generated")["sshkeypair"]
    assert len(listed) == 1 and "privatekey" not in listed[0]
    assert listed[0]["id"] == pair["id"] and listed[0]["fingerprint"] == pair["fingerprint"]


@pytest.mark.parametrize("kind", ["rsa", "ed25519", "ecdsa"])
def test_register_computes_openssh_fingerprint(cloud: Cloud, tmp_path: Path, kind: str) -> None:
    public = new_openssh_key(tmp_path, kind)
    pair = cloud.admin.call(
        "registerSSHKeyPair", method="POST", name=f"laptop-{kind}", publickey=public
    )["keypair"]
    assert pair["fingerprint"] == ssh_keygen_md5(public, tmp_path)
    found = cloud.admin.call("listSSHKeyPairs", fingerprint=pair["fingerprint"])
    assert [k["name"] for k in found["sshkeypair"]] == [f"laptop-{kind}"]
    with pytest.raises(ApiError) as err:  # same key again under another name
        cloud.admin.call(
            "registerSSHKeyPair", method="POST", name=f"again-{kind}", publickey=public
        )
    assert err.value.status == 431


@pytest.mark.parametrize(
    "publickey",
    [
        "not a key",
        "ssh-rsa",
        "ssh-rsa AAAA!!!notbase64",
        "ssh-rsa QUJDREVGRw== comment",
        "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 x",
    ],
)
def test_invalid_public_keys_are_431(cloud: Cloud, publickey: str) -> None:
    with pytest.raises(ApiError) as err:
        cloud.admin.call("registerSSHKeyPair", method="POST", name="broken", publickey=publickey)
    assert err.value.status == 431
    assert "Public key is invalid" in err.value.body["errortext"]
    assert "ssh-rsa AAAA" in err.value.body["errortext"]  # says what a valid key looks like
    assert cloud.admin.call("listSSHKeyPairs", name="broken") == {}


def test_names_are_per_account_and_visibility(cloud: Cloud, tmp_path: Path) -> None:
    team = make_domain(cloud, "team")
    alice = make_tenant(cloud, "alice", team)
    bob = make_tenant(cloud, "bob", team)
    public = new_openssh_key(tmp_path, "ed25519")
    alice.client.call("registerSSHKeyPair", method="POST", name="work", publickey=public)
    bob.client.call("createSSHKeyPair", name="work")  # same name, other account: fine
    with pytest.raises(ApiError) as err:
        alice.client.call("createSSHKeyPair", name="work")
    assert err.value.status == 431 and "already exists" in err.value.body["errortext"]
    assert [k["account"] for k in alice.client.call("listSSHKeyPairs")["sshkeypair"]] == ["alice"]
    # A user asking for everything still only sees its own keys.
    assert alice.client.call("listSSHKeyPairs", listall=True)["count"] == 1
    admin_view = cloud.admin.call("listSSHKeyPairs", domainid=team, name="work")
    assert sorted(k["account"] for k in admin_view["sshkeypair"]) == ["alice", "bob"]
    assert all(k["domainid"] == team for k in admin_view["sshkeypair"])
    # An admin acts for an account; a user may not.
    cloud.admin.call("deleteSSHKeyPair", name="work", account="bob", domainid=team)
    assert bob.client.call("listSSHKeyPairs") == {}
    with pytest.raises(ApiError) as err:
        bob.client.call("createSSHKeyPair", name="x", account="alice", domainid=team)
    assert err.value.status == 531
    with pytest.raises(ApiError) as err:
        alice.client.call("deleteSSHKeyPair", name="nope")
    assert err.value.status == 431
    assert alice.client.call("deleteSSHKeyPair", name="work")["success"] is True
    with pytest.raises(ApiError) as err:  # projects are another area; none exist here
        alice.client.call(
            "createSSHKeyPair", name="p", projectid="0b7c5f1e-6a59-4f3e-9c1e-1d2a3b4c5d6e"
        )
    assert err.value.status == 431 and "project" in err.value.body["errortext"]

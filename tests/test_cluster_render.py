"""`cumulo cluster render`: both guide topologies, checked by the real daemons."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from cumulo.cli.main import cli
from cumulo.cluster.inventory import Inventory, InventoryError, load_inventory
from cumulo.cluster.render import render_all, write
from cumulo.cluster.render.layout import DEBIAN
from cumulo.cluster.render.secrets import load_or_create

EXAMPLES = Path(__file__).parent.parent / "examples"
TOPOLOGY_A = EXAMPLES / "ha-3-managers.toml"
TOPOLOGY_B = EXAMPLES / "ha-2-managers-garbd.toml"


def _self_signed_pem(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cumulo.test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _render(inv: Inventory, out: Path, secrets_file: Path) -> None:
    # The track script lives next to the output so keepalived -t can find it.
    layout = replace(DEBIAN, keepalived_script=str(out / "chk_haproxy.sh"))
    write(render_all(inv, load_or_create(secrets_file), lambda _n: layout), out)
    (out / "chk_haproxy.sh").write_text("#!/bin/sh\nexit 0\n")
    (out / "chk_haproxy.sh").chmod(0o755)


@pytest.fixture
def netns_with_eth0_eth1() -> Iterator[str]:
    """keepalived -t checks that the configured interfaces exist."""
    ns = f"ckt-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(
            ["ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth1"],
            check=True,
        )
        yield ns
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False)


@pytest.mark.parametrize("example", [TOPOLOGY_A, TOPOLOGY_B], ids=["3-managers", "garbd"])
def test_rendered_configs_pass_the_real_checkers(
    example: Path, tmp_path: Path, netns_with_eth0_eth1: str
) -> None:
    inv = load_inventory(example)
    pem = tmp_path / "cumulo.pem"
    _self_signed_pem(pem)
    inv = inv.model_copy(update={"web": inv.web.model_copy(update={"tls_certificate": str(pem)})})
    out = tmp_path / "out"
    _render(inv, out, tmp_path / "secrets.toml")

    for lb in inv.load_balancers:
        res = subprocess.run(
            ["haproxy", "-c", "-f", str(out / lb.name / "haproxy.cfg")],
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, res.stdout + res.stderr
        res = subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                netns_with_eth0_eth1,
                "keepalived",
                "-t",
                "-f",
                str(out / lb.name / "keepalived.conf"),
            ],
            capture_output=True,
            text=True,
        )
        assert res.returncode == 0, res.stdout + res.stderr
    for node in inv.galera_nodes:
        res = subprocess.run(
            [
                "mariadbd",
                f"--defaults-file={out / node.name / '60-galera.cnf'}",
                "--user=root",
                "--help",
                "--verbose",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert res.returncode == 0, res.stderr[-2000:]
        assert re.search(r"^wsrep-on\s+TRUE", res.stdout, re.M)
        assert re.search(r"^innodb-autoinc-lock-mode\s+2", res.stdout, re.M)
        assert re.search(rf"^max-connections\s+{inv.max_connections}$", res.stdout, re.M)


def test_a_broken_config_is_caught_by_the_checkers(tmp_path: Path) -> None:
    """The checks above can fail: a typo in a rendered file is reported."""
    _render(load_inventory(TOPOLOGY_B), tmp_path, tmp_path / "s.toml")
    cfg = tmp_path / "lb1" / "haproxy.cfg"
    cfg.write_text(cfg.read_text().replace("option tcpka", "option tcpkaa", 1))
    assert subprocess.run(["haproxy", "-c", "-f", str(cfg)], capture_output=True).returncode != 0
    cnf = tmp_path / "mgm1" / "60-galera.cnf"
    cnf.write_text(cnf.read_text() + "innodb_autoinc_lock_modez = 2\n")
    res = subprocess.run(
        ["mariadbd", f"--defaults-file={cnf}", "--user=root", "--help", "--verbose"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode != 0 and "unknown variable" in res.stderr


def test_topology_a_contents(tmp_path: Path) -> None:
    inv = load_inventory(TOPOLOGY_A)
    _render(inv, tmp_path, tmp_path / "s.toml")
    secrets = tomllib.loads((tmp_path / "s.toml").read_text())
    ha = (tmp_path / "lb1" / "haproxy.cfg").read_text()
    assert "bind 192.168.1.60:8080" in ha and "bind 192.168.1.60:8443 ssl crt" in ha
    assert "option httpchk GET /readyz" in ha and "balance source" in ha
    # A draining node's 503 is retried on another node (consistent hash: not the same one).
    web = ha.split("\nbackend cumulo_web", 1)[1].split("\n\n", 1)[0]
    assert "retry-on conn-failure 503" in web and "hash-type consistent" in web
    assert "option redispatch 1" in web
    assert "bind 192.168.1.60:8250" in ha
    # One writer, the others backup, checked by the Galera-aware HTTP check.
    assert "server manager-1 192.168.2.30:3306 check\n" in ha
    assert "server manager-2 192.168.2.31:3306 check backup" in ha
    assert "server manager-3 192.168.2.32:3306 check backup" in ha
    assert "default-server port 9200" in ha and "option mysql-check" not in ha
    assert f"stats auth admin:{secrets['stats_password']}" in ha

    k1 = (tmp_path / "lb1" / "keepalived.conf").read_text()
    k2 = (tmp_path / "lb2" / "keepalived.conf").read_text()
    assert k1.count("state MASTER") == 2 and k2.count("state BACKUP") == 2
    assert "priority 101" in k1 and "priority 100" in k2
    assert "192.168.1.60/24 dev eth0" in k1 and "192.168.2.60/24 dev eth1" in k1
    assert "unicast_peer {\n        192.168.1.57" in k1 and "track_script" in k1
    assert f"auth_pass {secrets['vrrp_web']}" in k2 and len(secrets["vrrp_web"]) == 8

    cnf = (tmp_path / "manager-2" / "60-galera.cnf").read_text()
    for line in (
        "wsrep_on = ON",
        "wsrep_provider = /usr/lib/galera/libgalera_smm.so",
        'wsrep_cluster_address = "gcomm://192.168.2.30,192.168.2.31,192.168.2.32"',
        "wsrep_node_address = 192.168.2.31",
        "wsrep_node_name = manager-2",
        "binlog_format = ROW",
        "innodb_rollback_on_timeout = 1",
        "evs.suspect_timeout=PT2S",
        "evs.inactive_timeout=PT4S",
    ):
        assert line in cnf
    assert "max_connections = 110" in cnf  # 3 managers x (10 + 10) + 50

    node = tomllib.loads((tmp_path / "manager-3" / "cumulo.toml").read_text())
    assert node["database_url"].endswith("@192.168.2.60:3306/cumulo")
    assert node["service_ip"] == "192.168.1.32" and node["node_name"] == "manager-3"
    assert node["heartbeat_threshold"] == 4.0
    assert not (tmp_path / "lb2" / "garb").exists()

    fw = (tmp_path / "manager-1" / "firewall.nft").read_text()
    assert "ip saddr { 192.168.2.31, 192.168.2.32 } tcp dport 4567 accept" in fw
    assert "ip saddr { 192.168.2.56, 192.168.2.57 } tcp dport 9200 accept" in fw
    assert "vrrp" in (tmp_path / "lb1" / "firewall.txt").read_text()
    pcs = (tmp_path / "pacemaker" / "setup-pcs.sh").read_text()
    assert "ocf:heartbeat:IPaddr2 ip=192.168.2.60" in pcs


def test_topology_b_has_the_arbitrator(tmp_path: Path) -> None:
    inv = load_inventory(TOPOLOGY_B)
    _render(inv, tmp_path, tmp_path / "s.toml")
    garb = (tmp_path / "lb2" / "garb").read_text()
    assert 'GALERA_NODES="192.168.1.21:4567 192.168.1.22:4567"' in garb
    assert "evs.suspect_timeout=PT2S" in garb
    assert "4567" in (tmp_path / "lb2" / "firewall.txt").read_text()
    ha = (tmp_path / "lb1" / "haproxy.cfg").read_text()
    assert "server mgm2 192.168.1.22:3306 check backup" in ha
    assert "8443" not in ha  # no TLS in this example


def test_cli_keeps_secrets_stable_across_renders(tmp_path: Path) -> None:
    inv = tmp_path / "inv.toml"
    inv.write_text(TOPOLOGY_B.read_text())
    runner = CliRunner()
    first = runner.invoke(cli, ["cluster", "render", str(inv), "-o", str(tmp_path / "o1")])
    assert first.exit_code == 0, first.output
    assert "secrets generated in" in first.output
    second = runner.invoke(cli, ["cluster", "render", str(inv), "-o", str(tmp_path / "o2")])
    assert "secrets read from" in second.output
    secrets = tmp_path / "inv.secrets.toml"
    assert secrets.stat().st_mode & 0o777 == 0o600
    for f in ("lb1/haproxy.cfg", "lb2/keepalived.conf", "mgm1/cumulo.toml"):
        assert (tmp_path / "o1" / f).read_text() == (tmp_path / "o2" / f).read_text()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda t: t.replace(
                '[arbitrator]\nname = "lb2"\naddresses = { lan = "192.168.1.12" }', ""
            ),
            "add a third Galera node or an [arbitrator]",
        ),
        (
            lambda t: t.replace('address = "192.168.1.10"', 'address = "10.0.0.10"'),
            "vips.web.address: 10.0.0.10 is not inside 192.168.1.0/24",
        ),
        (lambda t: t.replace("priority = 100", "priority = 101"), "same priority"),
        (lambda t: t.replace("vrid = 51", "vrid = 52"), "vrid: 52 is already used"),
        (
            lambda t: t.replace("[database]", "[database]\nwritter = 'mgm1'"),
            "database.writter: unknown key",
        ),
        (lambda t: t.replace('name = "mgm2"', 'name = "mgm1"'), "appear twice"),
    ],
)
def test_inventory_errors_say_what_to_fix(tmp_path: Path, change, expected: str) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text(change(TOPOLOGY_B.read_text()))
    with pytest.raises(InventoryError) as err:
        load_inventory(bad)
    assert expected in str(err.value)
    res = CliRunner().invoke(cli, ["cluster", "render", str(bad), "-o", str(tmp_path / "o")])
    assert res.exit_code != 0 and expected in res.output

"""cumulo on a real MariaDB: schema deployment, utf8mb4, and what is MariaDB-only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cumulo.db.database import Database
from cumulo.db.migrate import schema_drift
from tests.support.client import ApiError
from tests.support.cloud import Cloud
from tests.support.mariadb import MariaDB

# Outside the Basic Multilingual Plane: needs 4-byte utf8mb4, not MySQL's "utf8".
CHINESE = "研发部𠀋"


def cumulo(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CUMULO_DATA_DIR": str(data_dir)}
    env.pop("CUMULO_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-m", "cumulo.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_db_deploy_on_plain_mysql_url_is_idempotent_and_utf8mb4(
    mariadb: MariaDB, tmp_path: Path
) -> None:
    # A database created with the server default charset (latin1 here).
    name = mariadb.create_database(charset="latin1")
    url = mariadb.url(name, scheme="mysql")  # plain mysql:// means PyMySQL
    try:
        first = cumulo(tmp_path, "db", "deploy", "--url", url)
        assert first.returncode == 0, first.stderr
        assert "schema at revision 0001_baseline" in first.stdout
        assert "apikey:" in first.stdout  # bootstrapped: credentials shown once
        second = cumulo(tmp_path, "db", "deploy", "--url", url)
        assert second.returncode == 0, second.stderr
        assert "schema at revision 0001_baseline" in second.stdout
        assert "apikey:" not in second.stdout  # nothing bootstrapped twice
        with mariadb.root(name) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT table_name, table_collation FROM information_schema.tables "
                "WHERE table_schema = %s",
                (name,),
            )
            collations = dict(cur.fetchall())
            cur.execute("SELECT COUNT(*) FROM domain")
            (domains,) = cur.fetchone()
        assert "domain" in collations and "user" in collations
        assert {c.split("_")[0] for c in collations.values()} == {"utf8mb4"}
        assert domains == 1
        db = Database(url)
        try:
            assert schema_drift(db.engine) == []
        finally:
            db.dispose()
    finally:
        mariadb.drop_database(name)


def test_chinese_names_round_trip(cloud_mariadb: Cloud) -> None:
    admin = cloud_mariadb.admin
    made = admin.call("createDomain", name=CHINESE)["domain"]
    assert made["name"] == CHINESE
    child = admin.call("createDomain", name="子域", parentdomainid=made["id"])["domain"]
    listed = admin.call("listDomains", listall=True, name=CHINESE)["domain"]
    assert [d["id"] for d in listed] == [made["id"]]
    assert listed[0]["path"] == f"ROOT/{CHINESE}"
    children = admin.call("listDomainChildren", id=made["id"])["domain"]
    assert [(d["name"], d["path"]) for d in children] == [("子域", f"ROOT/{CHINESE}/子域")]
    assert child["parentdomainname"] == CHINESE


def test_prefix_match_escapes_like_wildcards(cloud_mariadb: Cloud) -> None:
    admin = cloud_mariadb.admin
    a = admin.call("createDomain", name="a%")["domain"]
    b = admin.call("createDomain", name="ab")["domain"]
    admin.call("createDomain", name="x", parentdomainid=b["id"])
    sub = admin.call("listDomainChildren", id=a["id"], isrecursive=True)
    assert sub == {}  # "/a%/" must not match "/ab/x/"


def test_too_long_domain_path_is_431_not_a_database_error(cloud_mariadb: Cloud) -> None:
    admin = cloud_mariadb.admin
    parent = admin.call("createDomain", name="p" * 250)["domain"]
    parent = admin.call("createDomain", name="q" * 250, parentdomainid=parent["id"])["domain"]
    with pytest.raises(ApiError) as err:
        admin.call("createDomain", name="r" * 20, parentdomainid=parent["id"])
    assert err.value.status == 431
    assert "shorter name" in err.value.body["errortext"]


def test_database_clock_has_microseconds(cloud_mariadb: Cloud) -> None:
    readings = {cloud_mariadb.rt.db.now() for _ in range(3)}
    assert len(readings) == 3
    assert all(r.tzinfo is not None for r in readings)

"""Every declared command, fed random and hostile parameters through the real ASGI app.

For each command (generic over the registry, so commands added later are
covered without touching this file) hypothesis builds parameter sets: values
of the declared type, values of the wrong type, huge strings, Chinese names
and emoji, control characters, SQL fragments and LIKE wildcards, bad and
unknown UUIDs, UUIDs of real rows, malformed map syntax, missing required
parameters. They are signed as the root admin (and, for a sample, as a plain
user) and sent to ``/client/api``. The checks:

- never a server error: no 5xx outside CloudStack's 530-537 error codes, and
  no 530 "internal error" (cserrorcode 9999) either; async jobs that were
  accepted must not end in an internal error;
- every rejection is a CloudStack error envelope whose ``errorcode`` is the
  HTTP status, with a non-empty ``errortext``;
- a rejected call leaves the database exactly as it was (a content hash of
  every table but those in ``CHANGES_ON_ITS_OWN``).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from cumulo.api.declaration import Command, load_commands
from cumulo.api.params import Param, ParamType
from cumulo.api.roles import BUILTIN_ROLE_IDS, RoleType
from cumulo.db.base import Base
from cumulo.db.models.account import Account, AccountType, User
from cumulo.db.models.cluster import ManagementServer
from cumulo.db.models.domain import Domain
from cumulo.db.models.job import AsyncJob
from cumulo.http.signing import sign
from cumulo.services.keys import read_keys, register_keys
from tests.support import cloud as cloud_support
from tests.support.client import ApiClient
from tests.support.cloud import Cloud, running_cloud

# Tables written by background threads whatever the API does, so a rejected
# call cannot be judged by them: the node agent's heartbeat updates
# management_server every few seconds, and the housekeeping tasks renew their
# leases in task_lease. (async_job is compared: the test waits until no job
# runs before it takes a snapshot.)
CHANGES_ON_ITS_OWN = frozenset({"management_server", "task_lease"})
COMMANDS = sorted(load_commands())
# Examples per command: small, and fewer when many commands are declared, so
# the file stays within a few minutes however far the API grows.
# CUMULO_FUZZ_EXAMPLES overrides it for a longer hunt; past TIME_BUDGET seconds
# the remaining commands get the minimum.
EXAMPLE_BUDGET = 1000
MIN_EXAMPLES = 6
HUNT = os.environ.get("CUMULO_FUZZ_EXAMPLES")
MAX_EXAMPLES = int(HUNT or max(MIN_EXAMPLES, min(40, EXAMPLE_BUDGET // max(1, len(COMMANDS)))))
TIME_BUDGET = float("inf") if HUNT else 150.0
_started: list[float] = []
# Parameters that make the request a request; fuzzing them tests only signing.
ENVELOPE_KEYS = frozenset(
    {"command", "apikey", "signature", "response", "expires", "signatureversion", "sessionkey"}
)
# CloudStack's own error codes; other 5xx mean the server broke.
CLOUDSTACK_5XX = range(530, 538)
INTERNAL_CS_CODE = 9999

SAFE_CHARS = st.characters(blacklist_categories=("Cs",))  # no lone surrogates (not UTF-8)
PRINTABLE_CHARS = st.characters(blacklist_categories=("Cs", "Cc"))
HOSTILE = [
    "",
    " ",
    "' OR 1=1 --",
    "'; DROP TABLE domain; --",
    '" OR ""="',
    "%",
    "_",
    "%_%",
    "\\",
    "\\%",
    "<script>alert(1)</script>",
    "]]><x>&amp;",
    "null",
    "NULL",
    "None",
    "undefined",
    "NaN",
    "Infinity",
    "-Infinity",
    "-1",
    "0",
    "-0",
    "+1",
    "1e309",
    "0x1F",
    "1_000",
    "٣",
    "9" * 40,
    "-9223372036854775809",
    "18446744073709551616",
    "true",
    "TRUE",
    "yes",
    "张三",
    "管理员的域",
    "🚀😀👨‍👩‍👧",
    "e\u0301",
    "\u202eevil",
    "\ufeffbom",
    "a\x00b",
    "\x01\x02",
    "\x7f",
    "\r\n",
    "line\nbreak",
    "../../etc/passwd",
    "%00",
    "%2e%2e%2f",
    "${jndi:ldap://127.0.0.1/a}",
    "{{7*7}}",
    "a" * 256,
    "b" * 5000,
    "ü" * 200,
    "字" * 300,
    "1,2,3",
    ",,,",
    "a=b&c=d",
    "[]",
    "{}",
    "-1,-1",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffffa",
    "not-a-uuid",
    "1.5",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2024-02-30",
    "2024-13-01 25:61:61",
    "9999-99-99",
]
BAD_MAP_SUFFIXES = ["[x].y", "[0]", "[0][1].x", "[].x", "[0].", "[0].a.b", "[1e3].x", "[ 0 ].x"]
BAD_MAP_SUFFIXES += ["[-1].x", "[99999999999999999999999].x", "[0].key[1]", "[٣].x", "[0].😀"]


@dataclass
class Seed:
    """Rows the fuzzing may use: the callers' own rows and this node are kept out of reach."""

    user_id: int  # the plain user who calls for the sample
    protected: frozenset[str]  # UUIDs never offered (callers' users, accounts, domains)


# -- setup -------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cloud, Seed]]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    with running_cloud(cloud_support.test_settings(data)) as cloud:
        yield cloud, _seed(cloud)


def _add_user(session: Any, cloud: Cloud, domain: Domain, name: str) -> User:
    account = Account(
        name=name,
        type=AccountType.USER,
        role_id=BUILTIN_ROLE_IDS[RoleType.USER],
        domain_id=domain.id,
    )
    session.add(account)
    session.flush()
    user = User(
        username=name,
        firstname="Fuzz",
        lastname="User",
        account_id=account.id,
        domain_id=domain.id,
    )
    session.add(user)
    session.flush()
    register_keys(session, user, cloud.rt.secrets)
    return user


def _seed(cloud: Cloud) -> Seed:
    home = cloud.admin.call("createDomain", name="fuzz-home")["domain"]["id"]
    victim = cloud.admin.call("createDomain", name="fuzz-victim")["domain"]["id"]
    cloud.admin.call("createDomain", name="张三的域 🚀", parentdomainid=victim)
    # Something for the job commands to find.
    cloud.admin.run(
        "deleteDomain", id=cloud.admin.call("createDomain", name="gone")["domain"]["id"]
    )

    def work(session: Any) -> tuple[int, list[str]]:
        by_uuid = {d.uuid: d for d in session.execute(select(Domain)).scalars()}
        plain = _add_user(session, cloud, by_uuid[home], "fuzz-user")
        _add_user(session, cloud, by_uuid[victim], "fuzz-victim-user")
        account = session.get(Account, plain.account_id)
        fixed = list(session.execute(select(User.uuid).where(User.id <= 2)).scalars())
        fixed += session.execute(select(Account.uuid).where(Account.id <= 2)).scalars()
        # This node itself: shutting it down would stop the test, not the fuzzer.
        fixed += session.execute(select(ManagementServer.uuid)).scalars()
        return plain.id, [plain.uuid, account.uuid, home, *fixed]

    user_id, protected = cloud.rt.db.run(work)
    return Seed(user_id, frozenset(protected))


def _client(cloud: Cloud, user_id: int) -> ApiClient:
    """A client with the user's current keys (registerUserKeys may have rotated them)."""

    def keys(session: Any) -> tuple[str | None, str | None]:
        user = session.get(User, user_id)
        return read_keys(user, cloud.rt.secrets)

    apikey, secret = cloud.rt.db.run(keys, write=False)
    assert apikey and secret, f"user {user_id} lost its keys"
    return cloud.client(apikey, secret)


def _known_uuids(cloud: Cloud, seed: Seed) -> dict[str, list[str]]:
    """UUIDs of real rows by model class name (a few of each), ``*`` for all of them."""
    found: dict[str, list[str]] = {"*": []}
    with cloud.rt.db.engine.connect() as conn:
        for mapper in Base.registry.mappers:
            table = mapper.local_table
            if "uuid" not in table.c:
                continue
            rows = conn.execute(select(table.c.uuid).order_by(table.c.id.desc()).limit(6)).scalars()
            mine = [u for u in rows if u and u not in seed.protected]
            found[mapper.class_.__name__] = mine
            found["*"].extend(mine)
    found["*"] = found["*"] or ["00000000-0000-0000-0000-000000000000"]
    return found


# -- the state of the database ---------------------------------------------


def _snapshot(cloud: Cloud) -> dict[str, str]:
    """A content hash per table (rows in primary-key order)."""
    out: dict[str, str] = {}
    with cloud.rt.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in CHANGES_ON_ITS_OWN:
                continue
            order = list(table.primary_key.columns) or list(table.c)
            digest = hashlib.sha256()
            for row in conn.execute(select(table).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
            out[table.name] = digest.hexdigest()
    return out


def _wait_for_jobs(cloud: Cloud, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with cloud.rt.db.engine.connect() as conn:
            running = conn.execute(
                text("SELECT count(*) FROM async_job WHERE status = 0")
            ).scalar_one()
        if running == 0:
            return
        time.sleep(0.02)
    raise AssertionError(f"async jobs still running after {timeout}s")


def _job_result(cloud: Cloud, job_uuid: str) -> tuple[int, dict[str, Any]]:
    with cloud.rt.db.engine.connect() as conn:
        row = conn.execute(
            select(AsyncJob.result_code, AsyncJob.result).where(AsyncJob.uuid == job_uuid)
        ).one()
    return row[0], json.loads(row[1] or "{}")


# -- parameter strategies ----------------------------------------------------


def _text(max_size: int = 40, *, controls: bool = True) -> st.SearchStrategy[str]:
    if controls:
        return st.text(SAFE_CHARS, max_size=max_size)
    return st.text(PRINTABLE_CHARS, max_size=max_size)


def _weighted(*options: tuple[int, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    pool = [strategy for weight, strategy in options for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda chosen: chosen)


def _uuid(param: Param, uuids: dict[str, list[str]]) -> st.SearchStrategy[str]:
    own = uuids.get(param.entity or "", [])
    return _weighted(
        (6, st.sampled_from(own or uuids["*"])),
        (2, st.sampled_from([*uuids["*"], "-1"])),
        (1, st.uuids().map(str)),
        (1, st.integers(0, 50).map(str)),
    )


def _typed(param: Param, uuids: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """Values of the declared type, most of them acceptable."""
    t = param.type
    if t == ParamType.BOOLEAN:
        return st.sampled_from(["true", "false", "True", "FALSE"])
    if t in (ParamType.INTEGER, ParamType.LONG, ParamType.SHORT):
        return st.integers(-(2**70), 2**70).map(str) | st.integers(-2, 600).map(str)
    if t in (ParamType.DOUBLE, ParamType.FLOAT):
        return st.floats(allow_nan=True, allow_infinity=True).map(repr)
    if t == ParamType.UUID:
        return _uuid(param, uuids)
    if t == ParamType.DATE:
        return st.datetimes().map(lambda d: d.strftime("%Y-%m-%d")) | st.datetimes().map(
            lambda d: d.strftime("%Y-%m-%dT%H:%M:%S+0000")
        )
    if t == ParamType.LIST:
        inner = Param(param.name, param.collection or ParamType.STRING, entity=param.entity)
        return st.lists(_typed(inner, uuids), max_size=4).map(",".join)
    if param.choices:
        return st.sampled_from(list(param.choices))
    return _text(controls=False) | st.sampled_from(["fuzz", "张三", "Ünïcödé 🚀", "ROOT", "admin"])


def _value(param: Param, uuids: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """Mostly well-typed values, so that calls get past the first check and deeper."""
    return _weighted(
        (8, _typed(param, uuids)),
        (2, st.sampled_from(HOSTILE)),
        (1, _text(300)),
    )


def _map_entries(param: Param) -> st.SearchStrategy[dict[str, str]]:
    good = st.dictionaries(
        st.tuples(st.integers(0, 3), st.sampled_from(["key", "value", "name", "张", "x"])).map(
            lambda t: f"{param.key}[{t[0]}].{t[1]}"
        ),
        st.sampled_from(HOSTILE) | _text(),
        max_size=4,
    )
    bad = st.dictionaries(
        st.sampled_from(BAD_MAP_SUFFIXES).map(lambda s: param.key + s),
        st.sampled_from(HOSTILE),
        max_size=2,
    )
    return st.builds(lambda a, b: {**a, **b}, good, bad)


def _extra_keys() -> st.SearchStrategy[dict[str, str]]:
    names = st.sampled_from(
        ["details[x].y", "details[0]", "a[0][1].x", "tags[0].key", "[0].x", "id[0].x", "张", "🚀"]
    ) | _text(12).filter(lambda k: k.lower() not in ENVELOPE_KEYS and k.strip() != "")
    return st.dictionaries(names, st.sampled_from(HOSTILE) | _text(), max_size=2)


@st.composite
def _request(draw: st.DrawFn, command: Command, uuids: dict[str, list[str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for param in command.params:
        if param.type == ParamType.MAP:
            if draw(st.booleans()):
                params.update(draw(_map_entries(param)))
        elif draw(st.integers(0, 4)) > 0:  # absent a fifth of the time (required ones too)
            params[param.name] = draw(_value(param, uuids))
    if draw(st.integers(0, 2)) == 0:
        params.update(draw(_extra_keys()))
    return {k: v for k, v in params.items() if k.lower() not in ENVELOPE_KEYS}


# -- the checks ----------------------------------------------------------------


def _send(
    client: ApiClient, command: Command, params: dict[str, str], get: bool, xml: bool
) -> httpx.Response:
    signed = client.signed_params(command.name, params)
    if xml:
        signed["response"] = "xml"
        signed["signature"] = sign(
            {k: v for k, v in signed.items() if k != "signature"}, client.secretkey
        )
    if get:
        return client.http.get("/client/api", params=signed)
    return client.http.post("/client/api", data=signed)


def _is_server_bug(status: int, inner: dict[str, Any]) -> bool:
    if status >= 500 and status not in CLOUDSTACK_5XX:
        return True
    return status == 530 and inner.get("cserrorcode") == INTERNAL_CS_CODE


def _check_reply(command: Command, params: dict[str, str], resp: httpx.Response) -> dict[str, Any]:
    where = f"{command.name} {params!r} -> {resp.status_code}"
    if resp.headers["content-type"].startswith("text/xml"):
        wrapper, inner = _from_xml(resp, where)
    else:
        assert resp.headers["content-type"].startswith("application/json"), where
        body = resp.json()
        assert isinstance(body, dict) and len(body) == 1, f"{where}: {body!r}"
        ((wrapper, inner),) = body.items()
    assert isinstance(inner, dict), f"{where}: {inner!r}"
    assert not _is_server_bug(resp.status_code, inner), f"{where}: {inner!r}"
    # login answers bad credentials or domain ids with 401 itself, as CloudStack does.
    if not command.authenticator:
        assert resp.status_code != 401, f"{where}: the fuzzer's own signature was refused"
    if resp.status_code != 200:
        assert wrapper in (command.wrapper, "errorresponse"), f"{where}: wrapper {wrapper}"
        assert inner.get("errorcode") == resp.status_code, f"{where}: {inner!r}"
        errortext = inner.get("errortext")
        assert isinstance(errortext, str) and errortext.strip(), f"{where}: {inner!r}"
    else:
        assert wrapper == command.wrapper, f"{where}: wrapper {wrapper}"
    return inner


def _from_xml(resp: httpx.Response, where: str) -> tuple[str, dict[str, Any]]:
    """The wrapper and its top-level scalar fields, from well-formed XML."""
    try:
        root = ET.fromstring(resp.content)
    except ET.ParseError as exc:
        raise AssertionError(f"{where}: malformed XML ({exc}): {resp.text[:500]!r}") from None
    inner: dict[str, Any] = {}
    for child in root:
        text = child.text or ""
        inner[child.tag] = int(text) if child.tag.endswith("errorcode") else text
    return root.tag, inner


def _check_job(cloud: Cloud, command: Command, params: dict[str, str], inner: dict[str, Any]):  # type: ignore[no-untyped-def]
    if not command.is_async or "jobid" not in inner:
        return
    _wait_for_jobs(cloud)
    code, result = _job_result(cloud, inner["jobid"])
    assert not _is_server_bug(code, result), f"{command.name} {params!r}: job ended {result!r}"


@pytest.mark.slow
@pytest.mark.parametrize("name", COMMANDS)
def test_hostile_parameters_are_rejected_cleanly(fuzz_cloud: tuple[Cloud, Seed], name: str) -> None:
    cloud, seed = fuzz_cloud
    command = load_commands()[name]
    uuids = _known_uuids(cloud, seed)
    usernames = cloud.rt.db.run(
        lambda s: {n.lower() for (n,) in s.execute(select(User.username))}, write=False
    )
    if not _started:
        _started.append(time.monotonic())
    late = time.monotonic() - _started[0] > TIME_BUDGET

    @settings(
        max_examples=MIN_EXAMPLES if late else MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        params=_request(command, uuids),
        as_user=st.sampled_from([False, False, False, True]),
        get=st.booleans(),
        xml=st.sampled_from([False, False, True]),
    )
    def check(params: dict[str, str], as_user: bool, get: bool, xml: bool) -> None:
        # Failed logins of a real user are counted and finally disable it (by design):
        # the fuzzer's own users must stay usable, so login tries only other names.
        assume(not command.authenticator or params.get("username", "").lower() not in usernames)
        client = _client(cloud, seed.user_id if as_user else 2)
        get = get and not command.authenticator  # GET login is a plain-text 405 (test_wire)
        _wait_for_jobs(cloud)
        before = _snapshot(cloud)
        resp = _send(client, command, params, get, xml)
        inner = _check_reply(command, params, resp)
        if resp.status_code != 200:
            after = _snapshot(cloud)
            changed = sorted(t for t in before if before[t] != after.get(t))
            assert not changed, (
                f"{command.name} {params!r} was rejected ({resp.status_code} "
                f"{inner.get('errortext')!r}) but changed tables {changed}"
            )
        else:
            _check_job(cloud, command, params, inner)

    check()


REGRESSIONS = [
    ("getUserKeys", {"id": "-1"}),  # "-1" reached the handler as a string
    ("registerUserKeys", {"id": "9" * 30}),  # overflowed SQLite's INTEGER
    ("registerUserKeys", {"id": "٣"}),  # int() reads Arabic-Indic digits
    ("listDomains", {"level": "1_000"}),  # int() reads underscores; Java does not
    ("listDomains", {"level": "²"}),
    ("deleteDomain", {"id": "\x89"}),  # X-Description header was not ASCII
    ("updateDomain", {"id": "张三 🚀"}),
]


def test_regressions_found_by_fuzzing(cloud: Cloud) -> None:
    for command, params in REGRESSIONS:
        resp = cloud.admin.raw(command, "POST", **params)
        assert resp.status_code == 431, (command, params, resp.text)
        assert resp.headers["x-description"].isascii()
        assert resp.json()[command.lower() + "response"]["errorcode"] == 431

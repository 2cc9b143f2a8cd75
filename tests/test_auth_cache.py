"""Caching of API key owners and role rules: fast, yet a disabled user is out within a second."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import update
from starlette.testclient import TestClient

from cumulo.db.models.account import User
from cumulo.http.app import create_app
from cumulo.runtime import Runtime
from cumulo.services.generation import Generation
from cumulo.services.ttlcache import TtlCache
from tests.identity import make_account
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud, running_cloud
from tests.support.cloud import test_settings as settings_for


def _set_admin_state(rt: Runtime, state: str) -> None:
    rt.db.run(lambda s: s.execute(update(User).where(User.username == "admin").values(state=state)))


def _status(client: ApiClient) -> int:
    try:
        client.call("listDomains")
        return 200
    except ApiError as err:
        return err.status


def test_disabling_a_user_takes_effect_at_once_locally_and_within_ttl_elsewhere(
    cloud: Cloud,
) -> None:
    assert cloud.settings.auth_cache_seconds == 1.0
    # A second management node on the same database, with its own caches.
    other_rt = Runtime.open(cloud.settings)
    other_http = TestClient(create_app(other_rt), base_url="http://testserver")
    other = ApiClient(other_http, cloud.admin.apikey, cloud.admin.secretkey)
    try:
        assert _status(other) == 200  # the other node now holds the key owner
        assert _status(cloud.admin) == 200
        disabled_at = time.monotonic()
        _set_admin_state(cloud.rt, "disabled")  # written through this node
        assert _status(cloud.admin) == 401  # this node dropped its cache on commit
        # The other node may serve from its cache for at most auth_cache_seconds.
        while _status(other) == 200:
            assert time.monotonic() - disabled_at < 1.5, "disabled user still served"
            time.sleep(0.05)
        assert time.monotonic() - disabled_at <= 1.5
        _set_admin_state(cloud.rt, "enabled")
        assert _status(cloud.admin) == 200  # no negative caching either
    finally:
        other_http.close()
        other_rt.close()


def test_cached_key_still_needs_a_valid_signature(cloud: Cloud) -> None:
    assert _status(cloud.admin) == 200  # key owner now cached
    forged = ApiClient(cloud.http, cloud.admin.apikey, "not-the-secret")
    assert _status(forged) == 401


# --- The processes of one node (`cumulo serve --workers N`) share a stamp ------------


def test_a_stamp_taken_before_a_change_is_not_trusted(tmp_path: Path) -> None:
    path = Generation.create_file(tmp_path / "stamp")
    mine, sibling = Generation(path), Generation(path)  # as two processes map it
    cache: TtlCache[str] = TtlCache(60.0, generation=mine)
    cache.put("fresh", "owner")
    stamp = cache.stamp()  # a load starts...
    sibling.bump()  # ...another process commits a change...
    cache.put("raced", "stale owner", stamp)  # ...the load finishes with old data
    assert cache.get("raced") is None
    assert cache.get("fresh") is None  # and everything cached before is gone too
    assert sibling.current() == mine.current()
    cache.put("after", "owner")
    assert cache.get("after") == "owner"


@contextmanager
def _two_workers(tmp_path: Path) -> Iterator[tuple[Cloud, TestClient]]:
    """One node, two processes' worth of runtimes and HTTP apps, one stamp file."""
    path = Generation.create_file(tmp_path / "auth-generation")
    settings = settings_for(tmp_path / "data", node_generation_file=path)
    with running_cloud(settings) as cloud:
        sibling_rt = Runtime.open(settings)
        sibling = TestClient(create_app(sibling_rt), base_url="http://testserver")
        try:
            yield cloud, sibling
        finally:
            sibling.close()
            sibling_rt.close()


def test_a_change_through_one_worker_ends_the_cached_key_in_its_siblings(
    tmp_path: Path,
) -> None:
    with _two_workers(tmp_path) as (cloud, sibling_http):
        account = make_account(cloud, "carol")
        user_id = account["user"][0]["id"]
        keys = cloud.admin.call("registerUserKeys", id=user_id)["userkeys"]
        here = cloud.client(keys["apikey"], keys["secretkey"])
        there = ApiClient(sibling_http, keys["apikey"], keys["secretkey"])

        def served(client: ApiClient) -> int:
            try:
                client.call("listZones")  # as carol; both runtimes now cache her key
                return 200
            except ApiError as err:
                return err.status

        assert served(here) == served(there) == 200
        # No sleeping below: the sibling's cache is 1 s long, every check is at once.
        cloud.admin.run("disableUser", id=user_id)  # a job: committed by the node agent
        assert served(there) == 401
        cloud.admin.call("enableUser", id=user_id)
        assert served(there) == 200
        cloud.admin.run("disableAccount", id=account["id"], lock=False)
        assert served(there) == 401
        cloud.admin.call("enableAccount", id=account["id"])
        assert served(there) == 200
        new_keys = cloud.admin.call("registerUserKeys", id=user_id)["userkeys"]
        assert served(there) == 401  # the old key is gone
        renewed = ApiClient(sibling_http, new_keys["apikey"], new_keys["secretkey"])
        assert served(renewed) == 200
        cloud.admin.call("deleteUser", id=user_id)
        assert served(renewed) == 401

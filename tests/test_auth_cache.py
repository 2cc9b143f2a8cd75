"""Caching of API key owners and role rules: fast, yet a disabled user is out within a second."""

from __future__ import annotations

import time

from sqlalchemy import update
from starlette.testclient import TestClient

from cumulo.db.models.account import User
from cumulo.http.app import create_app
from cumulo.runtime import Runtime
from tests.support.client import ApiClient, ApiError
from tests.support.cloud import Cloud


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

"""API rate limiting (api.throttling.*), switched on through updateConfiguration."""

from __future__ import annotations

import re
import time

from tests.helpers_accounts import make_user
from tests.support.cloud import Cloud


def _set(cloud: Cloud, name: str, value: str) -> None:
    cloud.admin.call("updateConfiguration", name=name, value=value)


def test_limit_gives_429_then_recovers(cloud: Cloud) -> None:
    user = make_user(cloud, "busy")
    other = make_user(cloud, "quiet")
    for _ in range(5):  # off by default: no limit
        assert user.client.raw("listRegions").status_code == 200
    _set(cloud, "api.throttling.interval", "2")
    _set(cloud, "api.throttling.max", "3")
    _set(cloud, "api.throttling.enabled", "true")
    statuses = [user.client.raw("listRegions").status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    refused = user.client.raw("listRegions")
    assert refused.status_code == 429
    body = refused.json()["listregionsresponse"]
    assert body["errorcode"] == 429
    text = body["errortext"]
    match = re.fullmatch(
        r"The given user has reached his/her account api limit, please retry after \[(\d+)\] ms\.",
        text,
    )
    assert match, text
    assert 0 < int(match.group(1)) <= 2000
    # The limit is per account, and root admins are never limited.
    assert other.client.raw("listRegions").status_code == 200
    assert all(cloud.admin.raw("listRegions").status_code == 200 for _ in range(6))
    # After the interval the account may call again.
    time.sleep(int(match.group(1)) / 1000 + 0.1)
    assert user.client.raw("listRegions").status_code == 200


def test_switching_off_lifts_the_limit(cloud: Cloud) -> None:
    user = make_user(cloud, "busy")
    _set(cloud, "api.throttling.interval", "60")
    _set(cloud, "api.throttling.max", "1")
    _set(cloud, "api.throttling.enabled", "true")
    assert user.client.raw("listRegions").status_code == 200
    assert user.client.raw("listRegions").status_code == 429
    cloud.admin.call("resetConfiguration", name="api.throttling.enabled")
    assert user.client.raw("listRegions").status_code == 200

"""listCapacity's host figures on MariaDB, whose SUM of integers is a DECIMAL.

The capacity checker failed on every tick in the HA lab (TypeError: Decimal *
float) and listCapacity answered 530 there; SQLite returns integers.
"""

from __future__ import annotations

import pytest

from tests.support.cloud import Cloud
from tests.vm_helpers import build


@pytest.mark.backends("sqlite", "mariadb")
def test_host_memory_and_cpu_capacity(cloud: Cloud) -> None:
    env = build(cloud, hosts_per_cluster=1)
    caps = cloud.admin.call("listCapacity", zoneid=env.zone["id"])["capacity"]
    by_type = {c["type"]: c for c in caps}
    assert int(by_type[0]["capacitytotal"]) > 0  # memory
    assert int(by_type[1]["capacitytotal"]) > 0  # CPU

"""Simulator fault injection (§7): configureSimulator, querySimulatorMock, cleanupSimulatorMock."""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.context import Call
from cumulo.api.declaration import command
from cumulo.api.params import INTEGER, LONG, STRING, UUID, Param
from cumulo.api.results import InlineResult, SuccessResult
from cumulo.db.models.simulator_mock import SimulatorMock
from cumulo.services import simulator_mocks


def mock_view(mock: SimulatorMock) -> dict[str, Any]:
    # Internal numeric ids on purpose: that is what upstream's MockResponse carries.
    return {
        "id": mock.id,
        "zoneid": mock.zone_id,
        "podid": mock.pod_id,
        "clusterid": mock.cluster_id,
        "hostid": mock.host_id,
        "name": mock.name,
        "count": mock.count,
    }


def _id(row: Any) -> int | None:
    return row.id if row is not None and row != "-1" else None


@command(
    "configureSimulator",
    params=[
        Param("clusterid", UUID, entity="Cluster", description="configure range: in a cluster"),
        Param("count", INTEGER, description="number of times the mock is active"),
        Param("hostid", UUID, entity="Host", description="configure range: in a host"),
        Param(
            "jsonresponse", STRING, length=4096, description="agent command response to be returned"
        ),
        Param("name", STRING, required=True, description="which command needs to be configured"),
        Param("podid", UUID, entity="Pod", description="configure range: in a pod"),
        Param(
            "value",
            STRING,
            required=True,
            description="configuration options for this command, e.g. result:fail|wait:500",
        ),
        Param("zoneid", UUID, entity="Zone", description="configure range: in a zone"),
    ],
    response_name="simulatormock",
    response_class="MockResponse",
)
def configure_simulator(call: Call, args: Args) -> InlineResult:
    """configure simulator"""
    mock = simulator_mocks.configure(
        call.db,
        args.name.strip(),
        args.value,
        zone_id=_id(args.zoneid),
        pod_id=_id(args.podid),
        cluster_id=_id(args.clusterid),
        host_id=_id(args.hostid),
        count=args.count,
        json_response=args.jsonresponse,
    )
    return InlineResult(mock_view(mock))


@command(
    "querySimulatorMock",
    params=[Param("id", LONG, description="id of the configured mock")],
    response_class="MockResponse",
)
def query_simulator_mock(call: Call, args: Args) -> InlineResult:
    """query simulator mock"""
    return InlineResult(mock_view(simulator_mocks.get(call.db, args.id)))


@command(
    "cleanupSimulatorMock",
    params=[Param("id", LONG, description="id of the configured mock")],
    response_class="SuccessResponse",
)
def cleanup_simulator_mock(call: Call, args: Args) -> SuccessResult:
    """cleanup simulator mock"""
    simulator_mocks.cleanup(call.db, args.id)
    return SuccessResult()

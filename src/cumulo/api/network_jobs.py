"""Job-side steps of network work: driver calls outside transactions, results after.

Shared by the network, public IP and router commands.
"""

from __future__ import annotations

import contextlib

from sqlalchemy.orm import Session

from cumulo.db.models.network import Network
from cumulo.drivers.base import COMMAND_APPLY_RULES, Answer, DriverError
from cumulo.drivers.registry import driver_for
from cumulo.errors import ResourceUnavailable
from cumulo.jobs.context import JobRun
from cumulo.services import guest_networks, network_rules, routers, simulator_mocks
from cumulo.services.network_access import network_owner


def _start(job: JobRun, router_id: int) -> Answer:
    try:
        return routers.start_on_host(job.transaction, router_id)
    except DriverError as exc:
        return Answer(False, str(exc))


def finish_implement(job: JobRun, network_id: int, router_id: int | None) -> None:
    """Start the router the handler created; on failure undo the whole implementation."""
    if router_id is None:
        return
    answer = _start(job, router_id)
    if answer.ok:
        job.transaction(lambda s: guest_networks.implemented(s, network_id, router_id))
        apply_rules(job, network_id)  # a replacement router gets the existing rules
        return
    routers.stop_on_host(job.transaction, router_id, force=True)
    job.transaction(lambda s: guest_networks.roll_back(s, job.caller, network_id))
    raise ResourceUnavailable(
        f"Unable to start the virtual router of the network ({answer.details}); "
        "the network was returned to Allocated"
    )


def stop_routers(job: JobRun, network_id: int) -> None:
    """Stop every router of the network on its host (before their rows go)."""
    ids = job.transaction(lambda s: [r.id for r in routers.of_network(s, network_id)])
    for router_id in ids:
        # A host that is gone cannot stop anything; the row is released anyway.
        with contextlib.suppress(DriverError):
            routers.stop_on_host(job.transaction, router_id, force=True)


def recreate_router(job: JobRun, network_id: int) -> None:
    """restartNetwork cleanup=true: a new router replaces the old one."""
    stop_routers(job, network_id)

    def work(s: Session) -> int | None:
        network = s.get(Network, network_id)
        assert network is not None
        snat = guest_networks.source_nat_ip(s, network_id)
        for old in routers.of_network(s, network_id):
            routers.release(s, old)
        offering_router = guest_networks.router_needed(s, network)
        if not offering_router:
            return None
        network.state = "Implementing"
        router = routers.create(s, network, network_owner(s, network), snat)
        return router.id

    finish_implement(job, network_id, job.transaction(work))


def apply_rules(job: JobRun, network_id: int) -> None:
    """Send the network's whole rule set to its router; settle the rule states.

    Without a running router the rules are only stored (they are sent when the
    router starts). A refusal removes the new rules and keeps the revoked ones.
    """

    def prepare(s: Session):  # type: ignore[no-untyped-def]
        found = routers.running_router(s, network_id)
        if found is None:
            return None
        hypervisor, guid, name, host = found
        mock = simulator_mocks.take(s, COMMAND_APPLY_RULES, host)
        return hypervisor, guid, name, network_rules.rule_set(s, network_id), mock

    target = job.transaction(prepare)
    answer = Answer(True)
    if target is not None:
        hypervisor, guid, name, rules, mock = target
        try:
            answer = driver_for(hypervisor).apply_network_rules(guid, name, rules, mock=mock)
        except DriverError as exc:
            answer = Answer(False, str(exc))
    if answer.ok:
        job.transaction(lambda s: network_rules.applied(s, network_id))
        return
    job.transaction(lambda s: network_rules.not_applied(s, network_id))
    raise ResourceUnavailable(f"The virtual router refused the rules: {answer.details}")


def push_rules_now(session: Session, network_id: int) -> None:
    """For synchronous commands: program the router from the handler's session."""
    found = routers.running_router(session, network_id)
    if found is None:
        return
    hypervisor, guid, name, host = found
    mock = simulator_mocks.take(session, COMMAND_APPLY_RULES, host)
    try:
        answer = driver_for(hypervisor).apply_network_rules(
            guid, name, network_rules.rule_set(session, network_id), mock=mock
        )
    except DriverError as exc:
        answer = Answer(False, str(exc))
    if not answer.ok:
        raise ResourceUnavailable(f"The virtual router refused the rules: {answer.details}")

"""updateFirewallRule / updateEgressFirewallRule: display flag and custom id of a rule."""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.commands.network_rules import _display_and_id, _rule
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.params import BOOLEAN, STRING, UUID, Param
from cumulo.api.results import Enqueue, ObjectResult
from cumulo.api.roles import ALL_ROLES
from cumulo.api.views.network_rule import firewall_view
from cumulo.db.models.network_rule import NetworkRule
from cumulo.jobs.context import JobRun
from cumulo.services import events
from cumulo.services.infra_common import must_get


def _update_command(name: str, egress: bool, event: str):  # type: ignore[no-untyped-def]
    def handler(call: Call, args: Args) -> Enqueue:
        rule = _rule(call, args.id, "Firewall", egress)
        _display_and_id(call, args, rule)
        events.record(
            call.db,
            call.caller,
            event,
            f"Firewall rule {rule.uuid} updated",
            resource_type="FirewallRule",
            resource_uuid=rule.uuid,
        )
        return Enqueue({"id": rule.id}, instance_uuid=rule.uuid)

    handler.__doc__ = f"Updates {'egress' if egress else 'ingress'} firewall rule "
    declared = command(
        name,
        params=[
            Param("id", UUID, required=True, entity="NetworkRule", description="the rule's ID"),
            Param("customid", STRING, since="4.4", description="a custom id (root admin)"),
            Param("fordisplay", BOOLEAN, since="4.4", description="show the rule to end users"),
        ],
        roles=ALL_ROLES,
        kind=Kind.ASYNC,
        resumable=True,
        object_name="firewallrule",
        instance_type="FirewallRule",
        response_class="FirewallResponse",
    )(handler)

    @declared.execute
    def _updated(job: JobRun, p: dict[str, Any]) -> ObjectResult:
        # Display flag and id only: nothing changes on the router.
        return ObjectResult(
            job.transaction(lambda s: firewall_view(s, must_get(s, NetworkRule, p["id"])))
        )

    # CloudStack declares an owner account; the rule already names its owner.
    declared.not_supported(Param("accountid", UUID))
    return declared


update_firewall_rule = _update_command("updateFirewallRule", False, "FIREWALL.UPDATE")
update_egress_firewall_rule = _update_command(
    "updateEgressFirewallRule", True, "FIREWALL.EGRESS.UPDATE"
)

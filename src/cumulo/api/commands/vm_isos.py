"""attachIso / detachIso: the ISO in a VM's CD-ROM drive (§6.6)."""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.commands.vms import VM, owned_vm, result_tx
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ObjectResult
from cumulo.drivers import registry
from cumulo.errors import OperationFailed
from cumulo.jobs.context import JobRun
from cumulo.services.vms import isos
from cumulo.services.vms.common import vm_of
from cumulo.services.vms.start import _mock

U, B = ParamType.UUID, ParamType.BOOLEAN
VM_ID = Param("virtualmachineid", U, required=True, entity="VMInstance", description="the VM")


@command(
    "attachIso",
    params=[
        Param("id", U, required=True, entity="VMTemplate", description="the ID of the ISO file"),
        VM_ID,
        Param("forced", B, since="4.15.1", description="replace an ISO the VM already has"),
    ],
    kind=Kind.ASYNC,
    resumable=True,
    **VM,  # type: ignore[arg-type]
)
def attach_iso(call: Call, args: Args) -> Enqueue:
    """Attaches an ISO to a virtual machine."""
    vm = owned_vm(call, args.virtualmachineid)
    plan = isos.begin_attach(call.db, call.caller, vm, args.id, bool(args.forced))
    return Enqueue(plan, instance_uuid=vm.uuid)


@command(
    "detachIso",
    params=[VM_ID, Param("forced", B, since="4.15.1", description="eject even if in use")],
    kind=Kind.ASYNC,
    resumable=True,
    **VM,  # type: ignore[arg-type]
)
def detach_iso(call: Call, args: Args) -> Enqueue:
    """Detaches any ISO file (if any) currently attached to a virtual machine."""
    vm = owned_vm(call, args.virtualmachineid)
    return Enqueue(isos.begin_detach(call.db, vm), instance_uuid=vm.uuid)


def _apply(job: JobRun, plan: dict[str, Any]) -> ObjectResult:
    """Insert/eject on the host of a Running VM (idempotent, so a re-run is harmless)."""
    host = plan["host"]
    if host is not None:
        vm_name = job.transaction(lambda s: vm_of(s, plan["vm_id"]).instance_name)
        driver = registry.driver_for(host["hv"])
        answer = driver.set_iso(host["guid"], vm_name, plan["path"], _mock(host["mock"]))
        if not answer.ok:
            job.transaction(lambda s: isos.undo(s, plan))
            verb = "attach the ISO to" if plan["iso_id"] is not None else "detach the ISO from"
            raise OperationFailed(f"Unable to {verb} the VM: {answer.details}")
    job.transaction_step("recorded", lambda s: isos.record(s, job.caller, plan))
    return result_tx(job, int(plan["vm_id"]))


attach_iso.execute(_apply)
detach_iso.execute(_apply)

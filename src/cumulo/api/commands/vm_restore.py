"""restoreVirtualMachine (§6.7)."""

from __future__ import annotations

from typing import Any

from cumulo.api.arguments import Args
from cumulo.api.commands.vms import VM, owned_vm, with_password
from cumulo.api.context import Call
from cumulo.api.declaration import Kind, command
from cumulo.api.params import Param, ParamType
from cumulo.api.results import Enqueue, ObjectResult
from cumulo.drivers import registry
from cumulo.jobs.context import JobRun
from cumulo.services.vms import power, restore, start
from cumulo.services.vms.common import spec_from_json

U = ParamType.UUID


@command(
    "restoreVirtualMachine",
    params=[
        Param("virtualmachineid", U, required=True, entity="VMInstance", description="the VM"),
        Param("templateid", U, entity="VMTemplate", description="template to reinstall from"),
        Param(
            "diskofferingid",
            U,
            since="4.19.1",
            entity="DiskOffering",
            description="disk offering of the new root volume",
        ),
        Param("rootdisksize", ParamType.LONG, since="4.19.1", description="new root size in GiB"),
        Param("expunge", ParamType.BOOLEAN, since="4.19.1", description="expunge the old root"),
    ],
    kind=Kind.ASYNC,
    response_name="restorevmresponse",
    **VM,  # type: ignore[arg-type]
)
def restore_vm(call: Call, args: Args) -> Enqueue:
    """Restore a VM to original template/ISO or new template/ISO"""
    vm = owned_vm(call, args.virtualmachineid)
    payload = restore.begin(
        call.db,
        call.runtime.config,
        call.caller,
        vm,
        args.templateid,
        args.diskofferingid,
        args.rootdisksize,
    )
    return Enqueue({**payload, "expunge": bool(args.expunge)}, instance_uuid=vm.uuid)


@restore_vm.execute
def _restore_vm(job: JobRun, payload: dict[str, Any]) -> ObjectResult:
    vm_id, caller = int(payload["vm_id"]), job.caller
    if "swap" not in job.checkpoint:
        try:
            if payload["running"]:
                power.stop(job.transaction, caller, vm_id, forced=False)
        except Exception:
            job.transaction(lambda s: restore.release_charge(s, payload))
            raise
    done = job.transaction_step(
        "swap", lambda s: restore.swap(s, caller, payload, job.runtime.secrets)
    )
    disk = done["disk"]
    if disk is not None:
        registry.driver_for(disk["hv"] or "Simulator").destroy_volume(
            spec_from_json(disk["pool"]), disk["path"]
        )
        job.transaction(lambda s: restore.forget_old(s, int(done["old_id"])))
    if payload["running"]:
        start.start(job.transaction, job.runtime.config, caller, vm_id, deploy=False)
    return with_password(job, vm_id)


@restore_vm.compensate
def _give_back(job: JobRun, payload: dict[str, Any]) -> str:
    if "swap" in job.checkpoint:
        return "the root volume was replaced; start the VM if it stayed Stopped"
    job.transaction(lambda s: restore.release_charge(s, payload))
    return "the VM keeps its old root volume"


restore_vm.not_supported(Param("details", ParamType.MAP, since="4.19.1"))

"""Instance groups: create, rename, delete, and putting VMs in and out of them.

Names are unique among an account's live groups (as CloudStack's
``isVmGroupNameInUse``); ``deployVirtualMachine``/``updateVirtualMachine``
with ``group=NAME`` use the owner's group of that name and create it when it
does not exist yet, as CloudStack's ``addInstanceToGroup`` does.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cumulo.api.context import Caller
from cumulo.db.models.account import Account
from cumulo.db.models.domain import Domain
from cumulo.db.models.instance_group import InstanceGroup
from cumulo.db.models.vm import VMInstance
from cumulo.errors import InvalidParameter
from cumulo.services import accounts
from cumulo.services.network_access import check_owned
from cumulo.services.resource_owner import Owner


def _clean(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidParameter("Instance group name must not be empty")
    if len(name) > 255:
        raise InvalidParameter("Instance group name must be at most 255 characters")
    return name


def find(session: Session, account_id: int, name: str) -> InstanceGroup | None:
    return session.execute(
        select(InstanceGroup).where(
            InstanceGroup.account_id == account_id,
            InstanceGroup.name == name,
            InstanceGroup.removed.is_(None),
        )
    ).scalar()


def _check_free(session: Session, account_id: int, name: str) -> None:
    if find(session, account_id, name) is not None:
        raise InvalidParameter(
            f"Unable to create instance group, a group with name {name} already exists for "
            "the account; choose another name"
        )


def create(session: Session, owner: Owner, name: str, project_id: int | None) -> InstanceGroup:
    name = _clean(name)
    _check_free(session, owner.account_id, name)
    group = InstanceGroup(
        name=name,
        account_id=owner.account_id,
        domain_id=owner.domain_id,
        domain_path=owner.domain_path,
        project_id=project_id,
    )
    session.add(group)
    session.flush()
    return group


def check_access(caller: Caller, group: InstanceGroup) -> None:
    """Owner, or an admin whose domain holds the owner (CloudStack's checkAccess)."""
    if group.removed is not None:
        raise InvalidParameter(f"Unable to find instance group by id {group.uuid}")
    check_owned(caller, group.account_id, group.domain_path, f"instance group {group.uuid}")


def rename(session: Session, group: InstanceGroup, name: str) -> None:
    name = _clean(name)
    if name != group.name:
        _check_free(session, group.account_id, name)
        group.name = name


def delete(session: Session, group: InstanceGroup) -> None:
    """The group goes; its VMs stay, in no group (CloudStack removes the memberships)."""
    session.execute(
        update(VMInstance)
        .where(VMInstance.instance_group_id == group.id)
        .values(instance_group_id=None)
        .execution_options(synchronize_session=False)
    )
    group.mark_removed()


def assign(session: Session, vm: VMInstance, name: str | None, project_id: int | None) -> None:
    """Put the VM in its owner's group ``name`` (created if missing); "" or None: no group."""
    if not name or not name.strip():
        vm.instance_group_id = None
        return
    group = find(session, vm.account_id, name.strip())
    if group is None:
        account, domain = session.get(Account, vm.account_id), session.get(Domain, vm.domain_id)
        assert account is not None and domain is not None
        group = create(session, Owner(account, domain), name, project_id)
    vm.instance_group_id = group.id


def _cleanup(session: Session, caller: Caller, account: Account) -> None:
    for group in session.execute(
        select(InstanceGroup).where(
            InstanceGroup.account_id == account.id, InstanceGroup.removed.is_(None)
        )
    ).scalars():
        delete(session, group)


accounts.CLEANUP_HOOKS.append(_cleanup)

"""The one declaration of each API command, and the registry that holds them.

Everything about a command (parameters, roles, sync/async, response names)
is written once, here, with its handler. Validation, ``listApis`` and the
conformance test against CloudStack's specification all read from it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from cumulo.api.params import Param, ParamType
from cumulo.api.roles import ADMIN_ONLY, RoleType

if TYPE_CHECKING:
    from cumulo.api.arguments import Args
    from cumulo.api.context import Call
    from cumulo.api.results import Result
    from cumulo.jobs.context import JobRun

Handler = Callable[["Call", "Args"], "Result"]
Executor = Callable[["JobRun", dict[str, Any]], "Result"]
# The decorated function keeps its own (narrower) type, so one executor can call another.
E = TypeVar("E", bound=Executor)
# Puts an interrupted job's resources back in a stable state; returns what was
# done ("the domain was left Active") for the job's errortext.
Compensator = Callable[["JobRun", dict[str, Any]], str]


class Kind(StrEnum):
    SYNC = "sync"
    ASYNC = "async"
    ASYNC_CREATE = "asynccreate"


# BaseListCmd's parameters, which every list command has.
LIST_PARAMS = (
    Param("keyword", ParamType.STRING, description="List by keyword"),
    Param("page", ParamType.INTEGER, description="The page to return, from 1"),
    Param("pagesize", ParamType.INTEGER, description="Items per page"),
)
READ_ONLY_NAME = re.compile(r"^(list|get|query|find|search)", re.IGNORECASE)


@dataclass
class Command:
    name: str
    handler: Handler
    params: tuple[Param, ...]
    kind: Kind = Kind.SYNC
    authorized: frozenset[RoleType] = ADMIN_ONLY
    object_name: str | None = None
    response_name: str | None = None
    description: str = ""
    since: str | None = None
    is_list: bool = False
    # CloudStack's response class, for listApis' response fields.
    response_class: str | None = None
    # ApiCommandResourceType of the job's instance (VirtualMachine, Domain ...).
    instance_type: str | None = None
    post_only: bool = False
    read_only: bool = False
    executor: Executor | None = None
    # What happens when a node dies mid-job and a survivor adopts it: a
    # resumable executor runs again (its ``job.step``s are not repeated);
    # otherwise the compensator, if any, undoes the partial work and the job
    # fails with 530.
    resumable: bool = False
    compensator: Compensator | None = None
    # CloudStack's APIAuthenticator commands (login, logout): the HTTP layer
    # answers them before any authentication and never dispatches them; the
    # declaration is what listApis, the conformance test and coverage read.
    authenticator: bool = False
    params_by_key: dict[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.params_by_key = {p.key: p for p in self.params}

    @property
    def is_async(self) -> bool:
        return self.kind != Kind.SYNC

    @property
    def wrapper(self) -> str:
        """The envelope key: ``<name lower-cased>response`` unless overridden."""
        return self.response_name or f"{self.name.lower()}response"

    def not_supported(self, *params: Param) -> None:
        """Declare CloudStack parameters of this command that cumulo does not implement."""
        marked = tuple(replace(p, unsupported=True) for p in params)
        self.params = tuple(sorted((*self.params, *marked), key=lambda p: p.key))
        self.params_by_key = {p.key: p for p in self.params}

    def execute(self, fn: E) -> E:
        """Decorator attaching the job body of an async command."""
        self.executor = fn
        return fn

    def compensate(self, fn: Compensator) -> Compensator:
        """Decorator attaching the rollback run when an interrupted job is not resumed."""
        self.compensator = fn
        return fn


REGISTRY: dict[str, Command] = {}


def command(
    name: str,
    *,
    params: Iterable[Param] = (),
    kind: Kind = Kind.SYNC,
    roles: Iterable[RoleType] = ADMIN_ONLY,
    object_name: str | None = None,
    response_name: str | None = None,
    description: str = "",
    since: str | None = None,
    is_list: bool = False,
    response_class: str | None = None,
    instance_type: str | None = None,
    post_only: bool = False,
    read_only: bool | None = None,
    resumable: bool = False,
    authenticator: bool = False,
) -> Callable[[Handler], Command]:
    """Declare an API command; the decorated function is its (synchronous) handler.

    ``roles`` are the role types allowed by default (CloudStack's default role
    permissions); root admin only unless said otherwise, so a forgotten
    ``roles=`` closes a command rather than opening it.

    For async commands the handler validates, reserves and returns an
    ``Enqueue``; the job body is attached with ``@<command>.execute``.
    """

    def register(handler: Handler) -> Command:
        declared = tuple(params)
        if is_list:
            names = {p.key for p in declared}
            declared += tuple(p for p in LIST_PARAMS if p.key not in names)
        cmd = Command(
            name=name,
            handler=handler,
            params=tuple(sorted(declared, key=lambda p: p.key)),
            kind=kind,
            authorized=frozenset(roles),
            object_name=object_name,
            response_name=response_name,
            description=description or (handler.__doc__ or "").strip().split("\n")[0],
            since=since,
            is_list=is_list,
            response_class=response_class,
            instance_type=instance_type,
            post_only=post_only,
            read_only=bool(READ_ONLY_NAME.match(name)) if read_only is None else read_only,
            resumable=resumable,
            authenticator=authenticator,
        )
        key = name.lower()
        if key in REGISTRY:
            raise RuntimeError(f"API command {name} declared twice")
        REGISTRY[key] = cmd
        return cmd

    return register


_loaded = False


def load_commands() -> dict[str, Command]:
    """Import every module of ``cumulo.api.commands`` once; return the registry."""
    global _loaded
    if not _loaded:
        from cumulo.api import commands

        for mod in pkgutil.walk_packages(commands.__path__, commands.__name__ + "."):
            importlib.import_module(mod.name)
        for cmd in REGISTRY.values():
            if cmd.is_async and cmd.executor is None:
                raise RuntimeError(f"async command {cmd.name} has no executor")
        _loaded = True
    return REGISTRY


def lookup(name: str) -> Command | None:
    return load_commands().get(name.lower())

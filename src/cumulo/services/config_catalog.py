"""CloudStack's global settings that cumulo honours, with CloudStack's names and defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    description: str
    category: str = "Advanced"
    # Integer | Long | Float | Boolean | String | CSV | Select | Range
    type: str = "String"
    # Scopes where a value may be set besides Global.
    scopes: tuple[str, ...] = ()
    is_dynamic: bool = True
    component: str = "ManagementServer"
    group: str = "Miscellaneous"
    subgroup: str = "Others"
    options: str | None = None
    displaytext: str | None = None
    parent: str | None = None


def _all() -> list[Setting]:
    return [
        Setting(
            "default.page.size",
            "500",
            "Default page size for API list* commands",
            type="Long",
            group="Management Server",
            subgroup="API",
        ),
        Setting(
            "api.throttling.enabled",
            "false",
            "Enable/disable Api rate limit",
            type="Boolean",
            group="Management Server",
            subgroup="API",
        ),
        Setting(
            "api.throttling.interval",
            "1",
            "Time interval (in seconds) to reset API count",
            type="Integer",
            group="Management Server",
            subgroup="API",
        ),
        Setting(
            "api.throttling.max",
            "25",
            "Max allowed number of APIs within fixed interval",
            type="Integer",
            group="Management Server",
            subgroup="API",
        ),
        Setting(
            "api.throttling.cachesize",
            "50000",
            "Account based API count cache size",
            type="Integer",
            is_dynamic=False,
            group="Management Server",
            subgroup="API",
        ),
        Setting(
            "expunge.delay",
            "86400",
            "Determines how long (in seconds) to wait before actually expunging destroyed "
            "vm. The default value = the default value of expunge.interval",
            type="Integer",
            group="Compute",
            subgroup="Virtual Machine",
        ),
        Setting(
            "expunge.interval",
            "86400",
            "The interval (in seconds) to wait before running the expunge thread.",
            type="Integer",
            group="Compute",
            subgroup="Virtual Machine",
        ),
        Setting(
            "job.expire.minutes",
            "1440",
            "Time (in minutes) for async-jobs to be kept in system",
            type="Long",
            group="Management Server",
            subgroup="Jobs",
        ),
        Setting(
            "job.cancel.threshold.minutes",
            "60",
            "Time (in minutes) for async-jobs to be forcely cancelled if it has been in "
            "process for long",
            type="Long",
            group="Management Server",
            subgroup="Jobs",
        ),
        Setting(
            "api.key.access",
            "true",
            "Whether API key access is allowed",
            type="Boolean",
            scopes=("Domain",),
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "api.sessionkey.check.locations",
            "CookieAndParameter",
            "The locations where the session key is checked: CookieAndParameter, "
            "CookieOrParameter or ParameterOnly",
            type="Select",
            options="CookieAndParameter,CookieOrParameter,ParameterOnly",
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "api.sessionkey.cookie.samesite",
            "Lax",
            "The SameSite attribute of the sessionkey cookie: Lax, Strict, NoneAndSecure or Null",
            type="Select",
            options="Lax,Strict,NoneAndSecure,Null",
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "enforce.post.requests.and.timestamps",
            "false",
            "Enforce POST for state-changing commands and signature version 3 with expires",
            type="Boolean",
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "session.timeout",
            "30",
            "Session timeout in minutes",
            type="Integer",
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "allow.user.create.projects",
            "true",
            "If regular user can create a project; true by default",
            type="Boolean",
            scopes=("Domain",),
            group="Project",
            subgroup="Project Defaults",
        ),
        Setting(
            "max.account.user.vms",
            "20",
            "The default maximum number of user VMs that can be deployed for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.public.ips",
            "20",
            "The default maximum number of public IPs that can be consumed by an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.volumes",
            "20",
            "The default maximum number of volumes that can be created for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.snapshots",
            "20",
            "The default maximum number of snapshots that can be created for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.templates",
            "20",
            "The default maximum number of templates that can be deployed for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.networks",
            "20",
            "The default maximum number of networks that can be created for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.vpcs",
            "20",
            "The default maximum number of vpcs that can be created for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.cpus",
            "40",
            "The default maximum number of cpu cores that can be used for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.memory",
            "40960",
            "The default maximum memory (in MB) that can be used for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.primary.storage",
            "200",
            "The default maximum primary storage space (in GiB) that can be used for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.account.secondary.storage",
            "400",
            "The default maximum secondary storage space (in GiB) that can be used for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        ),
        Setting(
            "max.project.user.vms",
            "20",
            "The default maximum number of user VMs that can be deployed for a project",
            type="Long",
            category="Project Defaults",
            group="Project",
        ),
        *_limit_defaults(),
    ]


# (setting suffix, what, account default, domain default); project defaults
# equal the account ones, as in CloudStack.
_LIMITS = (
    ("user.vms", "number of user VMs", "20", "40"),
    ("public.ips", "number of public IPs", "20", "40"),
    ("volumes", "number of volumes", "20", "40"),
    ("snapshots", "number of snapshots", "20", "40"),
    ("templates", "number of templates", "20", "40"),
    ("projects", "number of projects", "20", "50"),
    ("networks", "number of networks", "20", "20"),
    ("vpcs", "number of vpcs", "20", "20"),
    ("cpus", "number of cpu cores", "40", "80"),
    ("memory", "memory (in MiB)", "40960", "81920"),
    ("primary.storage", "primary storage space (in GiB)", "200", "400"),
    ("secondary.storage", "secondary storage space (in GiB)", "400", "800"),
)


def _limit_defaults() -> list[Setting]:
    """Default resource limits not listed above: max.account.projects, max.domain.*,
    max.project.* (user.vms of projects is above)."""
    out = [
        Setting(
            "max.account.projects",
            "20",
            "The default maximum number of projects that can be created for an account",
            type="Long",
            category="Account Defaults",
            group="Account",
        )
    ]
    for suffix, what, account_default, domain_default in _LIMITS:
        out.append(
            Setting(
                f"max.domain.{suffix}",
                domain_default,
                f"The default maximum {what} that can be used for a domain",
                type="Long",
                category="Domain Defaults",
                group="Domain",
            )
        )
        if suffix not in ("user.vms", "projects"):
            out.append(
                Setting(
                    f"max.project.{suffix}",
                    account_default,
                    f"The default maximum {what} that can be used for a project",
                    type="Long",
                    category="Project Defaults",
                    group="Project",
                )
            )
    return out


CATALOG: dict[str, Setting] = {s.name: s for s in _all()}

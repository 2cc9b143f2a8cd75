"""CloudStack's global settings that cumulo honours, with CloudStack's names and defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    description: str
    category: str = "Advanced"
    # Integer | Long | Float | Boolean | String | CSV | Select | Range (a Float
    # within ``bounds``); listConfigurations shows CloudStack's value types.
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
    # Inclusive (low, high) for numeric and Range settings.
    bounds: tuple[float, float] | None = None
    # A credential (CloudStack's "Secure" category): stored sealed with the cluster
    # key (services.secrets.seal_text), never shown in clear by listConfigurations.
    secure: bool = False


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
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "max.account.user.vms",
            "20",
            "The default maximum number of user VMs that can be deployed for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.public.ips",
            "20",
            "The default maximum number of public IPs that can be consumed by an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.volumes",
            "20",
            "The default maximum number of volumes that can be created for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.snapshots",
            "20",
            "The default maximum number of snapshots that can be created for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.templates",
            "20",
            "The default maximum number of templates that can be deployed for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.networks",
            "20",
            "The default maximum number of networks that can be created for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.vpcs",
            "20",
            "The default maximum number of vpcs that can be created for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.cpus",
            "40",
            "The default maximum number of cpu cores that can be used for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.memory",
            "40960",
            "The default maximum memory (in MB) that can be used for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.primary.storage",
            "200",
            "The default maximum primary storage space (in GiB) that can be used for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.account.secondary.storage",
            "400",
            "The default maximum secondary storage space (in GiB) that can be used for an account",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "max.project.user.vms",
            "20",
            "The default maximum number of user VMs that can be deployed for a project",
            type="Long",
            bounds=(-1, 2**63 - 1),
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "incorrect.login.attempts.allowed",
            "5",
            "Incorrect login attempts allowed before the user is disabled",
            type="Integer",
            bounds=(1, 2**31 - 1),
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "event.purge.delay",
            "15",
            "Events older than specified number days will be purged. Set this value to 0 "
            "to never delete events",
            type="Integer",
            bounds=(0, 2**31 - 1),
            is_dynamic=False,
            group="Management Server",
            subgroup="Events",
        ),
        Setting(
            "event.purge.interval",
            "86400",
            "The interval (in seconds) to wait before running the event purge thread",
            type="Integer",
            bounds=(1, 2**31 - 1),
            is_dynamic=False,
            group="Management Server",
            subgroup="Events",
        ),
        # Capacity alerts and allocator cut-offs: fractions between 0 and 1.
        *_thresholds(),
        Setting(
            "cpu.overprovisioning.factor",
            "1.0",
            "Used for CPU overprovisioning calculation; available CPU will be "
            "(actualCpuCapacity * cpu.overprovisioning.factor)",
            type="Float",
            bounds=(1.0, 1_000.0),
            scopes=("Cluster",),
            group="Compute",
            subgroup="Allocator",
        ),
        Setting(
            "mem.overprovisioning.factor",
            "1.0",
            "Used for memory overprovisioning calculation",
            type="Float",
            bounds=(1.0, 1_000.0),
            scopes=("Cluster",),
            group="Compute",
            subgroup="Allocator",
        ),
        Setting(
            "storage.overprovisioning.factor",
            "2",
            "Used for storage overprovisioning calculation; available storage will be "
            "(actualStorageSize * storage.overprovisioning.factor)",
            type="Float",
            bounds=(1.0, 1_000.0),
            category="Storage",
            scopes=("StoragePool",),
            group="Storage",
            subgroup="Primary Storage",
        ),
        Setting(
            "ping.interval",
            "60",
            "Interval to send application level pings to make sure the connection is still working",
            type="Integer",
            bounds=(1, 2**31 - 1),
            group="Management Server",
            subgroup="Agent",
        ),
        Setting(
            "ping.timeout",
            "2.5",
            "Multiplier to ping.interval before announcing an agent has timed out",
            type="Float",
            bounds=(1.0, 1_000.0),
            group="Management Server",
            subgroup="Agent",
        ),
        Setting(
            "host",
            "localhost",
            "The ip address of management server. This can also accept comma separated addresses.",
            type="CSV",
            group="Management Server",
            subgroup="Agent",
        ),
        Setting(
            "indirect.agent.lb.algorithm",
            "static",
            "The algorithm to be applied on the provided 'host' management server list that is "
            "sent to indirect agents. Allowed values are: static, roundrobin and shuffle.",
            type="Select",
            options="static,roundrobin,shuffle",
            group="Management Server",
            subgroup="Agent",
        ),
        Setting(
            "indirect.agent.lb.check.interval",
            "0",
            "The interval in seconds after which agent should check and try to connect to its "
            "preferred host. Set 0 to disable it.",
            type="Long",
            bounds=(0, 2**63 - 1),
            scopes=("Cluster",),
            group="Management Server",
            subgroup="Agent",
        ),
        Setting(
            "network.gc.interval",
            "600",
            "Seconds to wait before checking for networks to shutdown",
            type="Integer",
            bounds=(1, 2**31 - 1),
            is_dynamic=False,
            group="Network",
            subgroup="Network",
        ),
        Setting(
            "network.gc.wait",
            "600",
            "Time (in seconds) to wait before shutting down a network that's not in used",
            type="Integer",
            bounds=(1, 2**31 - 1),
            is_dynamic=False,
            group="Network",
            subgroup="Network",
        ),
        Setting(
            "router.template.kvm",
            "SystemVM Template (KVM)",
            "Name of the default router template on KVM.",
            scopes=("Zone",),
            group="System VMs",
            subgroup="Virtual Router",
        ),
        Setting(
            "secstorage.allowed.internal.sites",
            "",
            "Comma separated list of cidrs internal to the datacenter that can host template "
            "download servers, please note 0.0.0.0 is not a valid site",
            type="CSV",
            group="System VMs",
            subgroup="Secondary Storage VM",
        ),
        Setting(
            "integration.api.port",
            "0",
            "Integration (unauthenticated) API port. To disable set it to 0 or negative.",
            type="Integer",
            is_dynamic=False,
            group="Management Server",
            subgroup="API",
        ),
        Setting(
            "api.source.cidr.checks.enabled",
            "true",
            "Are the source checks on API calls enabled (true) or not (false)? See "
            "api.allowed.source.cidr.list",
            type="Boolean",
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "api.allowed.source.cidr.list",
            "0.0.0.0/0,::/0",
            "Comma separated list of IPv4/IPv6 CIDRs from which API calls can be performed. "
            "Can be set on Global and Account levels.",
            type="CSV",
            scopes=("Account",),
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "enable.secure.session.cookie",
            "false",
            "Session cookie is marked as secure if this is enabled. Secure cookies only work "
            "when HTTPS is used.",
            type="Boolean",
            is_dynamic=False,
            group="Access",
            subgroup="Authentication",
        ),
        Setting(
            "alert.purge.delay",
            "0",
            "Alerts older than specified number days will be purged. Set this value to 0 to "
            "never delete alerts",
            type="Integer",
            bounds=(0, 2**31 - 1),
            is_dynamic=False,
            category="Alert",
            group="Management Server",
            subgroup="Alerts",
        ),
        Setting(
            "alert.purge.interval",
            "86400",
            "The interval (in seconds) to wait before running the alert purge thread",
            type="Integer",
            bounds=(1, 2**31 - 1),
            is_dynamic=False,
            category="Alert",
            group="Management Server",
            subgroup="Alerts",
        ),
        Setting(
            "capacity.check.period",
            "300000",
            "The interval in milliseconds between capacity checks",
            type="Integer",
            bounds=(1, 2**31 - 1),
            category="Alert",
            group="Management Server",
            subgroup="Alerts",
        ),
        Setting(
            "account.cleanup.interval",
            "86400",
            "The interval (in seconds) between cleanup for removed accounts",
            type="Integer",
            bounds=(1, 2**31 - 1),
            is_dynamic=False,
            group="Access",
            subgroup="Account",
        ),
        Setting(
            "allow.user.expunge.recover.vm",
            "false",
            "Determines whether users can expunge or recover their vm",
            type="Boolean",
            scopes=("Account",),
            group="Compute",
            subgroup="Virtual Machine",
        ),
        Setting(
            "vm.destroy.forcestop",
            "false",
            "On destroy, force-stop takes this value",
            type="Boolean",
            group="Compute",
            subgroup="Virtual Machine",
        ),
        Setting(
            "storage.cleanup.enabled",
            "true",
            "Enables/disables the storage cleanup thread.",
            type="Boolean",
            is_dynamic=False,
            category="Storage",
            group="Storage",
            subgroup="Primary Storage",
        ),
        Setting(
            "storage.cleanup.interval",
            "86400",
            "The interval (in seconds) to wait before running the storage cleanup thread.",
            type="Integer",
            bounds=(1, 2**31 - 1),
            is_dynamic=False,
            category="Storage",
            group="Storage",
            subgroup="Primary Storage",
        ),
        Setting(
            "cluster.heartbeat.interval",
            "1500",
            "Interval (in milliseconds) to check for the heart beat between management server "
            "nodes",
            type="Integer",
            bounds=(100, 2**31 - 1),
            is_dynamic=False,
            group="Management Server",
            subgroup="Cluster",
        ),
        Setting(
            "cluster.heartbeat.threshold",
            "150000",
            "Threshold (in milliseconds) before self-fence the management server. The threshold "
            "should be larger than management.server.stats.interval",
            type="Integer",
            bounds=(1000, 2**31 - 1),
            group="Management Server",
            subgroup="Cluster",
        ),
        *_limit_defaults(),
        Setting(
            "secstorage.ssl.cert.domain",
            "",
            "SSL certificate used to encrypt copy traffic between zones. Also used to "
            "create download URLs: blank = the SSVM's public IP, a name = that name, "
            "*.domain = a-b-c-d.domain for the SSVM's public IP a.b.c.d",
            group="System VMs",
            subgroup="Secondary Storage VM",
        ),
        Setting(
            "secstorage.encrypt.copy",
            "false",
            "Use SSL method used to encrypt copy traffic between zones; also makes "
            "extract (download) URLs https",
            type="Boolean",
            group="System VMs",
            subgroup="Secondary Storage VM",
        ),
        *_alert_thresholds(),
        Setting(
            "vmsnapshot.max",
            "10",
            "Maximum vm snapshots for a single vm",
            type="Integer",
            bounds=(0, 2**31 - 1),
            category="Advanced",
            group="Storage",
            subgroup="VM Snapshot",
        ),
        Setting(
            "project.invite.required",
            "false",
            "If invitation confirmation is required when add account to project. "
            "Default value is false",
            type="Boolean",
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "project.invite.timeout",
            "86400",
            "Invitation expiration time (in seconds). Default is 1 day - 86400 seconds",
            type="Long",
            bounds=(1, 2**63 - 1),
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "project.email.sender",
            "",
            "Sender of project invitation email (will be in the From header of the email)",
            type="String",
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "project.smtp.host",
            "",
            "SMTP hostname used for sending out email project invitations",
            type="String",
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "project.smtp.port",
            "465",
            "Port the SMTP server is listening on (465: SMTP over TLS)",
            type="Integer",
            bounds=(1, 65535),
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "vm.network.nic.max.secondary.ipaddresses",
            "256",
            "Specify the number of secondary ip addresses per nic per vm. Default value 10 "
            "is used, if not specified.",
            type="Integer",
            bounds=(0, 2**31 - 1),
            category="Network",
            group="Network",
            subgroup="Network",
        ),
        *_project_smtp_auth(),
        Setting(
            "storage.cleanup.delay",
            "86400",
            "Determines how long (in seconds) to wait before actually expunging destroyed "
            "volumes. The default value = the default value of storage.cleanup.interval.",
            type="Integer",
            bounds=(0, 2**31 - 1),
            category="Advanced",
            group="Storage",
            subgroup="Primary Storage",
        ),
        *_upload_settings(),
    ]


def _project_smtp_auth() -> list[Setting]:
    """CloudStack's SMTP authentication settings for project invitation mails."""
    return [
        Setting(
            "project.smtp.useAuth",
            "false",
            "If true, use SMTP authentication when sending emails",
            type="Boolean",
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "project.smtp.username",
            "",
            "Username for SMTP authentication (applies only if project.smtp.useAuth is true)",
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "project.smtp.password",
            "",
            "Password for SMTP authentication (applies only if project.smtp.useAuth is true)",
            category="Secure",
            secure=True,
            group="Access",
            subgroup="Project",
        ),
        Setting(
            "project.smtp.useStartTLS",
            "false",
            "If set to true and if we enable security via project.smtp.useAuth, this will "
            "enable StartTLS to secure the connection.",
            type="Boolean",
            category="Project Defaults",
            group="Access",
            subgroup="Project",
        ),
    ]


def _upload_settings() -> list[Setting]:
    """Browser (HTTP POST) uploads of volumes, templates and ISOs."""
    return [
        Setting(
            "upload.operation.timeout",
            "60",
            "Time (in minutes) to wait before abandoning volume upload operation",
            type="Integer",
            bounds=(1, 2**31 - 1),
            group="Storage",
            subgroup="Volume",
        ),
        Setting(
            "upload.monitoring.interval",
            "60",
            "Interval (in seconds) to check the status of volumes that are uploaded using HTTP "
            "POST request",
            type="Integer",
            bounds=(1, 2**31 - 1),
            group="Storage",
            subgroup="Volume",
        ),
        Setting(
            "storage.max.volume.upload.size",
            "500",
            "The maximum size for a uploaded volume(in GB).",
            category="Storage",
            type="Integer",
            bounds=(1, 2**31 - 1),
            group="Storage",
            subgroup="Volume",
        ),
        Setting(
            "max.template.iso.size",
            "50",
            "The maximum size for a downloaded template or ISO (in GB).",
            category="Storage",
            type="Integer",
            bounds=(1, 2**31 - 1),
            group="Storage",
            subgroup="Images",
        ),
    ]


def _alert_thresholds() -> list[Setting]:
    """Notification thresholds the capacity checker reads besides those in _THRESHOLDS."""
    out = []
    for name, what, scope in (
        ("pool.storage.capacity.notificationthreshold", "storage", "Zone"),
        ("pool.storage.allocated.capacity.notificationthreshold", "allocated storage", "Zone"),
        ("zone.virtualnetwork.publicip.capacity.notificationthreshold", "public IP", ""),
    ):
        out.append(
            Setting(
                name,
                "0.75",
                f"Percentage (as a value between 0 and 1) of {what} utilization above which "
                f"alerts will be sent about low {what} available.",
                type="Range",
                bounds=(0.0, 1.0),
                category="Alert",
                scopes=(scope,) if scope else (),
                group="Management Server",
                subgroup="Alerts",
            )
        )
    return out


# (name, default, what is measured, alerts|disable, scope besides Global)
_THRESHOLDS = [
    ("cluster.cpu.allocated.capacity.notificationthreshold", "0.75", "cpu", "alerts", "Cluster"),
    (
        "cluster.memory.allocated.capacity.notificationthreshold",
        "0.75",
        "memory",
        "alerts",
        "Cluster",
    ),
    ("cluster.cpu.allocated.capacity.disablethreshold", "0.85", "cpu", "disable", "Cluster"),
    ("cluster.memory.allocated.capacity.disablethreshold", "0.85", "memory", "disable", "Cluster"),
    ("cluster.storage.capacity.notificationthreshold", "0.75", "storage", "alerts", "Cluster"),
    (
        "cluster.storage.allocated.capacity.notificationthreshold",
        "0.75",
        "allocated storage",
        "alerts",
        "Cluster",
    ),
    ("pool.storage.capacity.disablethreshold", "0.85", "storage", "disable", "Zone"),
    (
        "pool.storage.allocated.capacity.disablethreshold",
        "0.85",
        "allocated storage",
        "disable",
        "Zone",
    ),
    ("zone.secstorage.capacity.notificationthreshold", "0.75", "secondary storage", "alerts", ""),
    ("zone.vlan.capacity.notificationthreshold", "0.75", "Zone Vlan", "alerts", ""),
    (
        "zone.directnetwork.publicip.capacity.notificationthreshold",
        "0.75",
        "direct network public IP",
        "alerts",
        "",
    ),
    ("pod.privateip.capacity.notificationthreshold", "0.75", "private IP", "alerts", ""),
]


def _thresholds() -> list[Setting]:
    """CloudStack's capacity notification and disable thresholds (fractions of 1)."""
    out = []
    for name, default, what, kind, scope in _THRESHOLDS:
        if kind == "alerts":
            text = f"utilization above which alerts will be sent about low {what} available."
        else:
            target = "pool" if name.startswith("pool") else "cluster"
            text = (
                f"utilization above which allocators will disable using the {target} for low "
                f"{what} available. Keep the corresponding notification threshold lower than "
                "this to be notified beforehand."
            )
        out.append(
            Setting(
                name,
                default,
                f"Percentage (as a value between 0 and 1) of {what} {text}",
                type="Range",
                bounds=(0.0, 1.0),
                category="Alert",
                scopes=(scope,) if scope else (),
                group="Management Server",
                subgroup="Alerts",
            )
        )
    return out


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
            bounds=(-1, 2**63 - 1),
            category="Account Defaults",
            group="Access",
            subgroup="Account",
        )
    ]
    for suffix, what, account_default, domain_default in _LIMITS:
        out.append(
            Setting(
                f"max.domain.{suffix}",
                domain_default,
                f"The default maximum {what} that can be used for a domain",
                type="Long",
                bounds=(-1, 2**63 - 1),
                category="Domain Defaults",
                group="Access",
                subgroup="Domain",
            )
        )
        if suffix not in ("user.vms", "projects"):
            out.append(
                Setting(
                    f"max.project.{suffix}",
                    account_default,
                    f"The default maximum {what} that can be used for a project",
                    type="Long",
                    bounds=(-1, 2**63 - 1),
                    category="Project Defaults",
                    group="Access",
                    subgroup="Project",
                )
            )
    return out


CATALOG: dict[str, Setting] = {s.name: s for s in _all()}

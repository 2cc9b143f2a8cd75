"""Plays that build an Advanced simulator zone with ngine_io.cloudstack and run a workload.

Each function returns the tasks of one play. The names are the operator's own
(zone, pod, cluster ...); hosts are found again by the pod address they get,
as operators of the simulator do (the module matches name or IP address).
"""

from __future__ import annotations

from typing import Any

M = "ngine_io.cloudstack."
ZONE = "acc-zone"
PNET = "acc-pnet"
POD = "acc-pod"
CLUSTER = "acc-cluster"
POD_PREFIX = "172.16.40"
TEMPLATE = "acc-tiny"
TEMPLATE_URL = "http://images.example/acc-tiny.qcow2"
NETWORK = "acc-net"
VM = "acc-web"
VM2 = "acc-web2"
KEY = "acc-key"
AFFINITY = "acc-spread"
PUBLIC_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDVnPSZ6xNGMUKlQNmsK6qMFYhTTr1D8Ja7xH9xW0x6"
    "7hiMGVuIH4cRtKOgw6mf5Cd3J/8ryrwRhvB4dHYgGqg1YZ2bb6cd6cSqMWC5s4STPWIdOeBpkUMKbZKZ"
    "jbZL3EC6h8BWH2s8mLCeTKfJxZMmpdb6umUV0YHKBp8tQWNR6W/2D6RXQZySymj9yWMrQT6MXuGIk4hp"
    "IaFV2YQmxQM0g5T5lX2KbUiLjGMM2Cp0hD5a+lpVmqrmXJAQ25MiVvR2fwnYK1XNYC1W8Ne3Krj45IuX"
    "a3HprWbANfLp8sahBGcP8wVg9HbwKMjgvJHYPVfm4ZVRkkYFmG/hF2fcS6d/ acceptance@cumulo"
)


def task(title: str, module: str, **args: Any) -> dict[str, Any]:
    return {"name": title, M + module: args}


def zone_play(hosts: int = 2) -> list[dict[str, Any]]:
    """An Advanced zone from nothing: networks, pod, public range, cluster, hosts, storage."""
    z = {"zone": ZONE}
    tasks = [
        task(
            "zone",
            "cs_zone",
            name=ZONE,
            network_type="Advanced",
            dns1="10.147.28.6",
            internal_dns1="10.147.28.6",
            guest_cidr_address="10.1.1.0/24",
        ),
        task(
            "physical network",
            "cs_physical_network",
            name=PNET,
            isolation_method="VLAN",
            broadcast_domain_range="ZONE",
            **z,
        ),
        *[
            task(
                f"traffic {t}",
                "cs_traffic_type",
                physical_network=PNET,
                traffic_type=t,
                kvm_networklabel="cloudbr0",
                **z,
            )
            for t in ("Guest", "Management", "Public")
        ],
        task(
            "physical network enabled",
            "cs_physical_network",
            name=PNET,
            vlan="100-199",
            state="enabled",
            nsps_enabled=["virtualrouter"],
            **z,
        ),
        task(
            "pod",
            "cs_pod",
            name=POD,
            gateway=f"{POD_PREFIX}.1",
            netmask="255.255.255.0",
            start_ip=f"{POD_PREFIX}.2",
            end_ip=f"{POD_PREFIX}.200",
            **z,
        ),
        task(
            "public range",
            "cs_vlan_ip_range",
            vlan="50",
            gateway="192.168.40.1",
            netmask="255.255.255.0",
            start_ip="192.168.40.2",
            end_ip="192.168.40.100",
            for_virtual_network=True,
            **z,
        ),
        task(
            "cluster",
            "cs_cluster",
            name=CLUSTER,
            pod=POD,
            hypervisor="Simulator",
            cluster_type="CloudManaged",
            **z,
        ),
        *[
            task(
                f"host {h}",
                "cs_host",
                name=f"{POD_PREFIX}.{h + 2}",
                url=f"http://sim/c0/h{h}",
                hypervisor="Simulator",
                username="root",
                password="password",
                pod=POD,
                cluster=CLUSTER,
                host_tags=["acc"],
                **z,
            )
            for h in range(hosts)
        ],
        task(
            "primary storage",
            "cs_storage_pool",
            name="acc-primary",
            storage_url="nfs://10.147.28.6/export/acc",
            scope="cluster",
            pod=POD,
            cluster=CLUSTER,
            hypervisor="Simulator",
            **z,
        ),
        task(
            "image store",
            "cs_image_store",
            name="acc-secondary",
            url="nfs://10.147.28.6/export/acc-secondary",
            provider="NFS",
            **z,
        ),
        # network_type defaults to Basic: without it every run would "change" it back.
        task("zone enabled", "cs_zone", name=ZONE, network_type="Advanced", state="enabled"),
    ]
    return tasks


def catalog_play() -> list[dict[str, Any]]:
    """Offerings, a template registered by URL (waited for), keys and groups."""
    return [
        task(
            "service offering",
            "cs_service_offering",
            name="acc-small",
            display_text="1 core, 512 MiB",
            cpu_number=1,
            cpu_speed=500,
            memory=512,
            host_tags=["acc"],
        ),
        task(
            "service offering large",
            "cs_service_offering",
            name="acc-large",
            display_text="2 cores, 1 GiB",
            cpu_number=2,
            cpu_speed=500,
            memory=1024,
        ),
        task(
            "disk offering", "cs_disk_offering", name="acc-5g", disk_size=5, storage_type="shared"
        ),
        task(
            "disk offering custom",
            "cs_disk_offering",
            name="acc-custom",
            display_text="any size",
            customized=True,
        ),
        {
            **task(
                "template",
                "cs_template",
                name=TEMPLATE,
                url=TEMPLATE_URL,
                format="QCOW2",
                hypervisor="Simulator",
                os_type="CentOS 5.5 (64-bit)",
                is_featured=True,
                is_public=True,
                password_enabled=False,
                zone=ZONE,
            ),
            # registerTemplate answers at once; operators wait for the download like this.
            "until": "RESULT.is_ready | default(false)",
            "retries": 60,
            "delay": 1,
        },
        task("ssh key", "cs_sshkeypair", name=KEY, public_key=PUBLIC_KEY),
        task(
            "affinity group",
            "cs_affinitygroup",
            name=AFFINITY,
            affinity_type="host anti-affinity",
            description="spread web servers",
        ),
        task("security group", "cs_securitygroup", name="acc-sg", description="web"),
        task(
            "security group rule",
            "cs_securitygroup_rule",
            security_group="acc-sg",
            start_port=443,
            end_port=443,
            cidr="0.0.0.0/0",
        ),
        task(
            "security group rule icmp",
            "cs_securitygroup_rule",
            security_group="acc-sg",
            protocol="icmp",
            icmp_type=-1,
            icmp_code=-1,
            type="egress",
        ),
    ]


PUBLIC_IP = "192.168.40.50"
NAT_IP = "192.168.40.51"
# The firewall rules are found again by what they are: the same arguments add and remove them.
FIREWALL = {
    "ip_address": PUBLIC_IP,
    "start_port": 2222,
    "end_port": 2222,
    "cidrs": ["10.0.0.0/8", "192.0.2.0/24"],
}
EGRESS = {"network": NETWORK, "type": "egress", "protocol": "all", "cidrs": ["10.1.1.0/24"]}


def workload_play() -> list[dict[str, Any]]:
    """A guest network, two instances, a data disk, public IPs with rules, port forwarding, NAT."""
    z = {"zone": ZONE}
    vm = {
        "template": TEMPLATE,
        "service_offering": "acc-small",
        "networks": [NETWORK],
        "ssh_key": KEY,
        "affinity_groups": [AFFINITY],
        **z,
    }
    return [
        task(
            "network",
            "cs_network",
            name=NETWORK,
            display_text="web tier",
            network_offering="DefaultIsolatedNetworkOfferingWithSourceNatService",
            network_domain="web.example",
            **z,
        ),
        task("instance", "cs_instance", name=VM, display_name="web one", **vm),
        task("instance 2", "cs_instance", name=VM2, display_name="web two", **vm),
        task(
            "volume",
            "cs_volume",
            name="acc-data",
            disk_offering="acc-custom",
            size=2,
            vm=VM,
            state="attached",
            **z,
        ),
        task("public ip", "cs_ip_address", ip_address=PUBLIC_IP, network=NETWORK, **z),
        task("nat ip", "cs_ip_address", ip_address=NAT_IP, network=NETWORK, **z),
        task("firewall", "cs_firewall", **FIREWALL, **z),
        task("egress", "cs_firewall", **EGRESS, **z),
        task(
            "load balancer",
            "cs_loadbalancer_rule",
            name="acc-lb",
            description="http",
            ip_address=PUBLIC_IP,
            public_port=80,
            private_port=8080,
            algorithm="roundrobin",
            network=NETWORK,
            **z,
        ),
        task(
            "load balancer members",
            "cs_loadbalancer_rule_member",
            name="acc-lb",
            ip_address=PUBLIC_IP,
            vms=[VM, VM2],
            **z,
        ),
        # Both find the VM's guest IP through listNics.
        task(
            "port forward",
            "cs_portforward",
            ip_address=PUBLIC_IP,
            public_port=2222,
            private_port=22,
            vm=VM,
            network=NETWORK,
            **z,
        ),
        task("static nat", "cs_staticnat", ip_address=NAT_IP, vm=VM2, network=NETWORK, **z),
        task("instance info", "cs_instance_info", name=VM),
    ]


def stopped_play() -> list[dict[str, Any]]:
    """Stop the instance, then change what needs it stopped: offering, data disk size."""
    z = {"zone": ZONE}
    return [
        task("stop", "cs_instance", name=VM, state="stopped", **z),
        task("bigger offering", "cs_instance", name=VM, service_offering="acc-large", **z),
        task("detach", "cs_volume", name="acc-data", state="detached", **z),
        task(
            "resize",
            "cs_volume",
            name="acc-data",
            disk_offering="acc-custom",
            size=4,
            **z,
        ),
    ]


def started_play() -> list[dict[str, Any]]:
    z = {"zone": ZONE}
    return [
        task("start", "cs_instance", name=VM, state="started", **z),
        task("reattach", "cs_volume", name="acc-data", vm=VM, state="attached", **z),
    ]


def restart_play() -> list[dict[str, Any]]:
    return [task("restart", "cs_instance", name=VM, state="restarted", zone=ZONE)]


def unbalance_play() -> list[dict[str, Any]]:
    """The members leave the load balancer; a play of its own because the module
    fails on a rule that no longer exists (as against CloudStack)."""
    return [
        task(
            "no members",
            "cs_loadbalancer_rule_member",
            name="acc-lb",
            ip_address=PUBLIC_IP,
            vms=[VM, VM2],
            state="absent",
            zone=ZONE,
        ),
    ]


def unpublish_play() -> list[dict[str, Any]]:
    """The rules on the public IPs go while the IPs are still held.

    The modules look the IP up with listPublicIpAddresses, which lists only
    allocated addresses (as CloudStack does): once released, these tasks
    could not run again, so they form a play of their own before the release.
    """
    z = {"zone": ZONE}
    gone = {"state": "absent"}
    return [
        task("no static nat", "cs_staticnat", ip_address=NAT_IP, **gone, **z),
        task(
            "no port forward",
            "cs_portforward",
            ip_address=PUBLIC_IP,
            public_port=2222,
            private_port=22,
            **gone,
            **z,
        ),
        task(
            "no load balancer",
            "cs_loadbalancer_rule",
            name="acc-lb",
            ip_address=PUBLIC_IP,
            **gone,
            **z,
        ),
        task("no firewall", "cs_firewall", **FIREWALL, **gone, **z),
        task("no egress", "cs_firewall", **EGRESS, **gone, **z),
    ]


def teardown_play() -> list[dict[str, Any]]:
    """Everything else the workload made, in the order an operator removes it."""
    z = {"zone": ZONE}
    gone = {"state": "absent"}
    return [
        task("release ip", "cs_ip_address", ip_address=PUBLIC_IP, **gone, **z),
        task("release nat ip", "cs_ip_address", ip_address=NAT_IP, **gone, **z),
        task("delete volume", "cs_volume", name="acc-data", force=True, **gone, **z),
        task("destroy", "cs_instance", name=VM, **gone, **z),
        task("expunge", "cs_instance", name=VM, state="expunged", **z),
        task("expunge 2", "cs_instance", name=VM2, state="expunged", **z),
        task("no network", "cs_network", name=NETWORK, **gone, **z),
        task("no affinity group", "cs_affinitygroup", name=AFFINITY, **gone),
        task("no ssh key", "cs_sshkeypair", name=KEY, **gone),
        task("no security group", "cs_securitygroup", name="acc-sg", **gone),
    ]

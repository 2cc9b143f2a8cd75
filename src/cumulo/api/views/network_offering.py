"""NetworkOfferingResponse and VpcOfferingResponse."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from cumulo.db.models.network_offering import NetworkOffering
from cumulo.db.models.service_offering import ServiceOffering
from cumulo.db.models.vpc_offering import VpcOffering
from cumulo.services import network_offerings, offering_scope, vpc_offerings
from cumulo.services.network_services import service_view


def network_offering_view(session: Session, o: NetworkOffering) -> dict[str, Any]:
    services = network_offerings.services_of(session, o)
    so = session.get(ServiceOffering, o.service_offering_id) if o.service_offering_id else None
    return {
        "id": o.uuid,
        "name": o.name,
        "displaytext": o.display_text,
        "tags": o.tags,
        "created": o.created,
        "traffictype": o.traffic_type,
        "isdefault": o.is_default,
        "specifyvlan": o.specify_vlan,
        "conservemode": o.conserve_mode,
        "specifyipranges": o.specify_ip_ranges,
        "availability": o.availability,
        "networkrate": o.network_rate,
        "state": o.state,
        "guestiptype": o.guest_ip_type,
        "serviceofferingid": so.uuid if so else None,
        "service": service_view(services.providers, services.capabilities),
        "forvpc": o.for_vpc,
        "fornsx": False,
        "fortungsten": False,
        "ispersistent": o.is_persistent,
        "details": json.loads(o.details) if o.details else None,
        "egressdefaultpolicy": o.egress_default_policy,
        "maxconnections": o.max_connections,
        "supportsstrechedl2subnet": services.capabilities.get("Connectivity", {}).get(
            "StretchedL2Subnet"
        )
        == "true",
        "supportspublicaccess": services.capabilities.get("Connectivity", {}).get("PublicAccess")
        == "true",
        "supportsinternallb": "InternalLbVm" in services.providers.get("Lb", []),
        **offering_scope.scope_fields(session, "network", o.id),
        "internetprotocol": o.internet_protocol,
        "specifyasnumber": False,
        "hasannotations": False,
    }


def vpc_offering_view(session: Session, o: VpcOffering) -> dict[str, Any]:
    services = vpc_offerings.services_of(session, o)
    return {
        "id": o.uuid,
        "name": o.name,
        "displaytext": o.display_text,
        "created": o.created,
        "isdefault": o.is_default,
        "state": o.state,
        "service": service_view(services.providers, services.capabilities),
        "distributedvpcrouter": o.distributed_router,
        "supportsregionLevelvpc": o.region_level_vpc,
        "fornsx": False,
        **offering_scope.scope_fields(session, "vpc", o.id),
        "internetprotocol": o.internet_protocol,
        "specifyasnumber": False,
    }

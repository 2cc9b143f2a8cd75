"""Parameter declarations of the template and ISO commands (from the CloudStack spec)."""

from __future__ import annotations

from cumulo.api.params import Param, ParamType

REGISTER_TEMPLATE_PARAMS = [
    Param("account", ParamType.STRING, description=""),
    Param("arch", ParamType.STRING, since="4.20", description=""),
    Param("bits", ParamType.INTEGER, description=""),
    Param("checksum", ParamType.STRING, description=""),
    Param("deployasis", ParamType.BOOLEAN, since="4.15.1", description=""),
    Param("details", ParamType.MAP, description=""),
    Param("directdownload", ParamType.BOOLEAN, description=""),
    Param("displaytext", ParamType.STRING, length=4096, description=""),
    Param("domainid", ParamType.UUID, entity="Domain", description=""),
    Param("extensionid", ParamType.UUID, since="4.21.0", description=""),
    Param("externaldetails", ParamType.MAP, since="4.21.0", description=""),
    Param("forcks", ParamType.BOOLEAN, since="4.21.0", description=""),
    Param("format", ParamType.STRING, required=True, description=""),
    Param("hypervisor", ParamType.STRING, required=True, description=""),
    Param("isdynamicallyscalable", ParamType.BOOLEAN, description=""),
    Param("isextractable", ParamType.BOOLEAN, description=""),
    Param("isfeatured", ParamType.BOOLEAN, description=""),
    Param("ispublic", ParamType.BOOLEAN, description=""),
    Param("isrouting", ParamType.BOOLEAN, description=""),
    Param("name", ParamType.STRING, required=True, description=""),
    Param("ostypeid", ParamType.UUID, entity="GuestOs", description=""),
    Param("passwordenabled", ParamType.BOOLEAN, description=""),
    Param("projectid", ParamType.UUID, entity="Project", description=""),
    Param("requireshvm", ParamType.BOOLEAN, description=""),
    Param("sshkeyenabled", ParamType.BOOLEAN, description=""),
    Param("templatetag", ParamType.STRING, description=""),
    Param("templatetype", ParamType.STRING, since="4.19.0", description=""),
    Param("url", ParamType.STRING, required=True, length=2048, description=""),
    Param("zoneid", ParamType.UUID, entity="Zone", all_marker=True, description=""),
    Param(
        "zoneids",
        ParamType.LIST,
        collection=ParamType.UUID,
        entity="Zone",
        all_marker=True,
        description="",
    ),
]

REGISTER_ISO_PARAMS = [
    Param("account", ParamType.STRING, description=""),
    Param("arch", ParamType.STRING, since="4.20", description=""),
    Param("bootable", ParamType.BOOLEAN, description=""),
    Param("checksum", ParamType.STRING, description=""),
    Param("directdownload", ParamType.BOOLEAN, description=""),
    Param("displaytext", ParamType.STRING, length=4096, description=""),
    Param("domainid", ParamType.UUID, entity="Domain", description=""),
    Param("imagestoreuuid", ParamType.STRING, description=""),
    Param("isdynamicallyscalable", ParamType.BOOLEAN, description=""),
    Param("isextractable", ParamType.BOOLEAN, description=""),
    Param("isfeatured", ParamType.BOOLEAN, description=""),
    Param("ispublic", ParamType.BOOLEAN, description=""),
    Param("name", ParamType.STRING, required=True, description=""),
    Param("ostypeid", ParamType.UUID, entity="GuestOs", description=""),
    Param("passwordenabled", ParamType.BOOLEAN, description=""),
    Param("projectid", ParamType.UUID, entity="Project", description=""),
    Param("url", ParamType.STRING, required=True, length=2048, description=""),
    Param("zoneid", ParamType.UUID, required=True, entity="Zone", all_marker=True, description=""),
]

LIST_TEMPLATES_PARAMS = [
    Param("account", ParamType.STRING, description=""),
    Param("arch", ParamType.STRING, since="4.20", description=""),
    Param("details", ParamType.LIST, collection=ParamType.STRING, since="4.15", description=""),
    Param("domainid", ParamType.UUID, entity="Domain", description=""),
    Param("extensionid", ParamType.UUID, since="4.21.0", description=""),
    Param("forcks", ParamType.BOOLEAN, since="4.21.0", description=""),
    Param("hypervisor", ParamType.STRING, description=""),
    Param("id", ParamType.UUID, entity="VMTemplate", description=""),
    Param(
        "ids",
        ParamType.LIST,
        collection=ParamType.UUID,
        since="4.9",
        entity="VMTemplate",
        description="",
    ),
    Param("imagestoreid", ParamType.UUID, since="4.19", entity="ImageStore", description=""),
    Param("isready", ParamType.BOOLEAN, since="4.21.0", description=""),
    Param("isrecursive", ParamType.BOOLEAN, description=""),
    Param("isvnf", ParamType.BOOLEAN, since="4.19.0", description=""),
    Param("listall", ParamType.BOOLEAN, description=""),
    Param("name", ParamType.STRING, description=""),
    Param("oscategoryid", ParamType.UUID, since="4.21.0", entity="GuestOsCategory", description=""),
    Param("parenttemplateid", ParamType.UUID, since="4.4", entity="VMTemplate", description=""),
    Param("projectid", ParamType.UUID, entity="Project", description=""),
    Param("showicon", ParamType.BOOLEAN, description=""),
    Param("showremoved", ParamType.BOOLEAN, description=""),
    Param("showunique", ParamType.BOOLEAN, since="4.13.2", description=""),
    Param("storageid", ParamType.UUID, since="4.19", entity="StoragePool", description=""),
    Param("tags", ParamType.MAP, description=""),
    Param("templatefilter", ParamType.STRING, required=True, description=""),
    Param("templatetype", ParamType.STRING, since="4.19.0", description=""),
    Param("zoneid", ParamType.UUID, entity="Zone", all_marker=True, description=""),
]

LIST_ISOS_PARAMS = [
    Param("account", ParamType.STRING, description=""),
    Param("arch", ParamType.STRING, since="4.20", description=""),
    Param("bootable", ParamType.BOOLEAN, description=""),
    Param("domainid", ParamType.UUID, entity="Domain", description=""),
    Param("hypervisor", ParamType.STRING, description=""),
    Param("id", ParamType.UUID, entity="VMTemplate", description=""),
    Param("imagestoreid", ParamType.UUID, since="4.19", entity="ImageStore", description=""),
    Param("isofilter", ParamType.STRING, description=""),
    Param("ispublic", ParamType.BOOLEAN, description=""),
    Param("isready", ParamType.BOOLEAN, description=""),
    Param("isrecursive", ParamType.BOOLEAN, description=""),
    Param("listall", ParamType.BOOLEAN, description=""),
    Param("name", ParamType.STRING, description=""),
    Param("oscategoryid", ParamType.UUID, since="4.21.0", entity="GuestOsCategory", description=""),
    Param("projectid", ParamType.UUID, entity="Project", description=""),
    Param("showicon", ParamType.BOOLEAN, description=""),
    Param("showremoved", ParamType.BOOLEAN, description=""),
    Param("showunique", ParamType.BOOLEAN, since="4.13.2", description=""),
    Param("storageid", ParamType.UUID, since="4.19", entity="StoragePool", description=""),
    Param("tags", ParamType.MAP, description=""),
    Param("zoneid", ParamType.UUID, entity="Zone", all_marker=True, description=""),
]

DELETE_TEMPLATE_PARAMS = [
    Param("forced", ParamType.BOOLEAN, since="4.9+", description=""),
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("issystem", ParamType.BOOLEAN, since="4.20.0", description=""),
    Param("zoneid", ParamType.UUID, entity="Zone", description=""),
]

DELETE_ISO_PARAMS = [
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("zoneid", ParamType.UUID, entity="Zone", description=""),
]

COPY_TEMPLATE_PARAMS = [
    Param("destzoneid", ParamType.UUID, entity="Zone", description=""),
    Param("destzoneids", ParamType.LIST, collection=ParamType.UUID, entity="Zone", description=""),
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("sourcezoneid", ParamType.UUID, entity="Zone", description=""),
]

UPDATE_TEMPLATE_PARAMS = [
    Param("arch", ParamType.STRING, since="4.20", description=""),
    Param("bootable", ParamType.BOOLEAN, description=""),
    Param("cleanupdetails", ParamType.BOOLEAN, description=""),
    Param("details", ParamType.MAP, description=""),
    Param("displaytext", ParamType.STRING, length=4096, description=""),
    Param("forceupdateostype", ParamType.BOOLEAN, since="4.21", description=""),
    Param("forcks", ParamType.BOOLEAN, since="4.21.0", description=""),
    Param("format", ParamType.STRING, description=""),
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("isdynamicallyscalable", ParamType.BOOLEAN, description=""),
    Param("isrouting", ParamType.BOOLEAN, description=""),
    Param("name", ParamType.STRING, description=""),
    Param("ostypeid", ParamType.UUID, entity="GuestOs", description=""),
    Param("passwordenabled", ParamType.BOOLEAN, description=""),
    Param("requireshvm", ParamType.BOOLEAN, description=""),
    Param("sortkey", ParamType.INTEGER, description=""),
    Param("sshkeyenabled", ParamType.BOOLEAN, description=""),
    Param("templatetag", ParamType.STRING, since="4.20.0", description=""),
    Param("templatetype", ParamType.STRING, description=""),
]


UPDATE_TEMPLATE_PERMISSIONS_PARAMS = [
    Param("accounts", ParamType.LIST, collection=ParamType.STRING, description=""),
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("isextractable", ParamType.BOOLEAN, description=""),
    Param("isfeatured", ParamType.BOOLEAN, description=""),
    Param("ispublic", ParamType.BOOLEAN, description=""),
    Param("op", ParamType.STRING, description=""),
    Param(
        "projectids", ParamType.LIST, collection=ParamType.UUID, entity="Project", description=""
    ),
]


LIST_TEMPLATE_PERMISSIONS_PARAMS = [
    Param("id", ParamType.UUID, required=True, description=""),
]


UPDATE_ISO_PERMISSIONS_PARAMS = [
    Param("accounts", ParamType.LIST, collection=ParamType.STRING, description=""),
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("isextractable", ParamType.BOOLEAN, description=""),
    Param("isfeatured", ParamType.BOOLEAN, description=""),
    Param("ispublic", ParamType.BOOLEAN, description=""),
    Param("op", ParamType.STRING, description=""),
    Param(
        "projectids", ParamType.LIST, collection=ParamType.UUID, entity="Project", description=""
    ),
]


LIST_ISO_PERMISSIONS_PARAMS = [
    Param("id", ParamType.UUID, required=True, description=""),
]


EXTRACT_TEMPLATE_PARAMS = [
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("mode", ParamType.STRING, required=True, description=""),
    Param("url", ParamType.STRING, length=2048, description=""),
    Param("zoneid", ParamType.UUID, entity="Zone", description=""),
]


EXTRACT_ISO_PARAMS = [
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("mode", ParamType.STRING, required=True, description=""),
    Param("url", ParamType.STRING, length=2048, description=""),
    Param("zoneid", ParamType.UUID, entity="Zone", description=""),
]


CREATE_TEMPLATE_PARAMS = [
    Param("account", ParamType.STRING, since="4.19.0", description=""),
    Param("arch", ParamType.STRING, since="4.20.2", description=""),
    Param("bits", ParamType.INTEGER, description=""),
    Param("details", ParamType.MAP, description=""),
    Param("displaytext", ParamType.STRING, length=4096, description=""),
    Param("domainid", ParamType.UUID, since="4.19.0", entity="Domain", description=""),
    Param("isdynamicallyscalable", ParamType.BOOLEAN, description=""),
    Param("isfeatured", ParamType.BOOLEAN, description=""),
    Param("ispublic", ParamType.BOOLEAN, description=""),
    Param("name", ParamType.STRING, required=True, description=""),
    Param("ostypeid", ParamType.UUID, required=True, entity="GuestOs", description=""),
    Param("passwordenabled", ParamType.BOOLEAN, description=""),
    Param("projectid", ParamType.UUID, entity="Project", description=""),
    Param("requireshvm", ParamType.BOOLEAN, description=""),
    Param("snapshotid", ParamType.UUID, description=""),
    Param("sshkeyenabled", ParamType.BOOLEAN, description=""),
    Param("templatetag", ParamType.STRING, description=""),
    Param("url", ParamType.STRING, length=2048, description=""),
    Param("virtualmachineid", ParamType.UUID, description=""),
    Param("volumeid", ParamType.UUID, entity="Volume", description=""),
    Param("zoneid", ParamType.UUID, since="4.19.0", entity="Zone", description=""),
]


UPDATE_ISO_PARAMS = [
    Param("arch", ParamType.STRING, since="4.20", description=""),
    Param("bootable", ParamType.BOOLEAN, description=""),
    Param("cleanupdetails", ParamType.BOOLEAN, description=""),
    Param("details", ParamType.MAP, description=""),
    Param("displaytext", ParamType.STRING, length=4096, description=""),
    Param("forceupdateostype", ParamType.BOOLEAN, since="4.21", description=""),
    Param("format", ParamType.STRING, description=""),
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("isdynamicallyscalable", ParamType.BOOLEAN, description=""),
    Param("isrouting", ParamType.BOOLEAN, description=""),
    Param("name", ParamType.STRING, description=""),
    Param("ostypeid", ParamType.UUID, entity="GuestOs", description=""),
    Param("passwordenabled", ParamType.BOOLEAN, description=""),
    Param("requireshvm", ParamType.BOOLEAN, description=""),
    Param("sortkey", ParamType.INTEGER, description=""),
    Param("sshkeyenabled", ParamType.BOOLEAN, description=""),
]


COPY_ISO_PARAMS = [
    Param("destzoneid", ParamType.UUID, entity="Zone", description=""),
    Param("destzoneids", ParamType.LIST, collection=ParamType.UUID, entity="Zone", description=""),
    Param("id", ParamType.UUID, required=True, entity="VMTemplate", description=""),
    Param("sourcezoneid", ParamType.UUID, entity="Zone", description=""),
]

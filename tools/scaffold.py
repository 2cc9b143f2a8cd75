"""Print a command declaration skeleton from CloudStack's API specification.

Usage: python tools/scaffold.py createAccount [more names...]
The output is a starting point: add entity= to UUID params, descriptions, and
the handler body.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SPEC_NAME = "shared/reference/cloudstack-api-spec.json"


def find_spec() -> Path:
    """``shared/`` sits beside the checkout (or beside a worktree's parent)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / SPEC_NAME
        if candidate.exists():
            return candidate
    raise SystemExit(f"cannot find {SPEC_NAME} above {Path(__file__).parent}")


FRAMEWORK = {"keyword", "page", "pagesize"}
ROLE_NAMES = {
    "Admin": "ADMIN",
    "ResourceAdmin": "RESOURCE_ADMIN",
    "DomainAdmin": "DOMAIN_ADMIN",
    "User": "USER",
}
TYPES = {
    "string": "STRING",
    "uuid": "UUID",
    "boolean": "BOOLEAN",
    "integer": "INTEGER",
    "long": "LONG",
    "short": "SHORT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "list": "LIST",
    "map": "MAP",
    "date": "DATE",
    "object": "OBJECT",
}


def main(names: list[str]) -> None:
    spec = {c["name"]: c for c in json.loads(find_spec().read_text())["commands"]}
    for name in names:
        c = spec[name]
        kind = (
            "Kind.ASYNC_CREATE"
            if c.get("asynccreate")
            else ("Kind.ASYNC" if c["isasync"] else "Kind.SYNC")
        )
        print("@command(")
        print(f'    "{name}",')
        print("    params=[")
        for p in c["params"]:
            if c.get("listCmd") and p["name"] in FRAMEWORK:
                continue
            extra = []
            if p.get("required"):
                extra.append("required=True")
            if p.get("length", 255) != 255:
                extra.append(f"length={p['length']}")
            if p["type"] == "list" and p.get("collectiontype"):
                extra.append(f"collection=ParamType.{TYPES[p['collectiontype']]}")
            if p.get("since"):
                extra.append(f'since="{p["since"]}"')
            if p.get("entitytype"):
                ent = p["entitytype"][0].removesuffix("Response")
                extra.append(f'entity="{ent}"')
            args = ", ".join([f'"{p["name"]}"', f"ParamType.{TYPES[p['type']]}", *extra])
            print(f'        Param({args}, description=""),')
        print("    ],")
        print(f"    kind={kind},")
        roles = c.get("authorized")
        if roles:
            names = ", ".join(f"RoleType.{ROLE_NAMES[r]}" for r in roles)
            print(f"    roles={{{names}}},")
        resp = c.get("response", {})
        if resp.get("objectName"):
            print(f'    object_name="{resp["objectName"]}",')
        if c.get("listCmd"):
            print("    is_list=True,")
        if c["commandName"] != name.lower() + "response":
            print(f'    response_name="{c["commandName"]}",')
        print(f'    response_class="{c["responseObject"]}",')
        print(")")
        print()


if __name__ == "__main__":
    main(sys.argv[1:])

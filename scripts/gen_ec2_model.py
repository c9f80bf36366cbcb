#!/usr/bin/env python3
"""Extract the EC2 subset byoipd serves from botocore's model.

Writes controller/aws/ec2_model.json: for each operation its input and output
shape names, and every shape reachable from them with only what the wire
protocol needs (type, members with shape/locationName/queryName, list member,
required, enum, min/max, flattened, timestampFormat). Keys are sorted so that
regenerating with the same botocore gives the same file.

Usage: python3 scripts/gen_ec2_model.py [output]   (botocore must be importable)
"""
import json
import os
import sys

import botocore
import botocore.session

OPERATIONS = sorted(set("""
CreateIpam DescribeIpams ModifyIpam DeleteIpam
CreateIpamScope DescribeIpamScopes DeleteIpamScope
CreateIpamPool DescribeIpamPools ModifyIpamPool DeleteIpamPool
ProvisionIpamPoolCidr DeprovisionIpamPoolCidr GetIpamPoolCidrs
AllocateIpamPoolCidr ReleaseIpamPoolAllocation GetIpamPoolAllocations
GetIpamResourceCidrs ModifyIpamResourceCidr EnableIpamOrganizationAdminAccount
CreateTags DeleteTags CreateVpc DescribeVpcs DeleteVpc
ProvisionByoipCidr DescribeByoipCidrs DeprovisionByoipCidr
ProvisionIpamByoasn DescribeIpamByoasn AssociateIpamByoasn DisassociateIpamByoasn
DeprovisionIpamByoasn AdvertiseByoipCidr WithdrawByoipCidr
""".split()))

MEMBER_KEYS = ("shape", "locationName", "queryName", "flattened", "timestampFormat")
SHAPE_KEYS = ("type", "required", "enum", "min", "max", "flattened", "timestampFormat")


def compact_shape(raw):
    out = {k: raw[k] for k in SHAPE_KEYS if k in raw}
    if "required" in out:
        out["required"] = sorted(out["required"])
    if raw["type"] == "structure":
        out["members"] = {
            name: {k: m[k] for k in MEMBER_KEYS if k in m}
            for name, m in raw.get("members", {}).items()
        }
    elif raw["type"] == "list":
        out["member"] = {k: raw["member"][k] for k in MEMBER_KEYS if k in raw["member"]}
    elif raw["type"] == "map":
        out["key"] = {k: raw["key"][k] for k in MEMBER_KEYS if k in raw["key"]}
        out["value"] = {k: raw["value"][k] for k in MEMBER_KEYS if k in raw["value"]}
    return out


def referenced(shape):
    if shape["type"] == "structure":
        return [m["shape"] for m in shape["members"].values()]
    if shape["type"] == "list":
        return [shape["member"]["shape"]]
    if shape["type"] == "map":
        return [shape["key"]["shape"], shape["value"]["shape"]]
    return []


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    dest = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        here, "..", "controller", "aws", "ec2_model.json")
    model = botocore.session.get_session().get_service_model("ec2")
    raw_shapes = model._shape_resolver._shape_map  # the service-2.json "shapes"

    operations, shapes, todo = {}, {}, []
    for name in OPERATIONS:
        op = model.operation_model(name)
        entry = {"input": op.input_shape.name if op.input_shape else None,
                 "output": op.output_shape.name if op.output_shape else None}
        operations[name] = entry
        todo += [s for s in entry.values() if s]
    while todo:
        name = todo.pop()
        if name in shapes:
            continue
        shapes[name] = compact_shape(raw_shapes[name])
        todo += referenced(shapes[name])

    doc = {
        "api_version": model.metadata["apiVersion"],
        "botocore_version": botocore.__version__,
        "xml_namespace": model.metadata["xmlNamespace"],
        "operations": operations,
        "shapes": shapes,
    }
    with open(dest, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{dest}: {len(operations)} operations, {len(shapes)} shapes, "
          f"botocore {botocore.__version__}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generates the committed test data of tests/aws from the real aws CLI and
botocore (run once; the tests do not need botocore).

  query_requests.json  request bodies the aws CLI sent to a recording server on
                       loopback (checked equal to botocore's EC2 serializer),
                       with the botocore parameters they encode
  xml_roundtrip.json   outputs, the XML byoipd_aws makes of them (via the
                       aws_xml_tool target) and what botocore's EC2QueryParser
                       reads back from that XML
  sigv4_vectors.json   requests signed by botocore's SigV4Auth with fixed
                       credentials and a fixed clock, for ec2 and ram

Usage: python3 tests/aws/data/gen_aws_vectors.py BUILD_DIR
       (BUILD_DIR holds tests/aws/aws_xml_tool; the pyenv python with botocore
        and the `aws` CLI on PATH)
"""
import datetime
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from unittest import mock

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.parsers
import botocore.serialize
import botocore.session
from botocore import xform_name

HERE = os.path.dirname(os.path.abspath(__file__))
SESSION = botocore.session.get_session()
EC2 = SESSION.get_service_model("ec2")

# (name, operation, botocore parameters)
QUERY_CASES = [
    ("allocate_allowed_disallowed_preview", "AllocateIpamPoolCidr", {
        "IpamPoolId": "ipam-pool-0123456789abcdef0", "NetmaskLength": 24,
        "AllowedCidrs": ["10.0.0.0/16", "10.2.0.0/16"], "DisallowedCidrs": ["10.0.0.0/24"],
        "PreviewNextCidr": True, "Description": "a b&c=d/e+f%g \u00e9", "ClientToken": "tok-1",
        "DryRun": False}),
    ("create_pool_tags", "CreateIpamPool", {
        "IpamScopeId": "ipam-scope-0aaaaaaaaaaaaaaaa", "Locale": "us-east-1",
        "SourceIpamPoolId": "ipam-pool-0bbbbbbbbbbbbbbbb", "AddressFamily": "ipv4",
        "AutoImport": False, "PubliclyAdvertisable": False,
        "AllocationMinNetmaskLength": 16, "AllocationMaxNetmaskLength": 28,
        "AllocationDefaultNetmaskLength": 24,
        "AllocationResourceTags": [{"Key": "team", "Value": "net"}, {"Key": "env", "Value": "prod"}],
        "TagSpecifications": [{"ResourceType": "ipam-pool",
                               "Tags": [{"Key": "Name", "Value": "prod pool"},
                                        {"Key": "cost-center", "Value": "42"}]}],
        "ClientToken": "tok-2", "AwsService": "ec2"}),
    ("create_ipam_operating_regions", "CreateIpam", {
        "Description": "main", "OperatingRegions": [{"RegionName": "us-east-1"},
                                                     {"RegionName": "eu-west-1"}],
        "ClientToken": "tok-3", "Tier": "advanced"}),
    ("provision_byoip_cidr_auth_context", "ProvisionByoipCidr", {
        "Cidr": "203.0.113.0/24",
        "CidrAuthorizationContext": {
            "Message": "1|aws|123456789012|203.0.113.0/24|20301231|SHA256|RSAPSS",
            "Signature": "aB-_~cD0-9xY_z~~"},
        "PubliclyAdvertisable": True, "Description": "doc range", "MultiRegion": False}),
    ("describe_pools_filters_paging", "DescribeIpamPools", {
        "Filters": [{"Name": "ipam-scope-id", "Values": ["ipam-scope-0a", "ipam-scope-0b"]},
                    {"Name": "tag:Env", "Values": ["prod"]}],
        "MaxResults": 10, "NextToken": "eyJuZXh0IjoiMTAifQ==",
        "IpamPoolIds": ["ipam-pool-01", "ipam-pool-02"]}),
    ("get_resource_cidrs_filters", "GetIpamResourceCidrs", {
        "Filters": [{"Name": "resource-type", "Values": ["vpc"]}],
        "MaxResults": 5, "IpamScopeId": "ipam-scope-0a", "IpamPoolId": "ipam-pool-01",
        "ResourceType": "vpc", "ResourceTag": {"Key": "env", "Value": "prod"},
        "ResourceOwner": "123456789012"}),
    ("create_tags_empty_value", "CreateTags", {
        "Resources": ["ipam-pool-01", "vpc-02"],
        "Tags": [{"Key": "Name", "Value": "x"}, {"Key": "empty", "Value": ""}]}),
    ("describe_byoip_cidrs", "DescribeByoipCidrs", {"MaxResults": 5}),
    ("modify_pool_tags_clear", "ModifyIpamPool", {
        "IpamPoolId": "ipam-pool-01", "ClearAllocationDefaultNetmaskLength": True,
        "AddAllocationResourceTags": [{"Key": "a", "Value": "1"}],
        "RemoveAllocationResourceTags": [{"Key": "b", "Value": "2"}],
        "AllocationMaxNetmaskLength": 128}),
    ("describe_vpcs_ids", "DescribeVpcs", {"VpcIds": ["vpc-01", "vpc-02"], "MaxResults": 5}),
    ("create_vpc_ipam", "CreateVpc", {
        "Ipv4IpamPoolId": "ipam-pool-01", "Ipv4NetmaskLength": 20,
        "AmazonProvidedIpv6CidrBlock": False, "DryRun": True}),
    ("provision_byoasn", "ProvisionIpamByoasn", {
        "IpamId": "ipam-01", "Asn": "64512",
        "AsnAuthorizationContext": {"Message": "1|aws|123456789012|64512|20301231|SHA256|RSAPSS",
                                    "Signature": "sig-_~"}}),
    ("modify_ipam_regions", "ModifyIpam", {
        "IpamId": "ipam-01", "AddOperatingRegions": [{"RegionName": "eu-central-1"}],
        "RemoveOperatingRegions": [{"RegionName": "us-east-1"}]}),
    ("delete_ipam_cascade", "DeleteIpam", {"IpamId": "ipam-01", "Cascade": True}),
    ("release_allocation", "ReleaseIpamPoolAllocation", {
        "IpamPoolId": "ipam-pool-01", "Cidr": "10.0.0.0/24",
        "IpamPoolAllocationId": "ipam-pool-alloc-01"}),
    ("get_pool_allocations", "GetIpamPoolAllocations", {
        "IpamPoolId": "ipam-pool-01", "MaxResults": 1000,
        "Filters": [{"Name": "resource-type", "Values": ["vpc", "custom"]}]}),
]


class Recorder(http.server.BaseHTTPRequestHandler):
    bodies = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        Recorder.bodies.append(body)
        action = dict(urllib.parse.parse_qsl(body))["Action"]
        reply = (f'<{action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
                 f'<requestId>r</requestId></{action}Response>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def serializer_body(op, params):
    req = botocore.serialize.create_serializer("ec2").serialize_to_request(
        params, EC2.operation_model(op))
    return urllib.parse.urlencode(req["body"], quote_via=urllib.parse.quote)  # botocore's encoding


def capture_query_requests():
    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/nonexistent",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    cases = []
    for name, op, params in QUERY_CASES:
        cmd = ["aws", "ec2", xform_name(op, "-"), "--cli-input-json", json.dumps(params),
               "--endpoint-url", f"http://127.0.0.1:{server.server_port}", "--no-paginate"]
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        body = Recorder.bodies[-1]
        ours = serializer_body(op, params)
        assert sorted(urllib.parse.parse_qsl(body, keep_blank_values=True)) == \
            sorted(urllib.parse.parse_qsl(ours, keep_blank_values=True)), (name, body, ours)
        cases.append({"name": name, "action": op, "body": body, "input": params})
    server.shutdown()
    cli = subprocess.run(["aws", "--version"], capture_output=True, text=True)
    return {"captured_with": (cli.stdout or cli.stderr).strip(), "cases": cases}


# (name, operation, output as botocore member names)
XML_CASES = [
    ("allocate", "AllocateIpamPoolCidr", {"IpamPoolAllocation": {
        "Cidr": "10.0.0.0/24", "IpamPoolAllocationId": "ipam-pool-alloc-01",
        "Description": "<web> & \"db\" 'x'", "ResourceType": "custom",
        "ResourceOwner": "123456789012"}}),
    ("describe_pools", "DescribeIpamPools", {"NextToken": "n2", "IpamPools": [
        {"IpamPoolId": "ipam-pool-01", "IpamScopeType": "public", "PoolDepth": 1,
         "State": "create-complete", "AutoImport": False, "PubliclyAdvertisable": True,
         "AddressFamily": "ipv6", "AllocationMinNetmaskLength": 40,
         "AllocationResourceTags": [{"Key": "team", "Value": "net"}],
         "Tags": [{"Key": "Name", "Value": "p\u00e9"}, {"Key": "empty", "Value": ""}]},
        {"IpamPoolId": "ipam-pool-02", "Tags": []}]}),
    ("release", "ReleaseIpamPoolAllocation", {"Success": True}),
    ("byoip", "DescribeByoipCidrs", {"ByoipCidrs": [
        {"Cidr": "203.0.113.0/24", "State": "provisioned", "StatusMessage": "ok",
         "AsnAssociations": [{"Asn": "64512", "Cidr": "203.0.113.0/24", "State": "associated"}]}]}),
    ("resource_cidrs", "GetIpamResourceCidrs", {"IpamResourceCidrs": [
        {"ResourceCidr": "10.1.0.0/16", "IpUsage": 0.25, "ResourceType": "vpc",
         "ComplianceStatus": "compliant", "ManagementState": "managed",
         "OverlapStatus": "nonoverlapping", "ResourceTags": [{"Key": "env", "Value": "prod"}]}]}),
    ("create_tags", "CreateTags", {}),
    # Control characters and U+FFFF are not XML characters: sent as U+FFFD.
    ("escaping", "AllocateIpamPoolCidr", {"IpamPoolAllocation": {
        "Description": "l1\r\nl2\ttab\x01bell\uffff ]]> &amp;"}}),
    ("describe_ipams", "DescribeIpams", {"Ipams": [
        {"IpamId": "ipam-01", "OperatingRegions": [{"RegionName": "us-east-1"}],
         "ScopeCount": 2, "Tier": "advanced"}]}),
]


def xml_roundtrip(build_dir):
    tool = os.path.join(build_dir, "tests", "aws", "aws_xml_tool")
    parser = botocore.parsers.EC2QueryParser()
    cases = []
    for name, op, output in XML_CASES:
        req = json.dumps({"action": op, "output": output, "request_id": "req-" + name})
        xml = subprocess.run([tool], input=req, capture_output=True, text=True, check=True).stdout
        shape = EC2.operation_model(op).output_shape
        parsed = parser.parse({"body": xml.encode(), "headers": {}, "status_code": 200}, shape)
        cases.append({"name": name, "action": op, "output": output, "xml": xml,
                      "botocore_parsed": json.loads(json.dumps(parsed, default=str))})
    err = "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>a &lt;b&gt;</Message>" \
          "</Error></Errors><RequestID>req-err</RequestID></Response>"
    parsed_err = parser.parse({"body": err.encode(), "headers": {}, "status_code": 400}, None)
    return {"botocore_version": botocore.__version__, "cases": cases,
            "error": {"xml": err, "botocore_parsed": parsed_err}}


FIXED_NOW = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
CREDS = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "AKIDOTHER": "other-secret"}


def signed(service, region, method, url, headers, body, key="AKIDEXAMPLE", token=None):
    req = botocore.awsrequest.AWSRequest(method=method, url=url, headers=headers, data=body)
    creds = botocore.credentials.Credentials(key, CREDS[key], token)
    with mock.patch("botocore.auth.get_current_datetime", return_value=FIXED_NOW.replace(tzinfo=None)):
        botocore.auth.SigV4Auth(creds, service, region).add_auth(req)
    return {"method": method, "path": urllib.parse.urlsplit(url).path or "/",
            "query": urllib.parse.urlsplit(url).query,
            "headers": [[k, v] for k, v in req.headers.items()],
            "body": body.decode() if isinstance(body, bytes) else body}


def sigv4_vectors():
    host = "127.0.0.1:8443"
    ec2_body = serializer_body("AllocateIpamPoolCidr", QUERY_CASES[0][2])
    ram_body = json.dumps({"resourceOwner": "SELF", "maxResults": 10})
    vectors = [
        ("ec2_allocate", "ec2", signed("ec2", "us-east-1", "POST", f"http://{host}/", {
            "Host": host, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": "aws-cli/1.45.11"}, ec2_body)),
        ("ec2_session_token_eu", "ec2", signed("ec2", "eu-west-1", "POST", f"http://{host}/", {
            "Host": host, "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            "Action=DescribeIpams&Version=2016-11-15", key="AKIDOTHER", token="session-token")),
        ("ram_get_resource_shares", "ram", signed("ram", "us-east-1", "POST",
            f"http://{host}/getresourceshares", {
                "Host": host, "Content-Type": "application/json"}, ram_body)),
        ("ec2_path_and_query", "ec2", signed("ec2", "us-east-1", "GET",
            f"http://{host}/a/./b//c/../d%20e?z=1&a=%20x&a=b&Action=DescribeIpams", {
                "Host": host, "X-Custom": "  spaced   out  value "}, b"")),
    ]
    return {"botocore_version": botocore.__version__, "now_unix": int(FIXED_NOW.timestamp()),
            "credentials": CREDS,
            "vectors": [{"name": n, "service": s, "request": r} for n, s, r in vectors]}


def write(name, doc):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def main():
    write("query_requests.json", capture_query_requests())
    write("xml_roundtrip.json", xml_roundtrip(sys.argv[1]))
    write("sigv4_vectors.json", sigv4_vectors())


if __name__ == "__main__":
    main()

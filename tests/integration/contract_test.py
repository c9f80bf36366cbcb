#!/usr/bin/env python3
"""The API contract: docs/api/openapi.yaml against the running byoipd.

* The spec lists exactly the routes the daemon serves: the api_routes() table
  in controller/src/api_routes.cc plus the paths daemon.cc answers itself
  (/healthz, /metrics, /v1/alarms). A route added without documentation fails.
* A scripted scenario drives every documented operation against a real daemon
  and checks every answer: its status must be documented for the operation,
  its body must match the schema of that status, an error's code must be one
  of the operation's documented x-error-codes, and the body's request_id must
  be the X-Request-Id header. Request bodies the test sends as valid must
  match the request schema too, so the spec is neither looser nor stricter
  than the server.
* Error statuses are triggered on purpose (400 to 422, and 413).

A mismatch fails with the operation id, the status and the JSON path, e.g.
"describe_pool 200: $.pool.depth: expected integer, got "1"".

Schemas are checked by a small validator for the subset of OpenAPI 3.0 the
spec uses; a keyword it does not know fails the test rather than being
skipped.
"""
import http.client
import json
import os
import re
import socket
import sys
import time
import unittest
import urllib.parse

import yaml

sys.path.insert(0, os.path.dirname(__file__))
from harness import DEV, MGMT, NET, PAY, TOKENS, Daemon, DaemonTest, main  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SPEC_PATH = os.path.join(ROOT, "docs", "api", "openapi.yaml")
ROUTES_CC = os.path.join(ROOT, "controller", "src", "api_routes.cc")
DAEMON_CC = os.path.join(ROOT, "controller", "src", "daemon.cc")

# Paths daemon.cc answers itself, outside the api_routes() table.
DAEMON_ROUTES = {
    ("GET", "/healthz"): "healthz",
    ("GET", "/metrics"): "metrics",
    ("GET", "/v1/alarms"): "list_alarms",
}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

# Ids of the right form that name nothing.
NO_IPAM = "ipam-00000000000000000"
NO_SCOPE = "ipam-scope-00000000000000000"
NO_POOL = "ipam-pool-00000000000000000"
NO_ALLOC = "ipam-pool-alloc-" + "0" * 32
NO_SHARE = "rs-0000000000000000"
LAB_TAGS = {"Environment": "lab"}


def load_spec():
    with open(SPEC_PATH) as f:
        return yaml.safe_load(f)


def server_routes():
    """(METHOD, path, op) of every route the daemon serves."""
    with open(ROUTES_CC) as f:
        table = re.findall(r'\{\s*"([A-Z]+)",\s*"(/[^"]*)",\s*"([a-z_]+)"\s*\}', f.read())
    return {(m, p, op) for m, p, op in table}


def daemon_special_paths():
    """Paths daemon.cc matches itself before the route table."""
    with open(DAEMON_CC) as f:
        return set(re.findall(r'path == "(/[^"]*)"', f.read()))


def spec_operations(spec):
    """operationId -> (METHOD, path template, operation, path-level parameters)."""
    ops = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                op_id = operation.get("operationId")
                assert op_id, f"{method.upper()} {path} has no operationId"
                assert op_id not in ops, f"operationId {op_id} is used twice"
                ops[op_id] = (method.upper(), path, operation, item.get("parameters", []))
    return ops


# ---- a JSON-schema validator for the subset of OpenAPI 3.0 the spec uses ----

ANNOTATIONS = {"description", "default", "example", "format", "title"}
KEYWORDS = {"$ref", "type", "properties", "required", "items", "enum", "nullable",
            "additionalProperties", "allOf", "oneOf", "minimum", "maximum", "pattern",
            "minLength"} | ANNOTATIONS
TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}


def short(value):
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Validator:
    def __init__(self, spec):
        self.spec = spec

    def resolve(self, ref):
        assert ref.startswith("#/"), f"only local $refs are supported: {ref}"
        node = self.spec
        for part in ref[2:].split("/"):
            assert isinstance(node, dict) and part in node, f"$ref {ref} does not resolve"
            node = node[part]
        return node

    def deref(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolve(node["$ref"])
        return node

    def errors(self, schema, value, path="$"):
        out = []
        self._check(schema, value, path, out)
        return out

    def _check(self, schema, value, path, out):
        unknown = set(schema) - KEYWORDS
        if unknown:
            raise AssertionError(f"schema at {path} uses keywords the validator does not know: "
                                 f"{sorted(unknown)}")
        if value is None and schema.get("nullable"):
            return
        if "$ref" in schema:
            self._check(self.resolve(schema["$ref"]), value, path, out)
        for sub in schema.get("allOf", []):
            self._check(sub, value, path, out)
        if "oneOf" in schema:
            matches = sum(1 for sub in schema["oneOf"] if not self.errors(sub, value, path))
            if matches != 1:
                out.append(f"{path}: matches {matches} of the oneOf schemas, not exactly 1: "
                           f"{short(value)}")
        kind = schema.get("type")
        if kind is not None:
            if not TYPES[kind](value):
                out.append(f"{path}: expected {kind}{' or null' if schema.get('nullable') else ''}"
                           f", got {short(value)}")
                return
        if "enum" in schema and value not in schema["enum"]:
            out.append(f"{path}: {short(value)} is not one of {schema['enum']}")
        if isinstance(value, str):
            if "pattern" in schema and not re.search(schema["pattern"], value):
                out.append(f"{path}: {short(value)} does not match {schema['pattern']}")
            if len(value) < schema.get("minLength", 0):
                out.append(f"{path}: {short(value)} is shorter than {schema['minLength']}")
        if TYPES["number"](value):
            if "minimum" in schema and value < schema["minimum"]:
                out.append(f"{path}: {value} is below the minimum {schema['minimum']}")
            if "maximum" in schema and value > schema["maximum"]:
                out.append(f"{path}: {value} is above the maximum {schema['maximum']}")
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for name in schema.get("required", []):
                if name not in value:
                    out.append(f"{path}: required property '{name}' is missing")
            extra = schema.get("additionalProperties", True)
            for name, item in value.items():
                if name in props:
                    self._check(props[name], item, f"{path}.{name}", out)
                elif extra is False:
                    out.append(f"{path}: property '{name}' is not in the schema "
                               f"(additionalProperties: false)")
                elif isinstance(extra, dict):
                    self._check(extra, item, f"{path}.{name}", out)
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                self._check(schema["items"], item, f"{path}[{i}]", out)


def unknown_keywords(schema, where):
    """Keywords in `schema` (and the schemas inside it) the validator does not check."""
    out = [f"{where}: {k}" for k in sorted(set(schema) - KEYWORDS)]
    for name, sub in schema.get("properties", {}).items():
        out += unknown_keywords(sub, f"{where}/properties/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            out += unknown_keywords(schema[key], f"{where}/{key}")
    for key in ("allOf", "oneOf"):
        for i, sub in enumerate(schema.get(key, [])):
            out += unknown_keywords(sub, f"{where}/{key}/{i}")
    return out


def schemas_in(node, where):
    """(location, schema) of every `schema:` under `node` (parameters, bodies, responses)."""
    if isinstance(node, dict):
        for key, child in node.items():
            if key == "schema":
                yield f"{where}/schema", child
            else:
                yield from schemas_in(child, f"{where}/{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from schemas_in(child, f"{where}/{i}")


# ---- a client that checks every answer against the spec ---------------------


class Reply:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text
        try:
            self.json = json.loads(text)
        except ValueError:
            self.json = None

    def media_type(self):
        return self.headers.get("content-type", "").split(";")[0].strip()


def send(url, method, target, headers, data):
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, target, body=data, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, text)
    finally:
        conn.close()


class Api:
    """Calls operations by operationId, building the request from the spec."""

    def __init__(self, test, daemon, spec):
        self.test = test
        self.url = daemon.url
        self.spec = spec
        self.validator = Validator(spec)
        self.ops = spec_operations(spec)
        self.seen = {}  # operationId -> statuses answered

    # -- requests --

    def call(self, op, account=NET, path=None, query=None, body=None, raw=None, token=None,
             check_request=True):
        """Sends one request for `op`. `body` is JSON; `raw` is bytes sent as is.
        With check_request, the request must match the spec (it is meant to be
        valid); pass False for requests that are malformed on purpose."""
        method, template, operation, path_params = self.ops[op]
        params = path_params + operation.get("parameters", [])
        target = self._target(op, template, params, path or {}, query or {}, check_request)
        headers = {}
        if token is None and account is not None:
            token = TOKENS[account]
        if token:
            headers["Authorization"] = "Bearer " + token
        data = raw
        if body is not None:
            if check_request:
                self.check_request_body(op, body)
            data = json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        reply = send(self.url, method, target, headers, data)
        self.check_reply(op, operation["responses"], reply, template.startswith("/v1/"))
        self.seen.setdefault(op, set()).add(reply.status)
        return reply

    def ok(self, op, **kw):
        reply = self.call(op, **kw)
        if reply.status != 200:
            self.test.fail(f"{op}: expected 200, got {reply.status}: {reply.text}")
        return reply.json if reply.json is not None else reply.text

    def fails(self, op, status, code, **kw):
        reply = self.call(op, **kw)
        if reply.status != status or reply.json["error"]["code"] != code:
            self.test.fail(f"{op}: expected {status} {code}, got {reply.status}: {reply.text}")
        return reply.json["error"]

    def _target(self, op, template, params, path, query, check_request):
        by_place = {"path": {}, "query": {}}
        for p in params:
            p = self.validator.deref(p)
            by_place[p["in"]][p["name"]] = p
        names = set(re.findall(r"\{([a-z_]+)\}", template))
        if names != set(path):
            raise AssertionError(f"{op}: path parameters {sorted(path)} given, the spec's "
                                 f"template {template} has {sorted(names)}")
        target = template
        for name, value in path.items():
            if check_request:
                self._check_param(op, by_place["path"][name], value)
            target = target.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
        for name, value in query.items():
            if name not in by_place["query"]:
                raise AssertionError(f"{op}: query parameter '{name}' is not in the spec")
            if check_request:
                self._check_param(op, by_place["query"][name], value)
        if check_request:
            for name, p in by_place["query"].items():
                if p.get("required") and name not in query:
                    raise AssertionError(f"{op}: required query parameter '{name}' not given")
        if query:
            target += "?" + urllib.parse.urlencode(query)
        return target

    def _check_param(self, op, param, text):
        schema = self.validator.deref(param["schema"])
        value = text
        try:
            if schema.get("type") == "integer":
                value = int(text)
            elif schema.get("type") == "number":
                value = float(text)
        except ValueError:
            pass
        errors = self.validator.errors(param["schema"], value, f"{param['in']}:{param['name']}")
        if errors:
            raise AssertionError(f"{op}: the test's request is not valid by the spec (a test "
                                 f"bug, or the spec is too strict):\n  " + "\n  ".join(errors))

    def check_request_body(self, op, body):
        content = self.ops[op][2].get("requestBody", {}).get("content", {})
        if "application/json" not in content:
            raise AssertionError(f"{op}: the spec documents no JSON request body")
        errors = self.validator.errors(content["application/json"]["schema"], body, "$")
        if errors:
            raise AssertionError(f"{op}: the test's request body is not valid by the spec (a "
                                 f"test bug, or the spec is too strict):\n  " + "\n  ".join(errors))

    # -- answers --

    def check_reply(self, op, responses, reply, is_v1):
        documented = responses.get(str(reply.status), responses.get("default"))
        if documented is None:
            raise AssertionError(f"{op} {reply.status}: status not documented for the operation "
                                 f"(documented: {sorted(responses)}); body: {reply.text[:300]}")
        self.check_response(f"{op} {reply.status}", documented, reply, is_v1)

    def check_response(self, label, documented, reply, is_v1=True):
        documented = self.validator.deref(documented)
        content = documented.get("content", {})
        media = reply.media_type()
        if media not in content:
            raise AssertionError(f"{label}: Content-Type {media!r} is not documented "
                                 f"({sorted(content)})")
        if reply.status != 413 and not re.fullmatch(r"req-[0-9a-f]{14,}",
                                                    reply.headers.get("x-request-id", "")):
            raise AssertionError(f"{label}: no X-Request-Id header: {reply.headers}")
        if media != "application/json":
            errors = self.validator.errors(content[media]["schema"], reply.text, "$")
        elif reply.json is None:
            raise AssertionError(f"{label}: body is not JSON: {reply.text[:300]}")
        else:
            errors = self.validator.errors(content[media]["schema"], reply.json, "$")
        if errors:
            raise AssertionError(f"{label}: response does not match the spec:\n  "
                                 + "\n  ".join(errors) + f"\nbody: {reply.text[:1000]}")
        body = reply.json
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            codes = documented.get("x-error-codes")
            if codes is not None and body["error"]["code"] not in codes:
                raise AssertionError(f"{label}: error code {body['error']['code']!r} is not "
                                     f"documented (x-error-codes: {codes}); body: {reply.text}")
        if is_v1 and isinstance(body, dict) and reply.status != 413:
            request_id = body["error"]["request_id"] if "error" in body else body["request_id"]
            if request_id != reply.headers.get("x-request-id"):
                raise AssertionError(f"{label}: body request_id {request_id} is not the "
                                     f"X-Request-Id header {reply.headers.get('x-request-id')}")

    def raw(self, method, target, account=NET):
        headers = {"Authorization": "Bearer " + TOKENS[account]} if account else {}
        return send(self.url, method, target, headers, None)

    def check_shared(self, name, reply):
        """Checks an answer that belongs to no operation (unknown route, wrong
        method) against components/responses/<name>."""
        ref = {"$ref": f"#/components/responses/{name}"}
        self.check_response(name + f" {reply.status}", ref, reply)
        codes = self.validator.deref(ref)["x-error-codes"]
        if reply.json["error"]["code"] not in codes:
            raise AssertionError(f"{name}: error code {reply.json['error']['code']} not in {codes}")


# ---- the tests ---------------------------------------------------------------


class SpecListsEveryRoute(unittest.TestCase):
    def test_spec_routes_are_the_server_routes(self):
        spec = load_spec()
        documented = {(m, p, op) for op, (m, p, _, _) in spec_operations(spec).items()}
        served = server_routes()
        self.assertGreater(len(served), 30, "the route table regex no longer matches api_routes.cc")
        served |= {(m, p, op) for (m, p), op in DAEMON_ROUTES.items()}
        self.assertEqual(sorted(served - documented), [],
                         "routes the server has but docs/api/openapi.yaml does not document "
                         "(method, path, operationId)")
        self.assertEqual(sorted(documented - served), [],
                         "routes docs/api/openapi.yaml documents but the server does not have")

    def test_daemon_answers_no_other_paths_itself(self):
        self.assertEqual(daemon_special_paths(), {p for _, p in DAEMON_ROUTES},
                         "daemon.cc serves a path outside api_routes(): document it in the spec "
                         "and in DAEMON_ROUTES")

    def test_spec_is_coherent(self):
        spec = load_spec()
        self.assertEqual(spec["openapi"], "3.0.3")
        v = Validator(spec)

        def walk(node, where):
            if isinstance(node, dict):
                if "$ref" in node:
                    v.resolve(node["$ref"])
                for k, child in node.items():
                    walk(child, f"{where}/{k}")
            elif isinstance(node, list):
                for i, child in enumerate(node):
                    walk(child, f"{where}/{i}")
        walk(spec, "#")
        # Every schema uses only keywords the validator checks.
        for name, schema in spec["components"]["schemas"].items():
            self.assertEqual(unknown_keywords(schema, f"#/components/schemas/{name}"), [])
        for where, schema in schemas_in(spec["paths"], "#/paths"):
            self.assertEqual(unknown_keywords(schema, where), [])
        for op, (method, path, operation, path_params) in spec_operations(spec).items():
            params = [v.deref(p) for p in path_params + operation.get("parameters", [])]
            in_path = {p["name"] for p in params if p["in"] == "path"}
            self.assertEqual(in_path, set(re.findall(r"\{([a-z_]+)\}", path)),
                             f"{op}: path parameters do not match {path}")
            responses = operation["responses"]
            self.assertIn("200", responses, op)
            if path.startswith("/v1/"):
                self.assertIn("401", responses, f"{op}: every /v1 operation can answer 401")
                self.assertNotIn("security", operation, f"{op}: /v1 needs the bearer token")
            for status, response in responses.items():
                if int(status) >= 400 and path.startswith("/v1/"):
                    response = v.deref(response)
                    self.assertIn("x-error-codes", response, f"{op} {status}")
                    schema = response["content"]["application/json"]["schema"]["$ref"]
                    expected = "TransportError" if status == "413" else "Error"
                    self.assertEqual(schema, f"#/components/schemas/{expected}", f"{op} {status}")
            if "requestBody" in operation:
                self.assertIn("413", responses, f"{op}: a body can be too large")


def free_port():
    """A TCP port nothing listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BGP_PEER = "onprem-r1"


def bgp_config(peer_port):
    """A bgp section whose one peer is an address and port nobody listens on:
    the session never comes up, so the speaker answers with an empty RIB."""
    return ("bgp:\n  local_as: 64512\n  router_id: 192.0.2.10\n  listen: 127.0.0.1:0\n"
            f"  peers:\n    - name: {BGP_PEER}\n      address: 127.0.0.9\n"
            f"      port: {peer_port}\n      remote_as: 65001\n      role: onprem\n"
            "      connect_retry: 1\n      export:\n        next_hop_v6: 2001:db8::1\n")


RPKI_JSON = "rpki-json"
RPKI_RTR = "stayrtr"
# StayRTR / rpki-client VRP JSON (ASNs as numbers and as "AS..." strings).
# 203.0.113.0/24 and 2001:db8:100::/48 are the bgp scenario's prefixes,
# originated by its local AS 64512; 192.0.2.0/24 has an AS0 ROA;
# 10.99.0.0/16 is removed by the SLURM file's prefix filter.
RPKI_VRPS = {
    "metadata": {"counts": 4, "generated": 1714564800},
    "roas": [
        {"prefix": "203.0.113.0/24", "maxLength": 24, "asn": "AS64512", "ta": "test"},
        {"prefix": "2001:db8:100::/48", "maxLength": 48, "asn": 64512, "ta": "test"},
        {"prefix": "192.0.2.0/24", "maxLength": 24, "asn": "AS0", "ta": "test"},
        {"prefix": "10.99.0.0/16", "maxLength": 24, "asn": 64999, "ta": "test"},
    ],
}
# RFC 8416: one filter (drops 10.99.0.0/16) and one assertion.
RPKI_SLURM = {
    "slurmVersion": 1,
    "validationOutputFilters": {"prefixFilters": [{"prefix": "10.99.0.0/16"}],
                                "bgpsecFilters": []},
    "locallyAddedAssertions": {"prefixAssertions": [{"asn": 64496, "prefix": "198.51.100.0/24",
                                                     "maxPrefixLength": 24}],
                               "bgpsecAssertions": []},
}


def rpki_config(workdir, rtr_port):
    """An rpki section: a JSON file and a SLURM file the test writes, and an
    RTR cache at a port nobody listens on (it never delivers)."""
    vrps = os.path.join(workdir, "vrps.json")
    slurm = os.path.join(workdir, "slurm.json")
    with open(vrps, "w") as f:
        json.dump(RPKI_VRPS, f)
    with open(slurm, "w") as f:
        json.dump(RPKI_SLURM, f)
    return ("rpki:\n"
            f"  rtr:\n    - name: {RPKI_RTR}\n      address: 127.0.0.1\n      port: {rtr_port}\n"
            "      retry: 5\n"
            f"  json:\n    - name: {RPKI_JSON}\n      url: {vrps}\n      refresh: 60\n"
            f"  slurm: {slurm}\n")


class Contract(DaemonTest):
    def setUp(self):
        super().setUp()
        self.spec = load_spec()
        self.bgp_peer_port = free_port()
        self.rtr_port = free_port()
        # Wait for the bgp listener line too: byoipd prints it after the API
        # line, and dies of SIGPIPE if stdout is closed before.
        self.d = Daemon(self.workdir, "alarms:\n  evaluate_interval_ms: 100\n"
                        + bgp_config(self.bgp_peer_port)
                        + rpki_config(self.workdir, self.rtr_port))
        self.daemons.append(self.d)
        self.d.start(expect_bgp_listener=True)
        self.api = Api(self, self.d, self.spec)

    def test_every_operation_answers_as_documented(self):
        api = self.api
        self.health_and_identity()
        ids = self.ipams_and_scopes()
        self.pools(ids)
        self.allocations(ids)
        self.resources_and_alarms(ids)
        self.reports(ids)
        self.shares_and_members(ids)
        self.bgp()
        self.rpki()
        self.bgp_not_configured()
        self.unknown_fields_are_refused(ids)
        self.deletes(ids)
        missing = sorted(op for op in api.ops if 200 not in api.seen.get(op, set()))
        self.assertEqual(missing, [], "documented operations the scenario never drove to a 200")
        errors = sum(1 for statuses in api.seen.values() for s in statuses if s >= 400)
        self.assertGreater(errors, 40, "the scenario should check many error answers")

    # -- scenario steps --

    def health_and_identity(self):
        api = self.api
        health = api.ok("healthz", account=None)
        self.assertEqual(health["status"], "ok")
        metrics = api.ok("metrics", account=None)
        self.assertRegex(metrics, r"(?m)^byoipd_up 1$")
        me = api.ok("whoami", account=PAY)
        self.assertEqual((me["account"], me["ou"], me["is_delegated_admin"]),
                         (PAY, "ou-prod-pay01", False))
        api.fails("describe_organization", 403, "not-delegated-admin", account=PAY)
        org = api.ok("describe_organization", account=MGMT)["organization"]
        self.assertIsNone(org["delegated_admin"])
        self.assertEqual(org["management_account"], MGMT)
        api.fails("create_ipam", 403, "not-delegated-admin", body={"home_region": "eu-west-1"})
        api.fails("delegate_admin", 403, "not-management-account", body={"account_id": NET})
        api.fails("delegate_admin", 422, "not-in-organization", account=MGMT,
                  body={"account_id": "999999999999"})
        api.fails("delegate_admin", 400, "invalid-request", account=MGMT, body={},
                  check_request=False)
        self.assertEqual(api.ok("delegate_admin", account=MGMT,
                                body={"account_id": NET})["delegated_admin"], NET)
        org = api.ok("describe_organization", account=MGMT)["organization"]
        self.assertEqual(org["delegated_admin"], NET)
        self.assertTrue(api.ok("whoami", account=NET)["is_delegated_admin"])
        self.assertTrue(api.ok("whoami", account=MGMT)["is_management_account"])

    def ipams_and_scopes(self):
        api = self.api
        body = {"home_region": "eu-west-1", "operating_regions": ["us-east-1"],
                "tier": "advanced", "description": "lab", "tags": {"team": "netops"},
                "client_token": "ipam-1"}
        ipam = api.ok("create_ipam", body=body)["ipam"]
        self.assertEqual(ipam["operating_regions"], ["eu-west-1", "us-east-1"])
        self.assertEqual(api.ok("create_ipam", body=body)["ipam"], ipam, "idempotent retry")
        api.fails("create_ipam", 409, "idempotency-mismatch", body=dict(body, description="x"))
        api.fails("create_ipam", 422, "invalid-region", body={"home_region": "EU West"})
        api.fails("create_ipam", 400, "invalid-request", body={"home_region": 7},
                  check_request=False)
        api.fails("create_ipam", 400, "invalid-json", raw=b"{not json")
        free = api.ok("create_ipam", body={"home_region": "eu-west-1", "tier": "free"})["ipam"]
        self.assertEqual(free["tier"], "free")

        first = api.ok("list_ipams", query={"limit": "1"})
        self.assertEqual(len(first["ipams"]), 1)
        self.assertIsNotNone(first["next_token"])
        second = api.ok("list_ipams", query={"limit": "1", "next_token": first["next_token"]})
        self.assertIsNone(second["next_token"])
        self.assertEqual({first["ipams"][0]["id"], second["ipams"][0]["id"]},
                         {ipam["id"], free["id"]})
        api.fails("list_ipams", 400, "invalid-request", query={"limit": "0"}, check_request=False)
        api.fails("list_ipams", 400, "invalid-request", query={"limit": "1001"},
                  check_request=False)
        api.fails("list_ipams", 400, "invalid-request", query={"next_token": "zz"})
        api.fails("list_ipams", 403, "not-delegated-admin", account=PAY)

        self.assertEqual(api.ok("describe_ipam", path={"ipam_id": ipam["id"]})["ipam"], ipam)
        api.fails("describe_ipam", 404, "ipam-not-found", path={"ipam_id": NO_IPAM})
        changed = api.ok("modify_ipam", path={"ipam_id": ipam["id"]},
                         body={"add_operating_regions": ["eu-central-1"],
                               "description": "lab ipam"})["ipam"]
        self.assertIn("eu-central-1", changed["operating_regions"])
        api.fails("modify_ipam", 409, "home-region-required", path={"ipam_id": ipam["id"]},
                  body={"remove_operating_regions": ["eu-west-1"]})
        api.fails("modify_ipam", 404, "ipam-not-found", path={"ipam_id": NO_IPAM},
                  body={"description": "x"})

        scope = api.ok("create_scope", path={"ipam_id": ipam["id"]},
                       body={"description": "disconnected lab", "client_token": "scope-1"})["scope"]
        self.assertEqual((scope["type"], scope["is_default"]), ("private", False))
        api.fails("create_scope", 404, "ipam-not-found", path={"ipam_id": NO_IPAM})
        scopes = api.ok("list_scopes", query={"ipam_id": ipam["id"]})["scopes"]
        self.assertEqual(len(scopes), 3)
        api.fails("list_scopes", 404, "ipam-not-found", query={"ipam_id": NO_IPAM})
        private = ipam["private_default_scope_id"]
        self.assertTrue(api.ok("describe_scope", path={"scope_id": private})["scope"]["is_default"])
        api.fails("describe_scope", 404, "scope-not-found", path={"scope_id": NO_SCOPE})
        api.fails("delete_scope", 409, "default-scope", path={"scope_id": private})
        return {"ipam": ipam["id"], "free": free["id"], "private": private,
                "public": ipam["public_default_scope_id"], "extra": scope["id"],
                "free_private": free["private_default_scope_id"]}

    def pools(self, ids):
        api = self.api
        top = api.ok("create_pool", body={"scope_id": ids["private"], "description": "top",
                                          "tags": {"layer": "top"}, "client_token": "pool-top"})
        top = top["pool"]
        self.assertEqual((top["source_pool_id"], top["locale"], top["depth"]), (None, None, 1))
        ids["top"] = top["id"]
        cidr = api.ok("provision_cidr", path={"pool_id": top["id"]},
                      body={"cidr": "10.0.0.0/16", "client_token": "cidr-top"})["pool_cidr"]
        self.assertEqual((cidr["state"], cidr["netmask_length"]), ("provisioned", 16))
        api.fails("provision_cidr", 400, "non-canonical-prefix", path={"pool_id": top["id"]},
                  body={"cidr": "10.0.0.1/16"})
        api.fails("provision_cidr", 422, "cidr-or-netmask-required", path={"pool_id": top["id"]},
                  body={})
        api.fails("provision_cidr", 404, "pool-not-found", path={"pool_id": NO_POOL},
                  body={"cidr": "10.1.0.0/16"})
        leaf = api.ok("create_pool", body={
            "scope_id": ids["private"], "source_pool_id": top["id"], "locale": "eu-west-1",
            "address_family": "ipv4", "auto_import": False,
            "allocation_default_netmask_length": 24, "allocation_min_netmask_length": 20,
            "allocation_max_netmask_length": 26, "allocation_resource_tags": LAB_TAGS})["pool"]
        self.assertEqual((leaf["source_pool_id"], leaf["depth"]), (top["id"], 2))
        ids["leaf"] = leaf["id"]
        carved = api.ok("provision_cidr", path={"pool_id": leaf["id"]},
                        body={"netmask_length": 20})["pool_cidr"]
        self.assertEqual(carved["cidr"], "10.0.0.0/20")
        other = api.ok("create_pool", body={"scope_id": ids["private"]})["pool"]
        ids["other"] = other["id"]
        api.fails("provision_cidr", 409, "overlap-in-scope", path={"pool_id": other["id"]},
                  body={"cidr": "10.0.0.0/8"})
        api.fails("create_pool", 422, "locale-not-operating-region",
                  body={"scope_id": ids["private"], "locale": "ap-south-1"})
        api.fails("create_pool", 404, "scope-not-found", body={"scope_id": NO_SCOPE})
        api.fails("create_pool", 400, "invalid-request",
                  body={"scope_id": ids["private"], "address_family": "ipv5"},
                  check_request=False)

        cidrs = api.ok("list_pool_cidrs", path={"pool_id": top["id"]})
        self.assertEqual([c["cidr"] for c in cidrs["pool_cidrs"]], ["10.0.0.0/16"])
        self.assertIsNone(cidrs["next_token"])
        first = api.ok("list_pools", query={"scope_id": ids["private"], "limit": "2"})
        self.assertEqual(len(first["pools"]), 2)
        rest = api.ok("list_pools", query={"scope_id": ids["private"],
                                           "next_token": first["next_token"]})
        self.assertEqual(len(rest["pools"]), 1)
        self.assertIsNone(rest["next_token"])
        api.fails("list_pools", 404, "scope-not-found", query={"scope_id": NO_SCOPE})
        described = api.ok("describe_pool", path={"pool_id": leaf["id"]})["pool"]
        self.assertEqual(described["allocation_resource_tags"], LAB_TAGS)
        api.fails("describe_pool", 404, "pool-not-found", path={"pool_id": NO_POOL})
        changed = api.ok("modify_pool", path={"pool_id": leaf["id"]},
                         body={"description": "eu-west-1 lab", "auto_import": False,
                               "allocation_max_netmask_length": 26,
                               "allocation_resource_tags": LAB_TAGS})["pool"]
        self.assertEqual(changed["description"], "eu-west-1 lab")
        api.fails("modify_pool", 422, "invalid-guardrails", path={"pool_id": leaf["id"]},
                  body={"allocation_min_netmask_length": 25})
        api.fails("modify_pool", 400, "invalid-request", path={"pool_id": leaf["id"]},
                  body={"auto_import": "yes"}, check_request=False)
        api.fails("delete_pool", 409, "deletion-protected", path={"pool_id": top["id"]})
        api.fails("delete_pool", 404, "pool-not-found", path={"pool_id": NO_POOL})

    def allocations(self, ids):
        api = self.api
        leaf = {"pool_id": ids["leaf"]}
        preview = api.ok("preview_allocation", path=leaf, body={"netmask_length": 24})["cidr"]
        body = {"netmask_length": 24, "description": "reserved", "client_token": "alloc-1"}
        manual = api.ok("allocate", path=leaf, body=body)["allocation"]
        self.assertEqual((manual["cidr"], manual["resource_type"], manual["resource_owner"]),
                         (preview, "custom", NET))
        self.assertEqual(api.ok("allocate", path=leaf, body=body)["allocation"], manual)
        api.fails("allocate", 409, "idempotency-mismatch", path=leaf,
                  body=dict(body, netmask_length=25))
        api.fails("allocate", 409, "cidr-already-allocated", path=leaf,
                  body={"cidr": manual["cidr"]})
        api.fails("preview_allocation", 409, "cidr-already-allocated", path=leaf,
                  body={"cidr": manual["cidr"]})
        api.fails("allocate", 409, "insufficient-space", path=leaf, body={"netmask_length": 20})
        api.fails("allocate", 422, "netmask-below-min", path=leaf, body={"netmask_length": 16})
        api.fails("preview_allocation", 422, "netmask-above-max", path=leaf,
                  body={"netmask_length": 28})
        api.fails("allocate", 400, "invalid-prefix-length", path=leaf,
                  body={"cidr": "10.0.0.0/33"})
        api.fails("allocate", 400, "invalid-request", path=leaf, body={"netmask_length": "24"},
                  check_request=False)
        api.fails("allocate", 422, "missing-required-tag", path=leaf, body={
            "resource": {"type": "vpc", "id": "vpc-untagged", "region": "eu-west-1"}})
        api.fails("allocate", 422, "locale-mismatch", path=leaf, body={
            "resource": {"id": "vpc-us", "region": "us-east-1", "tags": LAB_TAGS}})
        api.fails("allocate", 404, "pool-not-found", path={"pool_id": NO_POOL}, body={})
        vpc = api.ok("allocate", path=leaf, body={
            "netmask_length": 24, "allowed_cidrs": ["10.0.0.0/20"],
            "disallowed_cidrs": ["10.0.1.0/24"], "description": "lab vpc",
            "resource": {"type": "vpc", "id": "vpc-0a1", "owner": NET, "region": "eu-west-1",
                         "tags": LAB_TAGS}})["allocation"]
        self.assertEqual((vpc["cidr"], vpc["resource_type"], vpc["resource_id"]),
                         ("10.0.2.0/24", "vpc", "vpc-0a1"))
        ids["vpc_alloc"] = vpc["id"]

        first = api.ok("list_allocations", path=leaf, query={"limit": "1"})
        self.assertEqual([a["id"] for a in first["allocations"]], [manual["id"]])
        rest = api.ok("list_allocations", path=leaf, query={"next_token": first["next_token"]})
        self.assertEqual([a["id"] for a in rest["allocations"]], [vpc["id"]])
        self.assertIsNone(rest["next_token"])
        top_allocs = api.ok("list_allocations", path={"pool_id": ids["top"]})["allocations"]
        self.assertEqual([(a["resource_type"], a["resource_id"]) for a in top_allocs],
                         [("ipam-pool", ids["leaf"])])
        api.fails("list_allocations", 400, "invalid-request", path=leaf,
                  query={"next_token": "nope"})
        self.assertEqual(api.ok("describe_allocation", path={"allocation_id": vpc["id"]})
                         ["allocation"], vpc)
        api.fails("release_allocation", 409, "allocation-not-releasable",
                  path={"pool_id": ids["leaf"], "allocation_id": vpc["id"]})
        api.fails("release_allocation", 422, "cidr-mismatch",
                  path={"pool_id": ids["leaf"], "allocation_id": manual["id"]},
                  query={"cidr": "10.9.0.0/24"})
        api.fails("release_allocation", 400, "non-canonical-prefix",
                  path={"pool_id": ids["leaf"], "allocation_id": manual["id"]},
                  query={"cidr": "10.0.0.1/24"})
        released = api.ok("release_allocation",
                          path={"pool_id": ids["leaf"], "allocation_id": manual["id"]},
                          query={"cidr": manual["cidr"]})
        self.assertEqual(released["released"], manual["id"])
        api.fails("release_allocation", 404, "allocation-not-found",
                  path={"pool_id": ids["leaf"], "allocation_id": manual["id"]})
        api.fails("describe_allocation", 404, "allocation-not-found",
                  path={"allocation_id": manual["id"]})

    def resources_and_alarms(self, ids):
        api = self.api
        private = {"scope_id": ids["private"]}
        seen = api.ok("register_resource", path=private, body={
            "resource": {"type": "vpc", "id": "vpc-ext", "owner": PAY, "region": "us-east-1",
                         "tags": {"app": "billing"}},
            "cidr": "172.16.0.0/16"})["resource_cidr"]
        self.assertEqual((seen["management_state"], seen["pool_id"], seen["allocation_id"]),
                         ("unmanaged", None, None))
        imported = api.ok("import_resource", path={"pool_id": ids["top"]}, body={
            "resource": {"type": "vpc", "id": "vpc-imp", "region": "eu-west-1"},
            "cidr": "10.0.200.0/24"})["resource_cidr"]
        self.assertEqual((imported["management_state"], imported["pool_id"], imported["owner"]),
                         ("managed", ids["top"], NET))
        self.assertIsNotNone(imported["allocation_id"])
        # vpc-0a1's CIDR, inside the leaf pool's: recorded, and noncompliant.
        # (Its overlap_status shows only in list_resource_cidrs: a single
        # resource CIDR in an answer always says nonoverlapping.)
        clash = api.ok("import_resource", path={"pool_id": ids["top"]}, body={
            "resource": {"type": "subnet", "id": "subnet-clash"},
            "cidr": "10.0.2.0/24"})["resource_cidr"]
        self.assertEqual((clash["management_state"], clash["compliance_status"]),
                         ("managed", "noncompliant"))
        self.assertIn("noncompliance_reason", clash)
        api.fails("import_resource", 422, "cidr-not-in-pool", path={"pool_id": ids["top"]},
                  body={"resource": {"id": "vpc-far"}, "cidr": "192.0.2.0/24"})
        api.fails("import_resource", 409, "resource-already-managed",
                  path={"pool_id": ids["leaf"]},
                  body={"resource": {"id": "subnet-clash"}, "cidr": "10.0.2.0/24"})
        api.fails("register_resource", 422, "invalid-resource", path=private,
                  body={"resource": {"type": "custom", "id": "x"}, "cidr": "172.17.0.0/16"},
                  check_request=False)
        api.fails("register_resource", 404, "scope-not-found", path={"scope_id": NO_SCOPE},
                  body={"resource": {"id": "vpc-x"}, "cidr": "172.17.0.0/16"})
        api.fails("register_resource", 400, "invalid-request", path=private,
                  body={"resource": {"id": "vpc-x"}}, check_request=False)

        everything = api.ok("list_resource_cidrs", path=private)["resource_cidrs"]
        self.assertEqual(len(everything), 4)
        for query, expected in [
                ({"management_state": "managed"}, {"vpc-imp", "subnet-clash", "vpc-0a1"}),
                ({"overlap_status": "overlapping"}, {"subnet-clash", "vpc-0a1"}),
                # vpc-imp: a locale-free pool serves no regional resource.
                ({"compliance_status": "noncompliant"}, {"subnet-clash", "vpc-imp"}),
                ({"compliance_status": "unmanaged"}, {"vpc-ext"}),
                ({"pool_id": ids["top"], "resource_id": "vpc-imp", "owner": NET}, {"vpc-imp"})]:
            got = api.ok("list_resource_cidrs", path=private, query=query)["resource_cidrs"]
            self.assertEqual({r["resource_id"] for r in got}, expected, query)
        page = api.ok("list_resource_cidrs", path=private, query={"limit": "2"})
        self.assertIsNotNone(page["next_token"])
        api.fails("list_resource_cidrs", 400, "invalid-request", path=private,
                  query={"management_state": "forgotten"}, check_request=False)
        api.fails("list_resource_cidrs", 404, "scope-not-found", path={"scope_id": NO_SCOPE})

        # The clash raises an overlap alarm and a noncompliance alarm.
        deadline = time.time() + 10
        alarms = []
        while time.time() < deadline and len(alarms) < 2:
            alarms = api.ok("list_alarms", account=NET)["alarms"]
            time.sleep(0.1)
        self.assertEqual(sorted(a["kind"] for a in alarms), ["noncompliance", "overlap"])

        ignored = api.ok("set_resource_ignored", path=private, body={
            "resource_id": "subnet-clash", "cidr": "10.0.2.0/24", "ignored": True})
        self.assertEqual(ignored["resource_cidr"]["management_state"], "ignored")
        api.fails("set_resource_ignored", 404, "resource-not-found", path=private,
                  body={"resource_id": "vpc-none", "cidr": "10.0.0.0/24", "ignored": True})
        api.fails("set_resource_ignored", 400, "invalid-request", path=private,
                  body={"resource_id": "subnet-clash", "cidr": "10.0.2.0/24"},
                  check_request=False)
        gone = api.ok("remove_resource_cidr", path=private,
                      query={"resource_id": "vpc-ext", "cidr": "172.16.0.0/16"})
        self.assertEqual(gone["deleted"], "vpc-ext 172.16.0.0/16")
        api.fails("remove_resource_cidr", 404, "resource-not-found", path=private,
                  query={"resource_id": "vpc-ext", "cidr": "172.16.0.0/16"})
        api.fails("remove_resource_cidr", 400, "invalid-request", path=private,
                  query={"resource_id": "vpc-ext"}, check_request=False)
        self.assertEqual(api.ok("remove_resource", path={"resource_id": "vpc-imp"})["deleted"],
                         "vpc-imp")
        api.fails("remove_resource", 404, "resource-not-found", path={"resource_id": "vpc-imp"})
        api.ok("remove_resource", path={"resource_id": "subnet-clash"})

    def reports(self, ids):
        api = self.api
        u = api.ok("pool_utilization", path={"pool_id": ids["leaf"]})["utilization"]
        self.assertEqual((u["provisioned_addresses"], u["allocated_addresses"],
                          u["allocation_count"]), ("4096", "256", 1))
        api.fails("pool_utilization", 404, "pool-not-found", path={"pool_id": NO_POOL})
        report = api.ok("utilization_report", query={"threshold": "0"})
        self.assertEqual(report["threshold"], 0)
        self.assertIn(ids["leaf"], [p["pool_id"] for p in report["pools"]])
        self.assertEqual(api.ok("utilization_report")["threshold"], 80)
        api.fails("utilization_report", 400, "invalid-request", query={"threshold": "101"},
                  check_request=False)
        api.fails("utilization_report", 403, "not-delegated-admin", account=PAY)

    def shares_and_members(self, ids):
        api = self.api
        leaf = {"pool_id": ids["leaf"]}
        body = {"name": "lab-leaf", "allow_external_principals": False, "client_token": "share-1"}
        share = api.ok("create_share", body=body)["share"]
        self.assertEqual(api.ok("create_share", body=body)["share"], share)
        api.fails("create_share", 400, "invalid-request", body={}, check_request=False)
        sid = {"share_id": share["id"]}
        self.assertEqual(api.ok("associate_share_pool", path=sid,
                                body={"pool_id": ids["leaf"]})["share"]["pools"], [ids["leaf"]])
        api.fails("associate_share_pool", 422, "only-pools-shareable", path=sid,
                  body={"pool_id": ids["ipam"]}, check_request=False)
        api.fails("associate_share_pool", 404, "pool-not-found", path=sid,
                  body={"pool_id": NO_POOL})
        api.fails("associate_share_pool", 404, "share-not-found", path={"share_id": NO_SHARE},
                  body={"pool_id": ids["leaf"]})
        principal = api.ok("associate_share_principal", path=sid,
                           body={"principal": "ou-prod-pay01"})["share"]
        self.assertEqual(principal["principals"], ["ou-prod-pay01"])
        api.fails("associate_share_principal", 403, "external-principal", path=sid,
                  body={"principal": "999999999999"})
        api.fails("associate_share_principal", 400, "invalid-request", path=sid, body={},
                  check_request=False)
        listed = api.ok("list_shares", query={"limit": "10"})
        self.assertEqual([s["id"] for s in listed["shares"]], [share["id"]])
        self.assertEqual(api.ok("describe_share", path=sid)["share"]["pools"], [ids["leaf"]])
        api.fails("describe_share", 404, "share-not-found", path={"share_id": NO_SHARE})
        # Another account lists the shares it is a principal of (PAY is in
        # ou-prod-pay01); the management account is in none.
        self.assertEqual([s["id"] for s in api.ok("list_shares", account=PAY)["shares"]],
                         [share["id"]])
        self.assertEqual(api.ok("list_shares", account=MGMT)["shares"], [])

        # Free tier: no cross-account sharing.
        free_pool = api.ok("create_pool", body={"scope_id": ids["free_private"]})["pool"]["id"]
        ids["free_pool"] = free_pool
        free_share = api.ok("create_share", body={"name": "free"})["share"]
        api.fails("associate_share_pool", 409, "tier-restriction",
                  path={"share_id": free_share["id"]}, body={"pool_id": free_pool})
        api.ok("delete_share", path={"share_id": free_share["id"]})

        # A member of the OU the pool is shared with.
        self.assertEqual([p["id"] for p in api.ok("list_pools", account=PAY)["pools"]],
                         [ids["leaf"]])
        api.ok("describe_pool", account=PAY, path=leaf)
        api.ok("list_pool_cidrs", account=PAY, path=leaf)
        api.ok("pool_utilization", account=PAY, path=leaf)
        resource = {"id": "vpc-pay", "region": "eu-west-1", "tags": LAB_TAGS}
        preview = api.ok("preview_allocation", account=PAY, path=leaf,
                         body={"resource": resource})["cidr"]
        mine = api.ok("allocate", account=PAY, path=leaf,
                      body={"resource": resource})["allocation"]
        self.assertEqual((mine["cidr"], mine["resource_owner"]), (preview, PAY))
        reserved = api.ok("allocate", account=PAY, path=leaf,
                          body={"netmask_length": 26})["allocation"]
        self.assertEqual(reserved["resource_owner"], PAY)
        listed = api.ok("list_allocations", account=PAY, path=leaf)["allocations"]
        self.assertEqual({a["id"] for a in listed}, {mine["id"], reserved["id"]})
        api.ok("describe_allocation", account=PAY, path={"allocation_id": mine["id"]})
        api.fails("describe_allocation", 403, "not-owner", account=PAY,
                  path={"allocation_id": ids["vpc_alloc"]})
        api.fails("allocate", 403, "not-owner", account=PAY, path=leaf,
                  body={"resource": dict(resource, id="vpc-net", owner=NET)})
        api.fails("release_allocation", 403, "not-owner", account=PAY,
                  path={"pool_id": ids["leaf"], "allocation_id": ids["vpc_alloc"]})
        api.ok("release_allocation", account=PAY,
               path={"pool_id": ids["leaf"], "allocation_id": reserved["id"]})
        api.fails("describe_pool", 403, "pool-not-shared", account=PAY,
                  path={"pool_id": ids["top"]})
        api.fails("create_pool", 403, "not-delegated-admin", account=PAY,
                  body={"scope_id": ids["private"]})

        # A member the pool is not shared with.
        self.assertEqual(api.ok("list_pools", account=DEV)["pools"], [])
        for op, kw in [("describe_pool", {}), ("list_pool_cidrs", {}),
                       ("pool_utilization", {}), ("list_allocations", {}),
                       ("allocate", {"body": {"netmask_length": 26}}),
                       ("preview_allocation", {"body": {"netmask_length": 26}})]:
            api.fails(op, 403, "pool-not-shared", account=DEV, path=leaf, **kw)
        api.fails("describe_allocation", 403, "pool-not-shared", account=DEV,
                  path={"allocation_id": mine["id"]})
        api.fails("release_allocation", 403, "pool-not-shared", account=DEV,
                  path={"pool_id": ids["leaf"], "allocation_id": mine["id"]})

        # Unknown fields are refused here too.
        api.fails("associate_share_pool", 400, "invalid-request", path=sid,
                  body={"pool_id": ids["leaf"], "note": "again"}, check_request=False)
        api.ok("disassociate_share_principal",
               path={"share_id": share["id"], "principal": "ou-prod-pay01"})
        api.fails("disassociate_share_principal", 404, "share-principal-not-found",
                  path={"share_id": share["id"], "principal": "ou-prod-pay01"})
        api.fails("describe_pool", 403, "pool-not-shared", account=PAY, path=leaf)
        self.assertEqual(api.ok("disassociate_share_pool",
                                path={"share_id": share["id"], "pool_id": ids["leaf"]})
                         ["share"]["pools"], [])
        api.fails("disassociate_share_pool", 404, "share-pool-not-found",
                  path={"share_id": share["id"], "pool_id": ids["leaf"]})
        self.assertEqual(api.ok("delete_share", path=sid)["deleted"], share["id"])
        api.fails("delete_share", 404, "share-not-found", path=sid)

    def bgp(self):
        api = self.api
        # Live speaker state: the peer is configured but never reachable.
        peers = api.ok("bgp_peers", account=MGMT)["peers"]
        self.assertEqual([(p["name"], p["address"], p["port"], p["remote_as"], p["role"])
                          for p in peers],
                         [(BGP_PEER, "127.0.0.9", self.bgp_peer_port, 65001, "onprem")])
        self.assertIn(peers[0]["state"], ("idle", "connect", "active"), peers[0])
        self.assertEqual((peers[0]["uptime_seconds"], peers[0]["local_address"],
                          peers[0]["prefixes_received"], peers[0]["families"]),
                         (None, None, 0, []))
        self.assertEqual(len(api.ok("bgp_peers")["peers"]), 1)
        api.fails("bgp_peers", 403, "not-delegated-admin", account=PAY)
        self.assertRegex(api.ok("metrics", account=None),
                         r'(?m)^byoipd_bgp_session_up\{peer="onprem-r1"\} 0$')

        routes = api.ok("bgp_routes", account=MGMT)
        self.assertEqual((routes["routes"], routes["truncated"]), ([], False))
        routes = api.ok("bgp_routes", query={"prefix": "203.0.113.0/24", "peer": BGP_PEER,
                                             "exact": "true", "limit": "10"})
        self.assertEqual(routes["routes"], [])
        api.fails("bgp_routes", 404, "no-such-peer", query={"peer": "nobody"})
        api.fails("bgp_routes", 400, "invalid-request", query={"limit": "0"},
                  check_request=False)
        api.fails("bgp_routes", 400, "invalid-request", query={"limit": "100001"},
                  check_request=False)
        api.fails("bgp_routes", 400, "invalid-request", query={"limit": "ten"},
                  check_request=False)
        api.fails("bgp_routes", 400, "invalid-request", query={"exact": "yes"},
                  check_request=False)
        api.fails("bgp_routes", 400, "non-canonical-prefix", query={"prefix": "203.0.113.1/24"})
        api.fails("bgp_routes", 400, "invalid-prefix", query={"prefix": "203.0.113.0"})
        api.fails("bgp_routes", 403, "not-delegated-admin", account=DEV)

        # Announce one prefix: communities are sets, sorted by value.
        self.assertEqual(api.ok("bgp_list_announcements", account=MGMT)["announcements"], [])
        one = "203.0.113.0/24"
        body = {"prefix": one, "communities": ["no-export", "65000:1", "65000:1"],
                "large_communities": ["65000:2:3", "65000:1:1"], "prepend": 2,
                "peers": [BGP_PEER]}
        out = api.ok("bgp_announce", body=body)
        expected = {"prefix": one, "communities": ["65000:1", "no-export"],
                    "large_communities": ["65000:1:1", "65000:2:3"], "prepend": 2,
                    "peers": [BGP_PEER]}
        self.assertEqual((out["changed"], out["count"], out["announcement"]),
                         (True, 1, expected))
        again = api.ok("bgp_announce", body=dict(body, communities=["65000:1", "no-export"],
                                                 large_communities=["65000:1:1", "65000:2:3"]))
        self.assertEqual((again["changed"], again["announcement"]), (False, expected),
                         "the same announcement again (in another order) changes nothing")
        # Bulk: no "announcement" in the answer, even for a list of one.
        bulk = ["198.51.100.0/24", "2001:db8:100::/48"]
        out = api.ok("bgp_announce", body={"prefixes": bulk, "communities": ["65000:7"]})
        self.assertEqual(out["changed"], True)
        self.assertEqual(out["count"], 2)
        self.assertNotIn("announcement", out)
        out = api.ok("bgp_announce", body={"prefixes": bulk[:1], "communities": ["65000:7"]})
        self.assertEqual((out["changed"], out["count"]), (False, 1))
        self.assertNotIn("announcement", out)
        listed = api.ok("bgp_list_announcements")["announcements"]
        self.assertEqual(sorted(a["prefix"] for a in listed), sorted([one] + bulk))
        self.assertEqual([a for a in listed if a["prefix"] == one], [expected])
        self.assertEqual(api.ok("bgp_list_announcements", account=MGMT)["announcements"], listed)

        # Refusals change nothing (a bulk request is all or nothing).
        probe = "192.0.2.0/24"
        api.fails("bgp_announce", 403, "not-delegated-admin", account=MGMT, body={"prefix": probe})
        api.fails("bgp_announce", 403, "not-delegated-admin", account=PAY, body={"prefix": probe})
        api.fails("bgp_list_announcements", 403, "not-delegated-admin", account=PAY)
        api.fails("bgp_announce", 404, "no-such-peer", body={"prefix": probe, "peers": ["nobody"]})
        api.fails("bgp_announce", 400, "invalid-community",
                  body={"prefix": probe, "communities": ["65000:70000"]})
        api.fails("bgp_announce", 400, "invalid-large-community",
                  body={"prefix": probe, "large_communities": ["65000:1"]}, check_request=False)
        api.fails("bgp_announce", 422, "invalid-prepend", body={"prefix": probe, "prepend": 11},
                  check_request=False)
        api.fails("bgp_announce", 400, "non-canonical-prefix", body={"prefix": "192.0.2.1/24"})
        api.fails("bgp_announce", 400, "invalid-prefix-length",
                  body={"prefixes": [probe, "192.0.2.0/33"]})
        api.fails("bgp_announce", 400, "invalid-request",
                  body={"prefix": probe, "prefixes": [probe]}, check_request=False)
        api.fails("bgp_announce", 400, "invalid-request", body={}, check_request=False)
        api.fails("bgp_announce", 400, "invalid-request", body={"prefixes": []})
        api.fails("bgp_announce", 400, "invalid-request", body={"prefix": probe, "peer": BGP_PEER},
                  check_request=False)
        api.fails("bgp_announce", 400, "invalid-json", raw=b"{not json")
        self.assertEqual(api.ok("bgp_list_announcements")["announcements"], listed)

        # Withdraw: one, again (no change), then the bulk.
        out = api.ok("bgp_withdraw", body={"prefix": one})
        self.assertEqual((out["withdrawn"], out["changed"], out["count"]), (one, True, 1))
        out = api.ok("bgp_withdraw", body={"prefix": one})
        self.assertEqual((out["withdrawn"], out["changed"], out["count"]), (one, False, 0))
        out = api.ok("bgp_withdraw", body={"prefixes": bulk + [probe]})
        self.assertEqual((out["changed"], out["count"]), (True, 2))
        self.assertNotIn("withdrawn", out)
        api.fails("bgp_withdraw", 403, "not-delegated-admin", account=MGMT, body={"prefix": one})
        api.fails("bgp_withdraw", 400, "invalid-prefix-length", body={"prefix": "192.0.2.0/33"})
        api.fails("bgp_withdraw", 400, "invalid-request", body={}, check_request=False)
        self.assertEqual(api.ok("bgp_list_announcements")["announcements"], [])

    def rpki(self):
        api = self.api
        # Wait for the JSON and SLURM files; the RTR cache never answers.
        deadline = time.time() + 20
        while True:
            status = api.ok("rpki_status", account=MGMT)
            by_name = {s["name"]: s for s in status["sources"]}
            if (status["state"] == "ok" and by_name[RPKI_JSON]["state"] == "ok"
                    and by_name["slurm"]["state"] == "ok" and status["vrps"] == 4):
                break
            if time.time() > deadline:
                self.fail(f"rpki never became ok: {status}")
            time.sleep(0.1)
        self.assertEqual([(s["name"], s["kind"]) for s in status["sources"]],
                         [(RPKI_RTR, "rtr"), (RPKI_JSON, "json"), ("slurm", "slurm")])
        self.assertEqual(status["slurm"], {"filtered": 1, "added": 1})
        self.assertGreater(status["table_version"], 0)
        self.assertGreater(status["table_bytes"], 0)
        self.assertIsNotNone(status["published"])
        rtr, js, slurm = status["sources"]
        self.assertEqual(rtr["location"], f"127.0.0.1:{self.rtr_port}")
        self.assertEqual((rtr["session_id"], rtr["serial"], rtr["version"], rtr["selected"],
                          rtr["last_update"], rtr["last_update_age_seconds"], rtr["vrps_v4"],
                          rtr["vrps_v6"]),
                         (None, None, None, False, None, None, 0, 0))
        self.assertNotEqual(rtr["state"], "Established")
        self.assertEqual(js["location"], os.path.join(self.workdir, "vrps.json"))
        self.assertEqual((js["session_id"], js["serial"], js["version"], js["selected"],
                          js["vrps_v4"], js["vrps_v6"], js["stale"], js["last_error"]),
                         (None, None, None, None, 3, 1, False, ""))
        self.assertIsNotNone(js["last_update"])
        self.assertGreaterEqual(js["last_update_age_seconds"], 0)
        self.assertEqual((slurm["vrps_v4"], slurm["vrps_v6"], slurm["stale"]), (1, 0, False))
        self.assertEqual(len(api.ok("rpki_status")["sources"]), 3)  # the delegated admin
        metrics = api.ok("metrics", account=None)
        self.assertRegex(metrics, r"(?m)^byoipd_rpki_vrps 4$")
        self.assertRegex(metrics, rf'(?m)^byoipd_rpki_source_up\{{source="{RPKI_JSON}"\}} 1$')
        self.assertRegex(metrics, rf'(?m)^byoipd_rpki_source_up\{{source="{RPKI_RTR}"\}} 0$')

        def validate(prefix, origin, account=NET):
            return api.ok("rpki_validate", account=account,
                          query={"prefix": prefix, "origin_as": origin})

        def covering(out):
            return [(c["prefix"], c["max_length"], c["asn"], c["source"], c["verdict"])
                    for c in out["covering"]]

        one = "203.0.113.0/24"
        out = validate(one, "64512", account=MGMT)
        self.assertEqual((out["prefix"], out["origin_as"], out["state"], out["rpki_state"]),
                         (one, 64512, "valid", "ok"))
        self.assertEqual(covering(out), [(one, 24, 64512, RPKI_JSON, "matched")])
        self.assertEqual(validate(one, "AS64512")["state"], "valid")
        self.assertEqual(validate(one, "0.64512")["origin_as"], 64512)  # asdot
        out = validate("2001:db8:100::/48", "64512")
        self.assertEqual((out["state"], covering(out)),
                         ("valid", [("2001:db8:100::/48", 48, 64512, RPKI_JSON, "matched")]))
        # Invalid: another origin, a prefix longer than maxLength, AS0, no origin.
        out = validate(one, "64513")
        self.assertEqual((out["state"], covering(out)),
                         ("invalid", [(one, 24, 64512, RPKI_JSON, "other-origin")]))
        out = validate("203.0.113.128/25", "64512")
        self.assertEqual((out["state"], covering(out)),
                         ("invalid", [(one, 24, 64512, RPKI_JSON, "max-length-exceeded")]))
        out = validate("192.0.2.0/24", "64512")
        self.assertEqual((out["state"], covering(out)),
                         ("invalid", [("192.0.2.0/24", 24, 0, RPKI_JSON, "as0")]))
        out = validate(one, "none")
        self.assertEqual((out["origin_as"], out["state"], covering(out)),
                         (None, "invalid", [(one, 24, 64512, RPKI_JSON, "no-origin")]))
        # Not found: nothing covers it (the filtered VRP is gone).
        for prefix, origin in [("100.64.0.0/24", "64512"), ("10.99.0.0/16", "64999"),
                               ("2001:db8:200::/48", "none")]:
            out = validate(prefix, origin)
            self.assertEqual((out["state"], out["covering"]), ("not-found", []), prefix)
        # A SLURM assertion names its source "slurm".
        out = validate("198.51.100.0/24", "AS64496")
        self.assertEqual((out["state"], covering(out)),
                         ("valid", [("198.51.100.0/24", 24, 64496, "slurm", "matched")]))

        # Refusals.
        q = {"prefix": one, "origin_as": "64512"}
        api.fails("rpki_status", 403, "not-delegated-admin", account=PAY)
        api.fails("rpki_validate", 403, "not-delegated-admin", account=DEV, query=q)
        api.fails("rpki_validate", 400, "invalid-request", check_request=False)
        api.fails("rpki_validate", 400, "invalid-request", query={"prefix": one},
                  check_request=False)
        api.fails("rpki_validate", 400, "invalid-request", query={"origin_as": "64512"},
                  check_request=False)
        for prefix, code in [("203.0.113.0", "invalid-prefix"),
                             ("203.0.113.1/24", "non-canonical-prefix"),
                             ("203.0.113.0/33", "invalid-prefix-length"),
                             ("203.0.113.300/24", "invalid-ip-address")]:
            api.fails("rpki_validate", 400, code, query={"prefix": prefix, "origin_as": "64512"})
        for origin in ("AS-1", "4294967296", "nope", "064512", "NONE"):
            api.fails("rpki_validate", 400, "invalid-asn",
                      query={"prefix": one, "origin_as": origin}, check_request=False)

        # Routes carry their RPKI state: this speaker has no routes (its peer
        # never comes up), so check what the Route schema accepts.
        self.assertEqual(api.ok("bgp_routes", account=MGMT)["routes"], [])
        route = {"prefix": one, "peer": BGP_PEER, "origin_as": 64512, "origin_set": [],
                 "as_path": "64512", "next_hop": "192.0.2.1", "origin": "igp", "med": None,
                 "local_pref": None, "communities": [], "large_communities": [], "stale": False}
        schema = {"$ref": "#/components/schemas/Route"}
        for state in ("valid", "invalid", "not-found", None):
            self.assertEqual(api.validator.errors(schema, dict(route, rpki=state)), [], state)
        self.assertNotEqual(api.validator.errors(schema, dict(route, rpki="unknown")), [])
        self.assertNotEqual(api.validator.errors(schema, route), [], "rpki is required")

    def bgp_not_configured(self):
        """A daemon without a bgp or rpki section: live BGP state and RPKI
        state are 409, the stored announcements still answer."""
        workdir = os.path.join(self.workdir, "no-bgp")
        os.makedirs(workdir)
        plain = Daemon(workdir)
        self.daemons.append(plain)
        plain.start()
        api = Api(self, plain, self.spec)
        api.fails("bgp_peers", 409, "bgp-not-configured", account=MGMT)
        api.fails("bgp_routes", 409, "bgp-not-configured", account=MGMT)
        api.fails("bgp_peers", 403, "not-delegated-admin", account=NET)  # no admin delegated there
        # ...and without an rpki section, RPKI state is 409 too.
        api.fails("rpki_status", 409, "rpki-not-configured", account=MGMT)
        api.fails("rpki_validate", 409, "rpki-not-configured", account=MGMT,
                  query={"prefix": "203.0.113.0/24", "origin_as": "64512"})
        api.fails("rpki_status", 403, "not-delegated-admin", account=NET)
        self.assertEqual(api.ok("bgp_list_announcements", account=MGMT)["announcements"], [])
        plain.stop()

    def unknown_fields_are_refused(self, ids):
        """Every body whose schema says additionalProperties: false is refused
        with 400 when it carries an unknown field (and nothing changes)."""
        api = self.api
        resource = {"id": "vpc-probe", "region": "eu-west-1", "tags": LAB_TAGS}
        cases = {
            "delegate_admin": ({}, {"account_id": NET}, MGMT),
            "create_ipam": ({}, {"home_region": "eu-west-1"}, NET),
            "modify_ipam": ({"ipam_id": ids["ipam"]}, {"description": "x"}, NET),
            "create_scope": ({"ipam_id": ids["ipam"]}, {"description": "x"}, NET),
            "create_pool": ({}, {"scope_id": ids["private"]}, NET),
            "modify_pool": ({"pool_id": ids["leaf"]}, {"description": "x"}, NET),
            "provision_cidr": ({"pool_id": ids["other"]}, {"cidr": "192.168.0.0/24"}, NET),
            "allocate": ({"pool_id": ids["leaf"]}, {"netmask_length": 26}, NET),
            "preview_allocation": ({"pool_id": ids["leaf"]}, {"netmask_length": 26}, NET),
            "register_resource": ({"scope_id": ids["private"]},
                                  {"resource": resource, "cidr": "172.18.0.0/16"}, NET),
            "import_resource": ({"pool_id": ids["top"]},
                                {"resource": resource, "cidr": "10.0.201.0/24"}, NET),
            "set_resource_ignored": ({"scope_id": ids["private"]},
                                     {"resource_id": "vpc-pay", "cidr": "10.0.1.0/24",
                                      "ignored": True}, NET),
            "create_share": ({}, {"name": "probe"}, NET),
            "associate_share_pool": ({"share_id": "rs-probe"}, {"pool_id": ids["leaf"]}, NET),
            "associate_share_principal": ({"share_id": "rs-probe"}, {"principal": PAY}, NET),
            "bgp_announce": ({}, {"prefix": "192.0.2.0/24"}, NET),
            "bgp_withdraw": ({}, {"prefix": "192.0.2.0/24"}, NET),
        }
        v = api.validator
        with_bodies = {op for op, (_, _, operation, _) in api.ops.items()
                       if "requestBody" in operation}
        strict = {op for op in with_bodies
                  if v.deref(api.ops[op][2]["requestBody"]["content"]["application/json"]
                             ["schema"]).get("additionalProperties") is False}
        self.assertEqual(set(cases), strict, "a probe for every strict request body")
        for op, (path, body, account) in sorted(cases.items()):
            api.check_request_body(op, body)  # the probe is valid but for the unknown field
            error = api.fails(op, 400, "invalid-request", account=account, path=path,
                              body=dict(body, zz_unknown=1), check_request=False)
            self.assertIn("zz_unknown", error["message"], op)
        # ...and so is an unknown field inside a resource.
        error = api.fails("allocate", 400, "invalid-request", path={"pool_id": ids["leaf"]},
                          body={"resource": dict(resource, colour="red")}, check_request=False)
        self.assertIn("colour", error["message"])

    def deletes(self, ids):
        api = self.api
        other = api.ok("create_pool", body={"scope_id": ids["extra"]})["pool"]["id"]
        api.ok("provision_cidr", path={"pool_id": other}, body={"cidr": "10.0.0.0/16"})
        api.fails("delete_scope", 409, "deletion-protected", path={"scope_id": ids["extra"]})
        gone = api.ok("deprovision_cidr", path={"pool_id": other},
                      query={"cidr": "10.0.0.0/16"})["pool_cidr"]
        self.assertEqual(gone["state"], "deprovisioned")
        api.fails("deprovision_cidr", 404, "cidr-not-provisioned", path={"pool_id": other},
                  query={"cidr": "10.1.0.0/16"})
        api.fails("deprovision_cidr", 400, "invalid-request", path={"pool_id": other},
                  check_request=False)
        api.fails("deprovision_cidr", 409, "deletion-protected", path={"pool_id": ids["leaf"]},
                  query={"cidr": "10.0.0.0/20"})
        self.assertEqual(api.ok("delete_pool", path={"pool_id": other})["deleted"], other)
        self.assertEqual(api.ok("delete_scope", path={"scope_id": ids["extra"]})["deleted"],
                         ids["extra"])
        api.fails("delete_scope", 404, "scope-not-found", path={"scope_id": ids["extra"]})
        api.fails("delete_ipam", 409, "deletion-protected", path={"ipam_id": ids["free"]})
        api.ok("delete_ipam", path={"ipam_id": ids["free"]}, query={"cascade": "true"})
        api.ok("delete_ipam", path={"ipam_id": ids["ipam"]}, query={"cascade": "true"})
        api.fails("delete_ipam", 404, "ipam-not-found", path={"ipam_id": ids["ipam"]})
        self.assertEqual(api.ok("list_ipams")["ipams"], [])

    # -- errors that belong to the transport or to every operation --

    def test_every_v1_operation_needs_a_token(self):
        api = self.api
        dummy = {"ipam_id": NO_IPAM, "scope_id": NO_SCOPE, "pool_id": NO_POOL,
                 "allocation_id": NO_ALLOC, "share_id": NO_SHARE, "resource_id": "vpc-x",
                 "principal": PAY}
        for op, (_, template, _, _) in sorted(api.ops.items()):
            if not template.startswith("/v1/"):
                continue
            path = {n: dummy[n] for n in re.findall(r"\{([a-z_]+)\}", template)}
            for token in ("", "not-a-token"):
                reply = api.call(op, token=token, path=path, check_request=False)
                self.assertEqual(reply.status, 401, f"{op} with token {token!r}: {reply.text}")
                self.assertEqual(reply.json["error"]["code"], "unauthenticated")

    def test_wrong_method_and_unknown_route(self):
        api = self.api
        served = [(m, re.compile(re.sub(r"\{[a-z_]+\}", "[^/]+", p) + "$"))
                  for m, p, _, _ in api.ops.values()]
        for path, item in self.spec["paths"].items():
            if not path.startswith("/v1/"):
                continue
            target = re.sub(r"\{[a-z_]+\}", "x", path)
            for method in ("GET", "PUT", "POST", "PATCH", "DELETE"):
                if any(m == method and pattern.match(target) for m, pattern in served):
                    continue  # another route serves it (DELETE .../allocations/preview)
                reply = api.raw(method, target)
                self.assertEqual(reply.status, 405, f"{method} {target}: {reply.text}")
                api.check_shared("MethodNotAllowed", reply)
        for target in ("/v1/nothing", "/v1/pools/x/y/z", "/v2/pools"):
            reply = api.raw("GET", target)
            self.assertEqual(reply.status, 404, f"GET {target}: {reply.text}")
            api.check_shared("NoSuchRoute", reply)
        # Routing comes before authentication.
        self.assertEqual(api.raw("PUT", "/v1/pools", account=None).status, 405)
        self.assertEqual(api.raw("GET", "/v1/nothing", account=None).status, 404)

    def test_body_over_one_mebibyte_is_413(self):
        api = self.api
        parts = urllib.parse.urlsplit(self.d.url)
        with socket.create_connection((parts.hostname, parts.port), timeout=30) as s:
            s.sendall(b"POST /v1/pools HTTP/1.1\r\nHost: byoipd\r\n"
                      b"Authorization: Bearer " + TOKENS[NET].encode() + b"\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 2000000\r\n\r\n")
            resp = http.client.HTTPResponse(s)
            resp.begin()
            reply = Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()},
                          resp.read().decode())
        self.assertEqual(reply.status, 413, reply.text)
        api.check_reply("create_pool", api.ops["create_pool"][2]["responses"], reply, True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""byoipd's EC2-compatible endpoint driven by the real aws CLIs.

Two CLIs: the image's pip `aws` (v1) and Debian's /usr/bin/aws (v2, which
lacks the BYOASN commands). Each runs as a subprocess against a byoipd on
loopback with --endpoint-url, with credentials from the environment only (the
CLI config and credentials files are empty temp files). A CLI that is absent
is skipped, saying why. Set-up that is not the point of a case goes through
/v1 (fast); what a case proves goes through the CLI. Independent CLI calls
run concurrently (AwsCliTest.at_once): CLI start-up dominates the run time,
and the daemon then has several requests, changes and refusals in flight.

BYOIP/BYOASN authorization contexts are made with the openssl CLI exactly as
the AWS documentation shows, against a self-signed certificate that the
config's aws.rdap section names as published in RDAP.
"""
import concurrent.futures
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import DEV, MGMT, NET, OUS, PAY, Daemon, DaemonTest, main  # noqa: E402

REGION = "eu-west-1"
KEYS = {  # account -> (access key id, secret)
    MGMT: ("AKIAMGMTEXAMPLE00001", "mgmt-secret-0123456789abcdef"),
    NET: ("AKIANETEXAMPLE000002", "net-secret-0123456789abcdef"),
    PAY: ("AKIAPAYEXAMPLE000003", "pay-secret-0123456789abcdef"),
    DEV: ("AKIADEVEXAMPLE000004", "dev-secret-0123456789abcdef"),
}
OUTSIDER = "999988887777"  # not in the organization
BYOIP = "203.0.113.0/24"     # provisioned with ProvisionByoipCidr
REFUSED = "198.51.100.0/24"  # the refusals
POOLED = "192.0.2.0/24"      # provisioned into a public-scope pool
ASN = "64500"


def unshim(exe, path):
    """The program a pyenv shim runs (the same aws, without pyenv's dispatch
    on every call), or `exe` itself."""
    root = os.path.dirname(os.path.dirname(exe))
    pyenv = os.path.join(root, "libexec", "pyenv")
    if os.path.basename(os.path.dirname(exe)) != "shims" or not os.access(pyenv, os.X_OK):
        return exe
    try:
        p = subprocess.run([pyenv, "which", os.path.basename(exe)], capture_output=True,
                           text=True, timeout=30, env=dict(os.environ, PATH=path, PYENV_ROOT=root))
    except (OSError, subprocess.SubprocessError):
        return exe
    real = p.stdout.strip()
    return real if p.returncode == 0 and os.access(real, os.X_OK) else exe


def find_clis():
    """[(name, path)] of the CLIs present; prints why one is skipped."""
    path = "/root/.pyenv/shims:" + os.environ.get("PATH", "")
    clis = []
    pip_aws = shutil.which("aws", path=path)
    if pip_aws and os.path.realpath(pip_aws) != os.path.realpath("/usr/bin/aws"):
        clis.append(("pip", unshim(pip_aws, path)))
    else:
        print("aws_cli_test: no pip aws CLI (aws in /root/.pyenv/shims or PATH): its cases skip",
              file=sys.stderr)
    if os.access("/usr/bin/aws", os.X_OK):
        clis.append(("debian", "/usr/bin/aws"))
    else:
        print("aws_cli_test: no /usr/bin/aws (Debian package awscli): its cases skip",
              file=sys.stderr)
    return clis


CLIS = dict(find_clis())


def ok(*args, **kw):
    """A call for AwsCliTest.at_once that must succeed."""
    return (None, args, kw)


def refused(code, *args, **kw):
    """A call for AwsCliTest.at_once that must fail with exactly `code`."""
    return (code, args, kw)


def error_code(stderr):
    """The EC2/RAM error code the CLI printed: "An error occurred (Code) when ..."."""
    m = re.search(r"An error occurred \(([A-Za-z0-9.]+)\)", stderr)
    return m.group(1) if m else None


def expiry(days):
    return (datetime.datetime.now(datetime.timezone.utc).date()
            + datetime.timedelta(days=days)).strftime("%Y%m%d")


class Signer:
    """An RSA key and the self-signed X.509 certificate its holder published
    in RDAP; signs authorization messages as the AWS documentation shows."""

    def __init__(self, workdir):
        self.key = os.path.join(workdir, "key.pem")
        self.cert = os.path.join(workdir, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", self.key, "-out", self.cert, "-days", "365",
                        "-subj", "/C=US/O=Example Holder/CN=byoip.example"],
                       check=True, capture_output=True, timeout=60)

    def sign(self, message):
        p = subprocess.run(
            'printf %s "$MSG" | openssl dgst -sha256 -sigopt rsa_padding_mode:pss '
            '-sigopt rsa_pss_saltlen:-1 -sign "$KEY" | openssl base64 '
            "| tr -- '+=/' '-_~' | tr -d '\\n'",
            shell=True, env=dict(os.environ, MSG=message, KEY=self.key),
            check=True, capture_output=True, text=True, timeout=30)
        if len(p.stdout) < 300:  # an RSA-2048 signature is 344 characters
            raise RuntimeError(f"openssl did not sign {message!r}: {p.stderr}")
        return p.stdout

    def context(self, account, resource, days=30, tamper=False):
        """"Message=...,Signature=..." for the CLI's --*-authorization-context."""
        message = f"1|aws|{account}|{resource}|{expiry(days)}|SHA256|RSAPSS"
        signature = self.sign(message)
        if tamper:  # one character, still in the alphabet
            i = len(signature) // 2
            signature = signature[:i] + ("B" if signature[i] != "B" else "C") + signature[i + 1:]
        return f"Message={message},Signature={signature}"


def aws_config(signer):
    keys = "".join(f'    - {{access_key_id: {k}, secret_access_key: {s}, account: "{a}"}}\n'
                   for a, (k, s) in KEYS.items())
    rdap = "".join(f"    - {{resource: {r}, certificate: {signer.cert}}}\n"
                   for r in (BYOIP, REFUSED, POOLED, "AS" + ASN))
    return f"aws:\n  listen: 127.0.0.1:0\n  access_keys:\n{keys}  rdap:\n{rdap}"


class AwsCliTest(DaemonTest):
    @classmethod
    def setUpClass(cls):
        cls.classdir = tempfile.mkdtemp(prefix="byoipd-aws-")
        cls.signer = Signer(cls.classdir)
        cls.empty = os.path.join(cls.classdir, "empty")
        open(cls.empty, "w").close()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.classdir, ignore_errors=True)

    def start_daemon(self):
        d = Daemon(self.workdir, aws_config(self.signer))
        self.daemons.append(d)
        d.start(expect_aws_listener=True)
        self.d = d
        return d

    def cli(self, name):
        if name not in CLIS:
            self.skipTest(f"the {name} aws CLI is not installed")
        return CLIS[name]

    def aws(self, *args, account=NET, cli="pip", region=REGION, output="json", key=None):
        """Runs `aws <args> --endpoint-url ...`; (exit code, parsed output, stderr)."""
        key_id, secret = key or KEYS[account]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION=region, AWS_CONFIG_FILE=self.empty,
                   AWS_SHARED_CREDENTIALS_FILE=self.empty, AWS_EC2_METADATA_DISABLED="true",
                   AWS_PAGER="")
        env["PATH"] = "/root/.pyenv/shims:" + env.get("PATH", "/usr/bin:/bin")
        cmd = [self.cli(cli), *args, "--endpoint-url", "http://" + self.d.aws_listen,
               "--output", output]
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        out = p.stdout
        if p.returncode == 0 and output == "json" and out.strip():
            out = json.loads(out)
        elif output == "text":
            out = out.strip()
        return p.returncode, out, p.stderr

    def at_once(self, *calls):
        """Runs independent calls concurrently (CLI start-up dominates) and
        checks each: exit 0, or exactly its EC2/RAM error code. Returns each
        call's parsed output, or for a refusal its stderr, in order."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=min(6, len(calls))) as pool:
            results = list(pool.map(lambda c: self.aws(*c[1], **c[2]), calls))
        if self.d.proc.poll() is not None:
            self.fail(f"byoipd exited with {self.d.proc.returncode}: {self.d.log()[-3000:]}")
        outs = []
        for (code, args, _), (rc, out, err) in zip(calls, results):
            what = "aws " + " ".join(args)
            if code is None:
                self.assertEqual(rc, 0, f"{what}: {err}")
                outs.append(out)
            else:
                self.assertNotEqual(rc, 0, f"{what} succeeded: {out}")
                self.assertEqual(error_code(err), code, f"{what}: {err}")
                outs.append(err)
        return outs

    def ok(self, *args, **kw):
        return self.at_once(ok(*args, **kw))[0]

    def refused(self, code, *args, **kw):
        """The call fails with exactly this EC2/RAM error code; its stderr."""
        return self.at_once(refused(code, *args, **kw))[0]

    # ---- set-up through /v1 -------------------------------------------------

    def tree(self, tier="advanced", region=REGION, top_cidr="10.0.0.0/16", leaf_netmask=20,
             leaf_tags=None):
        """Delegated admin NET, an IPAM, a top pool with top_cidr and a leaf
        pool (locale `region`, /20 to /26, default /24) with a /leaf_netmask
        (no leaf without one)."""
        d = self.d
        d.ok("POST", "/v1/organization/delegated-admin", MGMT, {"account_id": NET})
        ipam = d.ok("POST", "/v1/ipams", NET, {"home_region": region,
                                               "operating_regions": [region],
                                               "tier": tier})["ipam"]
        scope = ipam["private_default_scope_id"]
        top = d.ok("POST", "/v1/pools", NET, {"scope_id": scope})["pool"]["id"]
        d.ok("POST", f"/v1/pools/{top}/cidrs", NET, {"cidr": top_cidr})
        leaf = self.leaf(scope, top, region, leaf_netmask, leaf_tags) if leaf_netmask else None
        return ipam, scope, top, leaf

    def leaf(self, scope, source, region=REGION, netmask=20, tags=None):
        body = {"scope_id": scope, "source_pool_id": source, "locale": region,
                "allocation_default_netmask_length": 24, "allocation_min_netmask_length": 20,
                "allocation_max_netmask_length": 26}
        if tags:
            body["allocation_resource_tags"] = tags
        pool = self.d.ok("POST", "/v1/pools", NET, body)["pool"]["id"]
        self.d.ok("POST", f"/v1/pools/{pool}/cidrs", NET, {"netmask_length": netmask})
        return pool

    # ---- 1. the guide's hands-on lab ---------------------------------------

    def run_lab(self, cli):
        """Steps 2-7 and the teardown, as the guide writes them."""
        self.cli(cli)
        self.start_daemon()
        run = lambda *a, **kw: self.ok(*a, cli=cli, **kw)  # noqa: E731
        run("ec2", "enable-ipam-organization-admin-account",
            "--delegated-admin-account-id", NET, account=MGMT)
        # Step 2.
        ipam = run("ec2", "create-ipam", "--operating-regions", f"RegionName={REGION}",
                   "--query", "Ipam.IpamId", output="text")
        scope = run("ec2", "describe-ipams", "--ipam-ids", ipam,
                    "--query", "Ipams[0].PrivateDefaultScopeId", output="text")
        self.assertRegex(ipam, r"^ipam-[0-9a-f]{17}$")
        self.assertRegex(scope, r"^ipam-scope-[0-9a-f]{17}$")
        # Step 3.
        top = run("ec2", "create-ipam-pool", "--ipam-scope-id", scope, "--address-family", "ipv4",
                  "--query", "IpamPool.IpamPoolId", output="text")
        self.assertRegex(top, r"^ipam-pool-[0-9a-f]{17}$")
        out = run("ec2", "provision-ipam-pool-cidr", "--ipam-pool-id", top, "--cidr", "10.0.0.0/16")
        self.assertEqual(out["IpamPoolCidr"]["Cidr"], "10.0.0.0/16")
        # Step 4.
        leaf = run("ec2", "create-ipam-pool", "--ipam-scope-id", scope,
                   "--address-family", "ipv4", "--source-ipam-pool-id", top, "--locale", REGION,
                   "--allocation-default-netmask-length", "24",
                   "--allocation-min-netmask-length", "20",
                   "--allocation-max-netmask-length", "26",
                   "--allocation-resource-tags", "Key=Environment,Value=lab",
                   "--query", "IpamPool.IpamPoolId", output="text")
        self.assertRegex(leaf, r"^ipam-pool-[0-9a-f]{17}$")
        self.assertNotEqual(leaf, top)
        out = run("ec2", "provision-ipam-pool-cidr", "--ipam-pool-id", leaf, "--netmask-length", "20")
        leaf_cidr = out["IpamPoolCidr"]["Cidr"]
        self.assertEqual(leaf_cidr, "10.0.0.0/20")
        state = run("ec2", "get-ipam-pool-cidrs", "--ipam-pool-id", leaf,
                    "--query", "IpamPoolCidrs[].State", output="text")
        self.assertEqual(state, "provisioned")
        # Step 5.
        tags = ["--tag-specifications", "ResourceType=vpc,Tags=[{Key=Environment,Value=lab}]"]
        vpc = run("ec2", "create-vpc", "--ipv4-ipam-pool-id", leaf, "--ipv4-netmask-length", "24",
                  *tags, "--query", "Vpc.{Id:VpcId,Cidr:CidrBlock}")
        self.assertEqual(vpc["Cidr"], "10.0.0.0/24")
        self.assertRegex(vpc["Id"], r"^vpc-[0-9a-f]{17}$")
        # Step 6: each must fail, each for its own rule; step 7 alongside.
        create = ["ec2", "create-vpc", "--ipv4-ipam-pool-id", leaf]
        *errs, allocs = self.at_once(
            refused("InvalidParameterValue", *create, "--ipv4-netmask-length", "24", cli=cli),
            refused("InvalidParameterValue", *create, "--ipv4-netmask-length", "19", *tags, cli=cli),
            refused("InvalidParameterValue", *create, "--ipv4-netmask-length", "27", *tags, cli=cli),
            ok("ec2", "get-ipam-pool-allocations", "--ipam-pool-id", leaf, "--query",
               "IpamPoolAllocations[].{Cidr:Cidr,Type:ResourceType,Owner:ResourceOwner}", cli=cli))
        for err, rule in zip(errs, ["missing one or more of the resource tags",
                                    "allocation_min_netmask_length", "allocation_max_netmask_length"]):
            self.assertIn(rule, err)
        self.assertEqual(allocs, [{"Cidr": "10.0.0.0/24", "Type": "vpc", "Owner": NET}])
        # Teardown, bottom-up.
        self.assertEqual(run("ec2", "delete-vpc", "--vpc-id", vpc["Id"]), "")
        out = run("ec2", "deprovision-ipam-pool-cidr", "--ipam-pool-id", leaf, "--cidr", leaf_cidr)
        self.assertEqual(out["IpamPoolCidr"]["State"], "deprovisioned")
        out = run("ec2", "delete-ipam-pool", "--ipam-pool-id", leaf)
        self.assertEqual(out["IpamPool"]["IpamPoolId"], leaf)
        out = run("ec2", "deprovision-ipam-pool-cidr", "--ipam-pool-id", top, "--cidr", "10.0.0.0/16")
        self.assertEqual(out["IpamPoolCidr"]["State"], "deprovisioned")
        run("ec2", "delete-ipam-pool", "--ipam-pool-id", top)
        out = run("ec2", "delete-ipam", "--ipam-id", ipam)
        self.assertEqual(out["Ipam"]["IpamId"], ipam)
        self.assertEqual(self.d.ok("GET", "/v1/ipams", NET)["ipams"], [])

    def test_1_lab_pip_cli(self):
        self.run_lab("pip")

    def test_1_lab_debian_cli(self):
        self.run_lab("debian")

    # ---- 2, 3. deletion protection and an exhausted pool -------------------

    def test_2_deletion_protection(self):
        self.cli("pip")
        self.start_daemon()
        ipam, scope, top, leaf = self.tree(leaf_tags={"Environment": "lab"})
        vpc = self.ok("ec2", "create-vpc", "--ipv4-ipam-pool-id", leaf, "--ipv4-netmask-length", "24",
                      "--tag-specifications", "ResourceType=vpc,Tags=[{Key=Environment,Value=lab}]")
        vpc = vpc["Vpc"]["VpcId"]
        errs = self.at_once(
            refused("DependencyViolation", "ec2", "delete-ipam-pool", "--ipam-pool-id", top),
            refused("DependencyViolation", "ec2", "delete-ipam-pool", "--ipam-pool-id", leaf),
            refused("DependencyViolation", "ec2", "deprovision-ipam-pool-cidr",
                    "--ipam-pool-id", leaf, "--cidr", "10.0.0.0/20"),
            refused("DependencyViolation", "ec2", "delete-ipam", "--ipam-id", ipam["id"]))
        for err, blocker in zip(errs, ["10.0.0.0/16", "10.0.0.0/20", vpc, top]):
            self.assertIn(blocker, err)
        # Nothing changed.
        out = self.ok("ec2", "get-ipam-pool-cidrs", "--ipam-pool-id", leaf)
        self.assertEqual([(c["Cidr"], c["State"]) for c in out["IpamPoolCidrs"]],
                         [("10.0.0.0/20", "provisioned")])

    def test_3_insufficient_space(self):
        self.cli("pip")
        self.start_daemon()
        ipam, scope, top, leaf = self.tree(leaf_netmask=22)
        alloc = ["ec2", "allocate-ipam-pool-cidr", "--ipam-pool-id", leaf, "--netmask-length", "23"]
        got = self.at_once(ok(*alloc), ok(*alloc))
        self.assertEqual(sorted(a["IpamPoolAllocation"]["Cidr"] for a in got),
                         ["10.0.0.0/23", "10.0.2.0/23"])
        errs = self.at_once(
            refused("InvalidParameterValue", "ec2", "create-vpc", "--ipv4-ipam-pool-id", leaf,
                    "--ipv4-netmask-length", "26"),
            refused("InvalidParameterValue", "ec2", "allocate-ipam-pool-cidr",
                    "--ipam-pool-id", leaf, "--netmask-length", "24"))
        for err in errs:
            self.assertIn("The allocation size is too big for the pool.", err)

    # ---- 4. the real-world scenario: overlap discovery, then renumbering ---

    def test_4_overlap_report_and_renumbering(self):
        self.cli("pip")
        d = self.start_daemon()
        r = "us-east-1"
        # The guide's tree: 10.0.0.0/8, a us-east-1 /12 that imports what it holds.
        ipam, scope, top, _ = self.tree(region=r, top_cidr="10.0.0.0/8", leaf_netmask=None)
        regional = d.ok("POST", "/v1/pools", NET, {"scope_id": scope, "source_pool_id": top,
                                                   "locale": r, "auto_import": True})["pool"]["id"]
        d.ok("POST", f"/v1/pools/{regional}/cidrs", NET, {"cidr": "10.0.0.0/12"})
        # Three teams landed VPCs on 10.10.0.0/16, the test tier first (so
        # its VPC is the one the pool imports).
        vpcs = {}
        for acct in (DEV, PAY, NET):
            vpcs[acct] = self.ok("ec2", "create-vpc", "--cidr-block", "10.10.0.0/16",
                                 account=acct, region=r)["Vpc"]["VpcId"]
        report = ok("ec2", "get-ipam-resource-cidrs", "--ipam-scope-id", scope,
                    "--filters", "Name=overlap-status,Values=overlapping", "--query",
                    "IpamResourceCidrs[].{Vpc:ResourceId,Cidr:ResourceCidr,Acct:ResourceOwnerId}",
                    region=r)
        rows = lambda out: sorted((o["Acct"], o["Vpc"], o["Cidr"]) for o in out)  # noqa: E731
        expect = lambda: sorted((a, v, "10.10.0.0/16") for a, v in vpcs.items())  # noqa: E731
        self.assertEqual(rows(self.at_once(report)[0]), expect())
        # Renumber the test-tier collider: delete it (releasing the pool's
        # import), draw a /20 for it from the pool.
        self.ok("ec2", "delete-vpc", "--vpc-id", vpcs.pop(DEV), account=DEV, region=r)
        drawn = self.ok("ec2", "create-vpc", "--ipv4-ipam-pool-id", regional,
                        "--ipv4-netmask-length", "20", region=r)["Vpc"]
        self.assertEqual(drawn["CidrBlock"], "10.0.0.0/20")
        # New VPCs from the pool never land on the survivors' space, not
        # even asked for by address; the survivors stay in the report.
        out, _, resources = self.at_once(
            report,
            refused("InvalidParameterValue", "ec2", "create-vpc", "--ipv4-ipam-pool-id", regional,
                    "--cidr-block", "10.10.0.0/20", region=r),
            ok("ec2", "get-ipam-resource-cidrs", "--ipam-scope-id", scope, region=r))
        self.assertEqual(rows(out), expect())
        states = sorted((c["ResourceId"], c["ResourceCidr"], c["OverlapStatus"], c["ManagementState"])
                        for c in resources["IpamResourceCidrs"])
        self.assertIn((drawn["VpcId"], "10.0.0.0/20", "nonoverlapping", "managed"), states)
        self.assertEqual(sorted(s[3] for s in states if s[1] == "10.10.0.0/16"),
                         ["managed", "unmanaged"])

    # ---- 5. RAM sharing ------------------------------------------------------

    def test_5_ram_sharing(self):
        self.cli("pip")
        self.start_daemon()
        ipam, scope, top, shared = self.tree()
        unshared = self.leaf(scope, top)
        arn = self.ok("ec2", "describe-ipam-pools", "--ipam-pool-ids", shared,
                      "--query", "IpamPools[0].IpamPoolArn", output="text")
        self.assertEqual(arn, f"arn:aws:ec2::{NET}:ipam-pool/{shared}")
        share = self.ok("ram", "create-resource-share", "--name", "lab-leaf",
                        "--resource-arns", arn, "--principals", PAY,
                        "--no-allow-external-principals")["resourceShare"]
        self.assertIs(share["allowExternalPrincipals"], False)
        self.assertEqual(share["owningAccountId"], NET)
        share_arn = share["resourceShareArn"]
        member_pools = ok("ec2", "describe-ipam-pools", "--query", "IpamPools[].IpamPoolId",
                          account=PAY)
        create = ["ec2", "create-vpc", "--ipv4-netmask-length", "24", "--ipv4-ipam-pool-id"]
        shares = lambda owner, account: ok("ram", "get-resource-shares",  # noqa: E731
                                           "--resource-owner", owner, account=account)
        assoc = lambda kind: ok("ram", "get-resource-share-associations",  # noqa: E731
                                "--association-type", kind, "--resource-share-arns", share_arn)
        (pools, vpc, _, self_net, other_pay, other_net, other_dev, principals, resources,
         external) = self.at_once(
            member_pools, ok(*create, shared, account=PAY),
            refused("UnauthorizedOperation", *create, unshared, account=PAY),
            shares("SELF", NET), shares("OTHER-ACCOUNTS", PAY), shares("OTHER-ACCOUNTS", NET),
            shares("OTHER-ACCOUNTS", DEV), assoc("PRINCIPAL"), assoc("RESOURCE"),
            # External principals are refused while allowExternalPrincipals is false.
            refused("OperationNotPermittedException", "ram", "associate-resource-share",
                    "--resource-share-arn", share_arn, "--principals", OUTSIDER))
        # The member sees only the shared pool and draws from it alone.
        self.assertEqual(pools, [shared])
        self.assertEqual((vpc["Vpc"]["OwnerId"], vpc["Vpc"]["CidrBlock"]), (PAY, "10.0.0.0/24"))
        arns = lambda out: [s["resourceShareArn"] for s in out["resourceShares"]]  # noqa: E731
        self.assertEqual(arns(self_net), [share_arn])
        self.assertEqual(arns(other_pay), [share_arn])
        self.assertEqual(arns(other_net) + arns(other_dev), [])
        self.assertEqual([(a["associatedEntity"], a["status"])
                          for a in principals["resourceShareAssociations"]], [(PAY, "ASSOCIATED")])
        self.assertEqual([a["associatedEntity"] for a in resources["resourceShareAssociations"]],
                         [arn])
        self.assertIn(OUTSIDER, external)
        # Disassociating the member takes its access away; an OU principal
        # gives it to the OU's accounts.
        out = self.ok("ram", "disassociate-resource-share", "--resource-share-arn", share_arn,
                      "--principals", PAY)["resourceShareAssociations"]
        self.assertEqual([(a["associatedEntity"], a["status"]) for a in out],
                         [(PAY, "DISASSOCIATED")])
        dev_ou = f"arn:aws:organizations::{MGMT}:ou/o-testorg/{OUS[DEV]}"
        self.ok("ram", "associate-resource-share", "--resource-share-arn", share_arn,
                "--principals", dev_ou)
        pay_pools, _, dev_pools, principals = self.at_once(
            member_pools, refused("UnauthorizedOperation", *create, shared, account=PAY),
            ok("ec2", "describe-ipam-pools", "--query", "IpamPools[].IpamPoolId", account=DEV),
            assoc("PRINCIPAL"))
        self.assertEqual(pay_pools, [])
        self.assertEqual(dev_pools, [shared])
        self.assertEqual([a["associatedEntity"] for a in principals["resourceShareAssociations"]],
                         [dev_ou])
        out = self.ok("ram", "delete-resource-share", "--resource-share-arn", share_arn)
        self.assertIs(out["returnValue"], True)
        mine, dev_pools = self.at_once(
            shares("SELF", NET),
            ok("ec2", "describe-ipam-pools", "--query", "IpamPools[].IpamPoolId", account=DEV))
        self.assertEqual((arns(mine), dev_pools), ([], []))

    # ---- 6. BYOIP and BYOASN -------------------------------------------------

    def refusals(self):
        """(context, the reason the status message must name) for REFUSED."""
        s = self.signer
        return [(s.context(PAY, REFUSED), "auth-wrong-account"),
                (s.context(NET, BYOIP), "auth-wrong-cidr"),
                (s.context(NET, REFUSED, days=-1), "auth-expired"),
                (s.context(NET, REFUSED, tamper=True), "auth-bad-signature")]

    def test_6_byoip_cidr(self):
        self.cli("pip")
        self.start_daemon()
        provision = ["ec2", "provision-byoip-cidr", "--cidr-authorization-context"]
        cases = self.refusals()
        outs = self.at_once(*[ok(*provision, ctx, "--cidr", REFUSED) for ctx, _ in cases])
        for out, (_, reason) in zip(outs, cases):
            with self.subTest(reason):
                self.assertEqual(out["ByoipCidr"]["State"], "failed-provision")
                self.assertIn(reason, out["ByoipCidr"].get("StatusMessage", ""))
        out = self.ok(*provision, self.signer.context(NET, BYOIP), "--cidr", BYOIP)["ByoipCidr"]
        self.assertEqual((out["Cidr"], out["State"]), (BYOIP, "provisioned"))
        listed, err = self.at_once(
            ok("ec2", "describe-byoip-cidrs", "--max-results", "10"),
            refused("InvalidParameterValue", *provision,
                    self.signer.context(NET, "198.51.100.0/25"), "--cidr", "198.51.100.0/25"))
        self.assertEqual(sorted((b["Cidr"], b["State"]) for b in listed["ByoipCidrs"]),
                         [(REFUSED, "failed-provision"), (BYOIP, "provisioned")])
        self.assertIn("/24", err)

    def test_6_byoip_into_public_pool(self):
        cli = "debian" if "debian" in CLIS else "pip"
        self.cli(cli)
        self.start_daemon()
        ipam, scope, top, leaf = self.tree()
        pool = self.ok("ec2", "create-ipam-pool", "--ipam-scope-id", ipam["public_default_scope_id"],
                       "--address-family", "ipv4", "--publicly-advertisable", cli=cli)["IpamPool"]
        self.assertEqual((pool["IpamScopeType"], pool["PubliclyAdvertisable"]), ("public", True))
        provision = ["ec2", "provision-ipam-pool-cidr", "--ipam-pool-id", pool["IpamPoolId"],
                     "--cidr-authorization-context"]
        cases = self.refusals()
        outs = self.at_once(*[ok(*provision, ctx, "--cidr", REFUSED, cli=cli) for ctx, _ in cases])
        for out, (_, reason) in zip(outs, cases):
            with self.subTest(reason):
                self.assertEqual(out["IpamPoolCidr"]["State"], "failed-provision")
                self.assertIn(reason, out["IpamPoolCidr"].get("FailureReason", {}).get("Message", ""))
        out = self.ok(*provision, self.signer.context(NET, POOLED), "--cidr", POOLED,
                      cli=cli)["IpamPoolCidr"]
        self.assertEqual((out["Cidr"], out["State"]), (POOLED, "provisioned"))
        cidrs, listed, _ = self.at_once(
            ok("ec2", "get-ipam-pool-cidrs", "--ipam-pool-id", pool["IpamPoolId"], "--filters",
               "Name=state,Values=provisioned", cli=cli),
            ok("ec2", "describe-byoip-cidrs", "--max-results", "10", cli=cli),
            refused("InvalidParameterValue", *provision,
                    self.signer.context(NET, "198.51.100.0/25"), "--cidr", "198.51.100.0/25",
                    cli=cli))
        self.assertEqual([c["Cidr"] for c in cidrs["IpamPoolCidrs"]], [POOLED])
        self.assertIn((POOLED, "provisioned"), [(b["Cidr"], b["State"]) for b in listed["ByoipCidrs"]])

    def test_6_byoasn(self):
        self.cli("pip")  # Debian's v2.9 has no BYOASN commands
        self.start_daemon()
        ipam = self.tree(leaf_netmask=None)[0]["id"]
        self.ok("ec2", "provision-byoip-cidr", "--cidr", BYOIP,
                "--cidr-authorization-context", self.signer.context(NET, BYOIP))
        provision = ["ec2", "provision-ipam-byoasn", "--ipam-id", ipam, "--asn", ASN,
                     "--asn-authorization-context"]
        out = self.ok(*provision, self.signer.context(NET, ASN, tamper=True))["Byoasn"]
        self.assertEqual(out["State"], "failed-provision")
        self.assertIn("auth-bad-signature", out.get("StatusMessage", ""))
        out = self.ok(*provision, self.signer.context(NET, ASN))["Byoasn"]
        self.assertEqual((out["Asn"], out["State"]), (ASN, "provisioned"))
        out = self.ok("ec2", "associate-ipam-byoasn", "--asn", ASN, "--cidr", BYOIP)
        self.assertEqual(out["AsnAssociation"], {"Asn": ASN, "Cidr": BYOIP, "State": "associated"})
        asns, cidrs, _ = self.at_once(
            ok("ec2", "describe-ipam-byoasn"),
            ok("ec2", "describe-byoip-cidrs", "--max-results", "10"),
            refused("DependencyViolation", "ec2", "deprovision-ipam-byoasn", "--ipam-id", ipam,
                    "--asn", ASN))
        self.assertEqual([(a["Asn"], a["IpamId"], a["State"]) for a in asns["Byoasns"]],
                         [(ASN, ipam, "provisioned")])
        self.assertEqual([(b["Cidr"], a["Asn"]) for b in cidrs["ByoipCidrs"]
                          for a in b.get("AsnAssociations", [])], [(BYOIP, ASN)])
        out = self.ok("ec2", "disassociate-ipam-byoasn", "--asn", ASN, "--cidr", BYOIP)
        self.assertEqual(out["AsnAssociation"]["State"], "disassociated")
        out = self.ok("ec2", "deprovision-ipam-byoasn", "--ipam-id", ipam, "--asn", ASN)["Byoasn"]
        self.assertEqual(out["State"], "deprovisioned")
        self.assertEqual(self.ok("ec2", "describe-ipam-byoasn")["Byoasns"], [])

    # ---- 7. authentication and DryRun ----------------------------------------

    def test_7_auth_and_dry_run(self):
        if not CLIS:
            self.skipTest("no aws CLI is installed")
        self.start_daemon()
        ipam, scope, top, leaf = self.tree()
        dry = ["ec2", "create-ipam-pool", "--ipam-scope-id", scope, "--address-family", "ipv4",
               "--dry-run"]
        calls = []
        for cli in CLIS:
            calls += [refused("SignatureDoesNotMatch", "ec2", "describe-ipams", cli=cli,
                              key=(KEYS[NET][0], "not-the-secret-0123456789")),
                      refused("AuthFailure", "ec2", "describe-ipams", cli=cli,
                              key=("AKIAUNKNOWNEXAMPLE09", KEYS[NET][1])),
                      refused("DryRunOperation", *dry, cli=cli),
                      refused("UnauthorizedOperation", *dry, cli=cli, account=PAY)]
        self.at_once(*calls)
        # The dry runs created nothing.
        self.assertEqual(len(self.d.ok("GET", "/v1/pools", NET)["pools"]), 2)

    # ---- 8. restart ------------------------------------------------------------

    def test_8_restart_keeps_state(self):
        self.cli("pip")
        d = self.start_daemon()
        ipam, scope, top, leaf = self.tree()
        self.at_once(
            ok("ec2", "create-vpc", "--ipv4-ipam-pool-id", leaf, "--ipv4-netmask-length", "24"),
            ok("ec2", "create-vpc", "--cidr-block", "172.16.0.0/16"),
            ok("ec2", "provision-byoip-cidr", "--cidr", BYOIP,
               "--cidr-authorization-context", self.signer.context(NET, BYOIP)))
        reads = [ok("ec2", "describe-vpcs"), ok("ec2", "describe-byoip-cidrs", "--max-results", "10"),
                 ok("ec2", "describe-ipam-pools")]
        before = self.at_once(*reads)
        self.assertEqual(sorted(v["CidrBlock"] for v in before[0]["Vpcs"]),
                         ["10.0.0.0/24", "172.16.0.0/16"])
        self.assertEqual([b["Cidr"] for b in before[1]["ByoipCidrs"]], [BYOIP])
        self.assertEqual(sorted(p["IpamPoolId"] for p in before[2]["IpamPools"]), sorted([top, leaf]))
        self.assertEqual(d.stop(), 0, d.log())
        d.start(expect_aws_listener=True)
        after = self.at_once(*reads)
        for (_, args, _), b, a in zip(reads, before, after):
            with self.subTest(args[1]):
                self.assertEqual(a, b)


if __name__ == "__main__":
    main()

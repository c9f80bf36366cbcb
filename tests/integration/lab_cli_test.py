#!/usr/bin/env python3
"""The guide's hands-on lab (steps 2-7 and the bottom-up teardown) run end to
end through byoipctl against a real byoipd."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import MGMT, NET, DaemonTest, main  # noqa: E402

REFUSED = 5  # byoipctl's exit code for a request refused by a rule


class GuideLab(DaemonTest):
    def test_lab_through_the_cli(self):
        d = self.daemon()
        ctl = d.ctl
        rc, out, err = ctl("org", "delegate-admin", NET, account=MGMT)
        self.assertEqual(rc, 0, err)
        # Step 2: IPAM (free tier, one operating region) and its private scope.
        rc, out, err = ctl("ipam", "create", "--home-region", "eu-west-1",
                           "--operating-region", "eu-west-1", "--tier", "free")
        self.assertEqual(rc, 0, err)
        ipam = out["ipam"]["id"]
        scope = out["ipam"]["private_default_scope_id"]
        self.assertTrue(ipam.startswith("ipam-") and scope.startswith("ipam-scope-"))
        # Step 3: top pool with 10.0.0.0/16.
        rc, out, err = ctl("pool", "create", "--scope", scope, "--family", "ipv4")
        self.assertEqual(rc, 0, err)
        top = out["pool"]["id"]
        rc, out, err = ctl("pool", "provision", top, "--cidr", "10.0.0.0/16")
        self.assertEqual(rc, 0, err)
        # Step 4: leaf pool with guardrails, a /20 from the top pool.
        rc, out, err = ctl("pool", "create", "--scope", scope, "--source", top,
                           "--locale", "eu-west-1", "--default-netmask", "24",
                           "--min-netmask", "20", "--max-netmask", "26",
                           "--required-tag", "Environment=lab")
        self.assertEqual(rc, 0, err)
        leaf = out["pool"]["id"]
        rc, out, err = ctl("pool", "provision", leaf, "--netmask", "20")
        self.assertEqual(rc, 0, err)
        leaf_cidr = out["pool_cidr"]["cidr"]
        rc, out, err = ctl("pool", "cidrs", leaf)
        self.assertEqual([c["state"] for c in out["pool_cidrs"]], ["provisioned"])
        # Step 5: a compliant VPC draws a /24.
        vpc = ["--resource-type", "vpc", "--resource-region", "eu-west-1"]
        rc, out, err = ctl("alloc", "create", leaf, "--netmask", "24", "--resource-id", "vpc-lab1",
                           "--resource-tag", "Environment=lab", *vpc)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out["allocation"]["cidr"], "10.0.0.0/24")
        # Step 6: each of these must fail, each with its own error.
        cases = [("untagged", ["--netmask", "24"], "missing-required-tag"),
                 ("/19", ["--netmask", "19", "--resource-tag", "Environment=lab"], "netmask-below-min"),
                 ("/27", ["--netmask", "27", "--resource-tag", "Environment=lab"], "netmask-above-max")]
        for name, args, code in cases:
            with self.subTest(name):
                rc, out, err = ctl("alloc", "create", leaf, "--resource-id", "vpc-bad", *vpc, *args)
                self.assertEqual(rc, REFUSED, err)
                self.assertIn(code, err)
        # Step 7: the allocation is registered.
        rc, out, err = ctl("alloc", "list", leaf)
        self.assertEqual([(a["cidr"], a["resource_type"], a["resource_owner"]) for a in out["allocations"]],
                         [("10.0.0.0/24", "vpc", NET)])
        # The operator's view: the tree shows both pools with a bar.
        rc, text, err = ctl("ipam", "tree", ipam, output="table")
        self.assertEqual(rc, 0, err)
        for part in (top, leaf, "10.0.0.0/16", leaf_cidr, "eu-west-1", "%"):
            self.assertIn(part, text)
        # Teardown in the wrong order is refused ...
        for args in (["pool", "deprovision", leaf, "--cidr", leaf_cidr], ["pool", "delete", leaf],
                     ["pool", "delete", top], ["ipam", "delete", ipam]):
            with self.subTest(" ".join(args)):
                rc, out, err = ctl(*args)
                self.assertEqual(rc, REFUSED, err)
                self.assertIn("deletion-protected", err)
        # ... and bottom-up succeeds.
        for args in (["resource", "remove", "vpc-lab1"],
                     ["pool", "deprovision", leaf, "--cidr", leaf_cidr], ["pool", "delete", leaf],
                     ["pool", "deprovision", top, "--cidr", "10.0.0.0/16"], ["pool", "delete", top],
                     ["ipam", "delete", ipam]):
            with self.subTest(" ".join(args)):
                rc, out, err = ctl(*args)
                self.assertEqual(rc, 0, err)
        rc, out, err = ctl("ipam", "list")
        self.assertEqual(out["ipams"], [])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""byoipd end to end: durability across restarts and kill -9, access control,
idempotency, config reload, errors, health and metrics."""
import concurrent.futures
import ipaddress
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import DEV, MGMT, NET, PAY, DaemonTest, main  # noqa: E402


class Durability(DaemonTest):
    def test_restart_keeps_every_acknowledged_allocation(self):
        d = self.daemon()
        _, _, _, leaf = self.bootstrap(d)
        acked = [d.ok("POST", f"/v1/pools/{leaf}/allocations", NET, {"netmask_length": 26})
                 ["allocation"] for _ in range(20)]
        self.assertEqual(d.stop(), 0, d.log())  # SIGTERM: clean exit
        d.start()
        listed = d.ok("GET", f"/v1/pools/{leaf}/allocations?limit=1000")["allocations"]
        self.assertEqual(sorted(a["id"] for a in acked), sorted(a["id"] for a in listed))
        # The restarted daemon continues where it stopped (no reuse of space).
        nxt = d.ok("POST", f"/v1/pools/{leaf}/allocations", NET, {"netmask_length": 26})["allocation"]
        self.assertNotIn(nxt["cidr"], [a["cidr"] for a in acked])

    def test_kill9_mid_burst_loses_nothing_acknowledged(self):
        d = self.daemon()
        _, _, _, leaf = self.bootstrap(d)
        acked = []
        stop_at = time.time() + 1.5

        def worker(n):
            mine = []
            while time.time() < stop_at:
                try:
                    status, out = d.http("POST", f"/v1/pools/{leaf}/allocations", NET,
                                         {"netmask_length": 26})
                except Exception:
                    break  # the daemon is gone
                if status == 200:
                    mine.append(out["allocation"])
                elif status != 409:  # 409 = pool full, keep going
                    break
            return mine

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(worker, i) for i in range(16)]
            time.sleep(0.7)
            d.kill9()  # in the middle of the burst
            for f in futures:
                acked.extend(f.result())
        self.assertGreater(len(acked), 16, "the burst should be well under way when killed")
        d.start()
        listed = d.ok("GET", f"/v1/pools/{leaf}/allocations?limit=1000")["allocations"]
        ids = {a["id"] for a in listed}
        lost = [a for a in acked if a["id"] not in ids]
        self.assertEqual(lost, [], "acknowledged allocations lost after kill -9")
        cidrs = [ipaddress.ip_network(a["cidr"]) for a in listed]
        self.assertEqual(len(cidrs), len(set(cidrs)), "a CIDR was handed out twice")
        cidrs.sort()
        for a, b in zip(cidrs, cidrs[1:]):
            self.assertFalse(a.overlaps(b), f"{a} overlaps {b}")
        # Fresh allocations after recovery never collide with recovered ones.
        for _ in range(5):
            status, out = d.http("POST", f"/v1/pools/{leaf}/allocations", NET, {"netmask_length": 26})
            if status == 200:
                new = ipaddress.ip_network(out["allocation"]["cidr"])
                self.assertFalse(any(new.overlaps(c) for c in cidrs))


class Access(DaemonTest):
    def test_member_sees_only_shared_pools_and_is_audited(self):
        d = self.daemon()
        _, scope, top, leaf = self.bootstrap(d)
        vpc = {"netmask_length": 24, "resource": {"id": "vpc-pay1", "region": "eu-west-1",
                                                   "tags": {"Environment": "lab"}}}
        status, err = d.http("POST", f"/v1/pools/{leaf}/allocations", PAY, vpc)
        self.assertEqual(status, 403, err)
        self.assertEqual(err["error"]["code"], "pool-not-shared")
        self.assertEqual(d.http("GET", f"/v1/pools/{leaf}", PAY)[0], 403)
        share = d.ok("POST", "/v1/shares", NET, {"name": "lab"})["share"]["id"]
        d.ok("POST", f"/v1/shares/{share}/pools", NET, {"pool_id": leaf})
        d.ok("POST", f"/v1/shares/{share}/principals", NET, {"principal": "ou-prod-pay01"})
        pools = d.ok("GET", "/v1/pools", PAY)["pools"]
        self.assertEqual([p["id"] for p in pools], [leaf])
        self.assertEqual(d.ok("POST", f"/v1/pools/{leaf}/allocations", PAY, vpc)
                         ["allocation"]["resource_owner"], PAY)
        for method, path, body in [("GET", f"/v1/pools/{top}", None),
                                   ("PATCH", f"/v1/pools/{leaf}", {"allocation_min_netmask_length": 8}),
                                   ("DELETE", f"/v1/pools/{leaf}", None),
                                   ("GET", "/v1/ipams", None),
                                   ("GET", f"/v1/scopes/{scope}/resources", None)]:
            status, err = d.http(method, path, PAY, body)
            self.assertEqual(status, 403, f"{method} {path}: {err}")
        self.assertEqual(d.ok("GET", "/v1/pools", DEV)["pools"], [])
        # Unknown token: 401; no token: 401.
        self.assertEqual(d.http("GET", "/v1/pools", token="nope")[0], 401)
        self.assertEqual(d.http("GET", "/v1/pools", token="")[0], 401)
        # Refusals are in the audit log with principal and action.
        with open(os.path.join(d.state_dir, "audit.log")) as f:
            lines = f.read().splitlines()
        import json
        records = [json.loads(line) for line in lines]
        denied = [r for r in records if r.get("error", {}).get("code") == "pool-not-shared"]
        self.assertTrue(any(r["principal"] == PAY and r["action"] == "allocate" for r in denied))
        self.assertTrue(all("request_id" in r and "time" in r and "parameters" in r for r in records))


class Api(DaemonTest):
    def test_errors_idempotency_pagination_health_metrics(self):
        d = self.daemon()
        _, _, _, leaf = self.bootstrap(d)
        # Errors carry a stable code, the message and the request id.
        status, err = d.http("POST", f"/v1/pools/{leaf}/allocations", NET, {"netmask_length": 19})
        self.assertEqual(status, 422)
        self.assertEqual(err["error"]["code"], "netmask-below-min")
        self.assertIn("allocation_min_netmask_length is 20", err["error"]["message"])
        self.assertTrue(err["error"]["request_id"].startswith("req-"))
        self.assertEqual(d.http("POST", f"/v1/pools/{leaf}/cidrs", NET, {"cidr": "10.9.0.1/16"})[0], 400)
        self.assertEqual(d.http("GET", "/v1/pools/ipam-pool-0123456789abcdef0")[0], 404)
        self.assertEqual(d.http("GET", "/v1/nothing")[0], 404)
        self.assertEqual(d.http("PUT", "/v1/pools")[0], 405)
        self.assertEqual(d.http("POST", "/v1/pools", NET, None)[0], 400)
        # Idempotency: the same client token returns the first allocation.
        body = {"netmask_length": 24, "client_token": "retry-me"}
        a = d.ok("POST", f"/v1/pools/{leaf}/allocations", NET, body)["allocation"]
        b = d.ok("POST", f"/v1/pools/{leaf}/allocations", NET, body)["allocation"]
        self.assertEqual(a, b)
        status, err = d.http("POST", f"/v1/pools/{leaf}/allocations", NET,
                             {"netmask_length": 25, "client_token": "retry-me"})
        self.assertEqual(status, 409)
        # Pagination follows next_token to the end.
        for _ in range(7):
            d.ok("POST", f"/v1/pools/{leaf}/allocations", NET, {"netmask_length": 26})
        seen, token = [], None
        while True:
            q = f"/v1/pools/{leaf}/allocations?limit=3" + (f"&next_token={token}" if token else "")
            page = d.ok("GET", q)
            seen += page["allocations"]
            token = page["next_token"]
            if not token:
                break
        self.assertEqual(len(seen), 8)
        # Health and metrics need no token.
        status, health = d.http("GET", "/healthz", token="")
        self.assertEqual((status, health["status"]), (200, "ok"))
        import urllib.request
        text = urllib.request.urlopen(d.url + "/metrics").read().decode()
        self.assertIn(f'pool="{leaf}"', text)
        self.assertIn("byoipd_pool_utilization_percent", text)
        self.assertIn("byoipd_api_requests_total", text)
        self.assertIn("byoipd_store_commit_duration_seconds_bucket", text)


class Tls(DaemonTest):
    def test_https_with_configured_certificate(self):
        import subprocess
        cert, key = os.path.join(self.workdir, "cert.pem"), os.path.join(self.workdir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        d = self.daemon(tls=(cert, key))
        self.assertTrue(d.url.startswith("https://"))
        self.assertEqual(d.ok("GET", "/v1/whoami", MGMT)["account"], MGMT)
        rc, out, err = d.ctl("whoami", account=NET)
        self.assertNotEqual(rc, 0, "byoipctl without --cacert must refuse the self-signed cert")
        env_rc, out, err = d.ctl("--cacert", cert, "whoami", account=NET)
        self.assertEqual(env_rc, 0, err)
        self.assertEqual(out["account"], NET)


class Config(DaemonTest):
    def test_sighup_reload_and_bad_config(self):
        d = self.daemon()
        d.ok("POST", "/v1/organization/delegated-admin", MGMT, {"account_id": NET})
        # An invalid config on SIGHUP is reported and the old one kept.
        with open(d.config_path, "a") as f:
            f.write("bogus_key: 1\n")
        d.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertEqual(d.http("GET", "/v1/whoami")[0], 200)
        self.assertIn("keeping the running configuration", d.log())
        self.assertIn("bogus_key", d.log())
        # A valid change is applied and reported.
        d.write_config("alarms:\n  utilization_threshold: 50\n")
        d.proc.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertIn("utilization_threshold", d.log())
        self.assertEqual(d.stop(), 0)
        # A broken config refuses to start, naming file, line and key.
        with open(d.config_path, "a") as f:
            f.write("log:\n  format: jsn\n")
        import subprocess
        from harness import BYOIPD
        p = subprocess.run([BYOIPD, "--check-config", d.config_path], capture_output=True, text=True)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(d.config_path, p.stderr)


if __name__ == "__main__":
    main()

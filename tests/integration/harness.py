"""Starts the real byoipd on loopback and drives it over HTTP and byoipctl.

Every daemon gets a fresh state directory and a free port (the daemon is
started with --port 0 and prints the port it bound). Processes are tracked by
PID and killed when the test ends.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BUILD = os.environ.get("BYOIPD_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
BYOIPD = os.path.join(BUILD, "controller", "byoipd")
BYOIPCTL = os.path.join(BUILD, "controller", "byoipctl")

MGMT, NET, PAY, DEV = "111122223333", "222233334444", "333344445555", "444455556666"
TOKENS = {MGMT: "mgmt-token", NET: "net-token", PAY: "pay-token", DEV: "dev-token"}
OUS = {MGMT: "", NET: "ou-infra-net01", PAY: "ou-prod-pay01", DEV: "ou-dev-dev001"}


def sha256(text):
    import hashlib
    return hashlib.sha256(text.encode()).hexdigest()


def config_yaml(state_dir, extra="", tls=None):
    accounts = "".join(
        f'    - id: "{acct}"\n      name: acct{acct[:3]}\n'
        + (f"      ou: {OUS[acct]}\n" if OUS[acct] else "")
        + f"      token_sha256: {sha256(tok)}\n"
        for acct, tok in TOKENS.items())
    listen = "listen:\n  api: 127.0.0.1:1\n"
    if tls:
        listen += f"  tls:\n    cert: {tls[0]}\n    key: {tls[1]}\n"
    return (f"{listen}state_dir: {state_dir}\n"
            f"log:\n  level: info\n"
            f"organization:\n  id: o-testorg\n  management_account: \"{MGMT}\"\n  accounts:\n{accounts}"
            + extra)


class Daemon:
    def __init__(self, workdir, extra_config="", tls=None):
        self.workdir = workdir
        self.tls = tls  # (cert, key) PEM paths: serve HTTPS
        self.state_dir = os.path.join(workdir, "state")
        self.config_path = os.path.join(workdir, "byoipd.yaml")
        self.log_path = os.path.join(workdir, "byoipd.log")
        self.write_config(extra_config)
        self.proc = None
        self.url = None

    def write_config(self, extra=""):
        with open(self.config_path, "w") as f:
            f.write(config_yaml(self.state_dir, extra, self.tls))

    def start(self, timeout=20, expect_bgp_listener=False, expect_aws_listener=False):
        """expect_bgp_listener: also wait for "byoipd: bgp listening on HOST:PORT"
        (printed after the API line when the bgp section has a listen address)
        and keep HOST:PORT in self.bgp_listen. expect_aws_listener: likewise
        for "byoipd: aws listening on HOST:PORT" (the aws section), kept in
        self.aws_listen."""
        import select
        with open(self.log_path, "a") as log:
            self.proc = subprocess.Popen([BYOIPD, "--config", self.config_path, "--port", "0"],
                                         stdout=subprocess.PIPE, stderr=log)
        self.url = None
        self.bgp_listen = None
        self.aws_listen = None
        fd = self.proc.stdout.fileno()
        pending = b""
        deadline = time.time() + timeout
        while time.time() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                self.proc.wait()
                raise RuntimeError(f"byoipd exited with {self.proc.returncode}: {self.log()}")
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in (x.decode(errors="replace") for x in lines):
                if line.startswith("byoipd: listening on "):
                    self.url = ("https://" if self.tls else "http://") + line.split()[-1]
                elif line.startswith("byoipd: bgp listening on "):
                    self.bgp_listen = line.split()[-1]
                elif line.startswith("byoipd: aws listening on "):
                    self.aws_listen = line.split()[-1]
            if (self.url and (self.bgp_listen or not expect_bgp_listener)
                    and (self.aws_listen or not expect_aws_listener)):
                self.proc.stdout.close()  # nothing more is printed there
                return self
        for wanted, got, what in ((expect_bgp_listener, self.bgp_listen, "bgp"),
                                  (expect_aws_listener, self.aws_listen, "aws")):
            if self.url and wanted and not got:
                raise RuntimeError(f"byoipd did not print 'byoipd: {what} listening on': "
                                   + self.log())
        raise RuntimeError("byoipd did not start: " + self.log())

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill9(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return self.proc.returncode

    def http(self, method, path, account=NET, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        tok = token if token is not None else TOKENS.get(account)
        if tok:
            req.add_header("Authorization", "Bearer " + tok)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        context = None
        if self.tls:
            import ssl
            context = ssl.create_default_context(cafile=self.tls[0])
        try:
            with urllib.request.urlopen(req, timeout=30, context=context) as resp:
                text = resp.read().decode()
                status = resp.status
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            status = e.code
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text

    def ok(self, method, path, account=NET, body=None):
        status, out = self.http(method, path, account, body)
        if status != 200:
            raise AssertionError(f"{method} {path} -> {status}: {out}")
        return out

    def ctl(self, *args, account=NET, output="json"):
        env = dict(os.environ, BYOIPCTL_ENDPOINT=self.url, BYOIPCTL_TOKEN=TOKENS[account])
        env.pop("BYOIPCTL_CONFIG", None)
        cmd = [BYOIPCTL, "-o", output] + list(args)
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        out = p.stdout
        if output == "json" and p.returncode == 0 and out.strip():
            out = json.loads(out)
        return p.returncode, out, p.stderr


class DaemonTest(unittest.TestCase):
    """A test case with a fresh work dir; daemons started here are cleaned up."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="byoipd-it-")
        self.daemons = []

    def tearDown(self):
        for d in self.daemons:
            if d.proc and d.proc.poll() is None:
                d.proc.kill()
                d.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def daemon(self, extra_config="", tls=None):
        d = Daemon(self.workdir, extra_config, tls)
        self.daemons.append(d)
        return d.start()

    def bootstrap(self, d):
        """Delegates IPAM to the network account and builds the guide's lab
        tree: IPAM, top pool with 10.0.0.0/16, guardrailed leaf with a /20."""
        d.ok("POST", "/v1/organization/delegated-admin", MGMT, {"account_id": NET})
        ipam = d.ok("POST", "/v1/ipams", NET, {"home_region": "eu-west-1",
                                               "operating_regions": ["us-east-1"]})["ipam"]
        scope = ipam["private_default_scope_id"]
        top = d.ok("POST", "/v1/pools", NET, {"scope_id": scope})["pool"]["id"]
        d.ok("POST", f"/v1/pools/{top}/cidrs", NET, {"cidr": "10.0.0.0/16"})
        leaf = d.ok("POST", "/v1/pools", NET, {
            "scope_id": scope, "source_pool_id": top, "locale": "eu-west-1",
            "allocation_default_netmask_length": 24, "allocation_min_netmask_length": 20,
            "allocation_max_netmask_length": 26,
            "allocation_resource_tags": {"Environment": "lab"}})["pool"]["id"]
        d.ok("POST", f"/v1/pools/{leaf}/cidrs", NET, {"netmask_length": 20})
        return ipam, scope, top, leaf


def main():
    unittest.main(verbosity=2)

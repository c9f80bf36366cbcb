#!/usr/bin/env python3
"""Real BGP peers for the interop tests: BIRD 2 and GoBGP started on loopback.

Each peer lives in its own directory under the test's work dir, listens on a
port picked free at run time, is tracked by PID and killed by PID. Sockets
use only 127/8 and ::1. Run this file by hand to check the helpers without
byoipd: it peers BIRD with GoBGP and exchanges routes both ways.

Facts these helpers rely on (BIRD 2.0.12, GoBGP 3.10, Debian 12):
- BIRD refuses a loopback neighbour unless the protocol has `multihop`.
- BIRD resolves a multihop session's next hops recursively: a route whose next
  hop is not covered by a route in the table is kept but unreachable. The
  documentation next hops 192.0.2.1 / 2001:db8::1 are made reachable by static
  `via "lo"` routes, which are never exported (the export filter only passes
  the routes of the `originate` static protocols).
- BIRD sends an IPv6 route over an IPv4 session with the next hop given by
  `next hop address` (it has no IPv6 address of its own there) and refuses an
  IPv4-mapped IPv6 next hop, which is what GoBGP sends in that case.
- BIRD's filters cannot build an AS_SET; GoBGP can (`aspath "65002 {64500,64501}"`).
- GoBGP treats a route whose next hop is its own address as a withdrawal.
"""
import ipaddress
import json
import os
import re
import signal
import socket
import subprocess
import time

BIRD = "/usr/sbin/bird"
BIRDC = "/usr/sbin/birdc"
GOBGPD = "/usr/bin/gobgpd"
GOBGP = "/usr/bin/gobgp"


def free_port(host="127.0.0.1"):
    """A TCP port free on host now (the caller binds it soon after)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(what, probe, timeout=30.0, interval=0.2):
    """Polls probe() until it returns a truthy value; raises naming `what`."""
    deadline = time.time() + timeout
    last = None
    while True:
        try:
            last = probe()
        except Exception as e:  # a peer still starting answers with an error
            last = e
        if last and not isinstance(last, Exception):
            return last
        if time.time() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def check_loopback(address):
    ip = ipaddress.ip_address(address)
    if not ip.is_loopback:
        raise ValueError(f"{address}: interop peers use loopback addresses only (127/8, ::1)")


class Route:
    """A route a peer originates: prefix, AS path after the peer's own AS
    (ints; a tuple is an AS_SET, GoBGP only), RFC 1997 and RFC 8092 communities."""

    def __init__(self, prefix, path=(), communities=(), large_communities=(), next_hop=None):
        self.prefix = str(ipaddress.ip_network(prefix))
        self.next_hop = next_hop  # GoBGP only
        self.path = list(path)
        self.communities = list(communities)
        self.large_communities = list(large_communities)

    @property
    def v6(self):
        return ":" in self.prefix


class Neighbor:
    """One BGP neighbour of a peer under test. address/port: where the peer
    reaches it; local_address: the peer's own side of the session (default:
    the peer's address); remote_as None: BIRD's `external` (any AS);
    next_hop_v4/v6: BIRD's `next hop address` (an IPv6 channel over an IPv4
    session always gets one, 2001:db8::2 by default)."""

    def __init__(self, name, address, port, remote_as, local_address=None,
                 password=None, passive=False, families=("ipv4", "ipv6"), as4=True,
                 next_hop_v6=None, next_hop_v4=None):
        check_loopback(address)
        if local_address:
            check_loopback(local_address)
        self.name, self.address, self.port, self.remote_as = name, address, port, remote_as
        self.local_address = local_address
        self.password, self.passive, self.families, self.as4 = password, passive, families, as4
        self.next_hop_v6, self.next_hop_v4 = next_hop_v6, next_hop_v4


class _Process:
    """A peer daemon started by the test and killed by PID."""

    def __init__(self, workdir, name):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.proc = None
        self.log_path = os.path.join(self.dir, name + ".log")

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _spawn(self, argv):
        self.log_file = open(self.log_path, "a")
        self.proc = subprocess.Popen(argv, stdout=self.log_file, stderr=subprocess.STDOUT,
                                     cwd=self.dir, start_new_session=True)

    def stop(self, sig=signal.SIGKILL):
        """Kills the daemon by PID (SIGKILL by default: a crash, no NOTIFICATION)."""
        if self.running():
            os.kill(self.proc.pid, sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc is not None:
            self.log_file.close()
        self.proc = None

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""


class Bird(_Process):
    """BIRD 2 with one `protocol bgp` per neighbour.

    local_address/port: where BIRD listens (strict bind, so several BIRDs can
    share a port on different loopback addresses)."""

    def __init__(self, workdir, asn, router_id, local_address="127.0.0.2", port=None,
                 neighbors=(), routes=(), name="bird"):
        super().__init__(workdir, name)
        check_loopback(local_address)
        self.asn, self.router_id, self.local_address = asn, router_id, local_address
        self.port = port or free_port(local_address)
        self.neighbors = list(neighbors)
        self.originated = list(routes)
        self.conf_path = os.path.join(self.dir, "bird.conf")
        self.sock = os.path.join(self.dir, "bird.ctl")
        self.pid_path = os.path.join(self.dir, "bird.pid")

    # -- configuration -------------------------------------------------------
    @staticmethod
    def _attrs(route):
        out = []
        for asn in reversed(route.path):
            if isinstance(asn, (tuple, list, set)):
                raise ValueError("BIRD filters cannot build an AS_SET; originate it from GoBGP")
            out.append(f"bgp_path.prepend({asn});")
        for c in route.communities:
            a, b = c.split(":")
            out.append(f"bgp_community.add(({a},{b}));")
        for c in route.large_communities:
            a, b, d = c.split(":")
            out.append(f"bgp_large_community.add(({a},{b},{d}));")
        return " ".join(out)

    def _static(self, name, v6):
        table = "ipv6" if v6 else "ipv4"
        lines = [f"protocol static {name} {{", f"  {table};"]
        for r in self.originated:
            if r.v6 == v6:
                attrs = self._attrs(r)
                lines.append(f"  route {r.prefix} blackhole" + (f" {{ {attrs} }};" if attrs else ";"))
        lines.append("}")
        return "\n".join(lines)

    def _protocol(self, n):
        lines = [f"protocol bgp {n.name} {{",
                 f"  local {n.local_address or self.local_address} port {self.port} as {self.asn};",
                 f"  neighbor {n.address} port {n.port} " + (
                     f"as {n.remote_as};" if n.remote_as is not None else "external;"),
                 "  multihop;",
                 "  strict bind on;",
                 # Quick (re)connection: the tests poll for seconds, not minutes.
                 "  connect delay time 1;",
                 "  connect retry time 2;",
                 "  error wait time 1, 4;"]
        if n.password is not None:
            lines.append(f'  password "{n.password}";')
        if n.passive:
            lines.append("  passive on;")
        if not n.as4:
            lines.append("  enable as4 off;")
        v6_session = ":" in n.address
        for fam in n.families:
            lines.append(f"  {fam} {{")
            lines.append("    import all;")
            lines.append(f'    export where proto = "originate_{fam}";')
            if fam == "ipv6" and (not v6_session or n.next_hop_v6):
                lines.append(f"    next hop address {n.next_hop_v6 or '2001:db8::2'};")
            if fam == "ipv4" and (v6_session or n.next_hop_v4):
                lines.append(f"    next hop address {n.next_hop_v4 or '192.0.2.2'};")
            lines.append("  };")
        lines.append("}")
        return "\n".join(lines)

    def config_text(self):
        parts = [f'log "{os.path.join(self.dir, "bird-events.log")}" all;',
                 f"router id {self.router_id};",
                 "protocol device { scan time 10; }",
                 # Make the documentation next hops reachable (never exported).
                 'protocol static nexthops4 { ipv4; route 192.0.2.0/24 via "lo"; }',
                 'protocol static nexthops6 { ipv6; route 2001:db8::/32 via "lo"; }',
                 self._static("originate_ipv4", False),
                 self._static("originate_ipv6", True)]
        parts += [self._protocol(n) for n in self.neighbors]
        return "\n".join(parts) + "\n"

    def write_config(self):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())

    # -- process -------------------------------------------------------------
    def start(self, timeout=15):
        self.write_config()
        check = subprocess.run([BIRD, "-p", "-c", self.conf_path], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"bird.conf refused: {check.stderr}\n{self.config_text()}")
        self._spawn([BIRD, "-f", "-c", self.conf_path, "-s", self.sock, "-P", self.pid_path])
        wait_for("BIRD control socket", lambda: self._birdc_ok("show status"), timeout)
        return self

    def restart(self):
        self.stop()
        return self.start()

    def reconfigure(self):
        self.write_config()
        return self.birdc("configure")

    def _birdc_ok(self, cmd):
        if not self.running():
            raise RuntimeError("bird exited: " + self.log())
        return "Daemon is up" in self.birdc(cmd)

    def birdc(self, cmd):
        p = subprocess.run([BIRDC, "-s", self.sock] + cmd.split(), capture_output=True,
                           text=True, timeout=20)
        return p.stdout + p.stderr

    # -- queries -------------------------------------------------------------
    def protocol(self, name):
        """{'state': 'Established'|..., 'imported': N, 'exported': N, 'last_error': str, 'text': ...}"""
        text = self.birdc(f"show protocols all {name}")
        m = re.search(r"BGP state:\s+(\S+)", text)
        out = {"state": m.group(1) if m else None, "text": text, "imported": 0, "exported": 0}
        for m in re.finditer(r"Routes:\s+(\d+) imported, (?:(\d+) filtered, )?(\d+) exported", text):
            out["imported"] += int(m.group(1))
            out["exported"] += int(m.group(3))
        m = re.search(r"Last error:\s+(.*)", text)
        out["last_error"] = m.group(1).strip() if m else ""
        return out

    def established(self, name):
        return self.protocol(name)["state"] == "Established"

    def routes(self, prefix, protocol=None):
        """The routes BIRD holds for exactly `prefix` (all, with unreachable
        ones), each {'from', 'as_path': [int|set], 'next_hop', 'communities':
        ['a:b'], 'large_communities': ['a:b:c'], 'unreachable': bool}."""
        net = ipaddress.ip_network(prefix)
        cmd = f"show route {net} all" + (f" protocol {protocol}" if protocol else "")
        return parse_bird_routes(self.birdc(cmd))


def parse_bird_routes(text):
    routes = []
    cur = None
    for line in text.splitlines():
        head = re.match(r"^(\S+/\d+)?\s+(unicast|unreachable|blackhole|prohibited)\s+\[(\S+)", line)
        if head:
            cur = {"from": head.group(3), "unreachable": head.group(2) == "unreachable",
                   "as_path": [], "next_hop": None, "communities": [], "large_communities": [],
                   "origin": None}
            routes.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^\s+BGP\.(\w+):\s*(.*)$", line)
        if not m:
            continue
        key, val = m.group(1), m.group(2).strip()
        if key == "as_path":
            cur["as_path"] = parse_as_path(val)
        elif key == "next_hop":
            cur["next_hop"] = val.split()[0] if val else None
        elif key == "community":
            cur["communities"] = [f"{a}:{b}" for a, b in re.findall(r"\((\d+),\s*(\d+)\)", val)]
        elif key == "large_community":
            cur["large_communities"] = [f"{a}:{b}:{c}" for a, b, c in
                                        re.findall(r"\((\d+),\s*(\d+),\s*(\d+)\)", val)]
        elif key == "origin":
            cur["origin"] = val.lower()
        elif key == "as4_path":
            cur["as4_path"] = parse_as_path(val)
    return routes


def parse_as_path(text):
    """'65001 {64500 64501} 3' -> [65001, {64500, 64501}, 3] (BIRD and GoBGP spelling)."""
    out = []
    for tok in re.findall(r"\{[^}]*\}|\d+", text):
        if tok.startswith("{"):
            out.append({int(x) for x in re.findall(r"\d+", tok)})
        else:
            out.append(int(tok))
    return out


class GoBgp(_Process):
    """gobgpd with a TOML config; routes are originated and read over its gRPC
    API with the gobgp CLI."""

    def __init__(self, workdir, asn, router_id, local_address="127.0.0.1", port=None,
                 neighbors=(), routes=(), name="gobgp"):
        super().__init__(workdir, name)
        check_loopback(local_address)
        self.asn, self.router_id, self.local_address = asn, router_id, local_address
        self.port = port or free_port(local_address)
        self.api_port = free_port("127.0.0.1")
        self.neighbors = list(neighbors)
        self.originated = list(routes)
        self.conf_path = os.path.join(self.dir, "gobgpd.toml")

    def listen_addresses(self):
        out = [self.local_address]
        for n in self.neighbors:
            if n.local_address and n.local_address not in out:
                out.append(n.local_address)
        return out

    def config_text(self):
        lines = ["[global.config]",
                 f"  as = {self.asn}",
                 f'  router-id = "{self.router_id}"',
                 f"  port = {self.port}",
                 "  local-address-list = [" + ", ".join(
                     f'"{a}"' for a in self.listen_addresses()) + "]"]
        for n in self.neighbors:
            lines += ["", "[[neighbors]]",
                      "  [neighbors.config]",
                      f'    neighbor-address = "{n.address}"',
                      f"    peer-as = {n.remote_as}"]
            if n.password is not None:
                lines.append(f'    auth-password = "{n.password}"')
            lines += ["  [neighbors.transport.config]",
                      f'    local-address = "{n.local_address or self.local_address}"',
                      f"    remote-port = {n.port}",
                      f"    passive-mode = {'true' if n.passive else 'false'}",
                      "  [neighbors.timers.config]",
                      "    connect-retry = 1",
                      "  [neighbors.ebgp-multihop.config]",
                      "    enabled = true",
                      "    multihop-ttl = 8"]
            for fam in n.families:
                lines += ["  [[neighbors.afi-safis]]",
                          "    [neighbors.afi-safis.config]",
                          f'      afi-safi-name = "{fam}-unicast"']
        return "\n".join(lines) + "\n"

    def start(self, timeout=15):
        with open(self.conf_path, "w") as f:
            f.write(self.config_text())
        self._spawn([GOBGPD, "-f", self.conf_path, "-t", "toml", "-p", "-l", "debug",
                     "--api-hosts", f"127.0.0.1:{self.api_port}", "--pprof-disable"])
        wait_for("gobgpd API", lambda: self._api_up(), timeout)
        for r in self.originated:
            self.originate(r)
        return self

    def restart(self):
        self.stop()
        return self.start()

    def _api_up(self):
        if not self.running():
            raise RuntimeError("gobgpd exited: " + self.log())
        return self.cli("global").returncode == 0

    def cli(self, *args):
        return subprocess.run([GOBGP, "-p", str(self.api_port)] + list(args),
                              capture_output=True, text=True, timeout=20)

    def cli_json(self, *args):
        p = self.cli(*args, "-j")
        if p.returncode != 0:
            raise RuntimeError(f"gobgp {' '.join(args)}: {p.stderr or p.stdout}")
        return json.loads(p.stdout) if p.stdout.strip() else None

    def originate(self, route):
        args = ["global", "rib", "add", route.prefix, "-a", "ipv6" if route.v6 else "ipv4"]
        if route.path:
            args += ["aspath", " ".join(
                "{" + ",".join(str(x) for x in sorted(a)) + "}" if isinstance(a, (tuple, list, set))
                else str(a) for a in route.path)]
        if route.communities:
            args += ["community", ",".join(route.communities)]
        if route.large_communities:
            args += ["large-community", ",".join(route.large_communities)]
        if route.next_hop:
            args += ["nexthop", route.next_hop]
        p = self.cli(*args)
        if p.returncode != 0:
            raise RuntimeError(f"gobgp {' '.join(args)}: {p.stderr or p.stdout}")

    def withdraw(self, route):
        self.cli("global", "rib", "del", route.prefix, "-a", "ipv6" if route.v6 else "ipv4")

    def neighbor(self, address):
        """GoBGP's neighbour state as JSON (state.session_state is 'established' when up)."""
        out = self.cli_json("neighbor", address)
        return out

    def session_state(self, address):
        st = self.neighbor(address).get("state", {}).get("session_state")
        # The JSON carries the gRPC enum: 1 idle .. 6 established.
        names = {1: "idle", 2: "connect", 3: "active", 4: "opensent", 5: "openconfirm",
                 6: "established"}
        return names.get(st, str(st).lower())

    def established(self, address):
        return self.session_state(address) == "established"

    def routes(self, prefix):
        """Best and other paths for exactly `prefix` in GoBGP's global RIB, each
        {'as_path': [...], 'next_hop', 'communities', 'large_communities', 'neighbor'}."""
        net = ipaddress.ip_network(prefix)
        fam = "ipv6" if net.version == 6 else "ipv4"
        p = self.cli("global", "rib", "-a", fam, str(net), "-j")
        if p.returncode != 0 or not p.stdout.strip():
            return []
        data = json.loads(p.stdout)
        paths = data.get(str(net), []) if isinstance(data, dict) else []
        return [parse_gobgp_path(x) for x in paths]


def parse_gobgp_path(path):
    out = {"as_path": [], "next_hop": None, "communities": [], "large_communities": [],
           "neighbor": path.get("neighbor-ip"), "origin": None}
    for a in path.get("attrs", []):
        t = a.get("type")
        if t == 1:
            out["origin"] = {0: "igp", 1: "egp", 2: "incomplete"}.get(a.get("value"))
        elif t == 2:  # AS_PATH (4-octet after GoBGP's AS4_PATH merge)
            for seg in a.get("as_paths", []):
                nums = seg.get("asns", [])
                if seg.get("segment_type") == 1:  # AS_SET
                    out["as_path"].append(set(nums))
                else:
                    out["as_path"].extend(nums)
        elif t == 3:
            out["next_hop"] = a.get("nexthop")
        elif t == 8:
            out["communities"] = [f"{c >> 16}:{c & 0xFFFF}" for c in a.get("communities", [])]
        elif t == 14:  # MP_REACH_NLRI (IPv6)
            out["next_hop"] = a.get("nexthop")
        elif t == 32:
            out["large_communities"] = [f"{v['ASN']}:{v['LocalData1']}:{v['LocalData2']}"
                                        for v in a.get("value", [])]
    return out


def self_check():
    """BIRD <-> GoBGP on loopback, no byoipd: IPv4 and IPv6 routes both ways
    with TCP-MD5, an AS_SET, a 2-octet-only BIRD (AS_TRANS + AS4_PATH), a wrong
    MD5 password that never comes up, and recovery after a BIRD restart."""
    import shutil
    import tempfile
    work = tempfile.mkdtemp(prefix="bgp-peers-")
    bird_port, gobgp_port = free_port("127.0.0.2"), free_port("127.0.0.3")
    procs = []
    try:
        bird = Bird(work, asn=65001, router_id="192.0.2.2", local_address="127.0.0.2",
                    port=bird_port,
                    neighbors=[Neighbor("gobgp", "127.0.0.3", gobgp_port, 4200000002,
                                        password="s3cret", next_hop_v4="192.0.2.2")],
                    routes=[Route("198.51.100.0/24", communities=["65001:10"],
                                  large_communities=["65001:1:2"]),
                            Route("198.51.100.128/25", path=[64500]),
                            Route("2001:db8:100::/48", path=[64501, 64502])])
        old = Bird(work, asn=65003, router_id="192.0.2.4", local_address="127.0.0.4",
                   neighbors=[Neighbor("gobgp", "127.0.0.3", gobgp_port, None, as4=False,
                                       next_hop_v4="192.0.2.4")],
                   routes=[Route("100.64.30.0/24", path=[4200000099])], name="bird-old")
        bad = Bird(work, asn=65005, router_id="192.0.2.6", local_address="127.0.0.6",
                   neighbors=[Neighbor("gobgp", "127.0.0.3", gobgp_port, 4200000002,
                                       password="not-the-one")], name="bird-bad")
        g = GoBgp(work, asn=4200000002, router_id="192.0.2.3", local_address="127.0.0.3",
                  port=gobgp_port,
                  neighbors=[Neighbor("bird", "127.0.0.2", bird_port, 65001, password="s3cret"),
                             Neighbor("old", "127.0.0.4", old.port, 65003),
                             Neighbor("bad", "127.0.0.6", bad.port, 65005, password="s3cret")],
                  routes=[Route("203.0.113.0/24", path=[64520, {64510, 64511}],
                                communities=["65002:7"]),
                          Route("2001:db8:200::/48", path=[64520], next_hop="2001:db8::3")])
        for p in (bird, old, bad, g):
            procs.append(p)
            p.start()
        wait_for("BIRD established", lambda: bird.established("gobgp"))
        wait_for("GoBGP established", lambda: g.established("127.0.0.2"))
        # BIRD -> GoBGP: GoBGP drops 127/8 next hops, so BIRD sends 192.0.2.2.
        r = wait_for("198.51.100.0/24 in GoBGP", lambda: g.routes("198.51.100.0/24"))[0]
        assert r["as_path"] == [65001], r
        assert r["communities"] == ["65001:10"] and r["large_communities"] == ["65001:1:2"], r
        assert r["next_hop"] == "192.0.2.2", r
        r = wait_for("/25 in GoBGP", lambda: g.routes("198.51.100.128/25"))[0]
        assert r["as_path"] == [65001, 64500], r
        r = wait_for("v6 in GoBGP", lambda: g.routes("2001:db8:100::/48"))[0]
        assert r["as_path"] == [65001, 64501, 64502] and r["next_hop"] == "2001:db8::2", r
        # GoBGP -> BIRD
        r = wait_for("203.0.113.0/24 in BIRD", lambda: bird.routes("203.0.113.0/24"))[0]
        assert r["as_path"] == [4200000002, 64520, {64510, 64511}], r
        assert r["communities"] == ["65002:7"], r
        assert r["unreachable"], "GoBGP's next hop 127.0.0.3 does not resolve in BIRD"
        r = wait_for("v6 in BIRD", lambda: bird.routes("2001:db8:200::/48"))[0]
        assert r["as_path"] == [4200000002, 64520] and r["next_hop"] == "2001:db8::3", r
        assert not r["unreachable"], r
        # The 2-octet-only BIRD: both sides reconstruct 4-octet paths from AS4_PATH.
        wait_for("2-octet BIRD established", lambda: old.established("gobgp"))
        text = old.protocol("gobgp")["text"]
        assert "4-octet AS numbers" not in text.split("Neighbor capabilities")[0], text
        r = wait_for("2-octet BIRD's route in GoBGP", lambda: g.routes("100.64.30.0/24"))[0]
        assert r["as_path"] == [65003, 4200000099], r
        r = wait_for("GoBGP's route in the 2-octet BIRD", lambda: old.routes("203.0.113.0/24"))[0]
        assert r["as_path"] == [4200000002, 64520, {64510, 64511}], r
        # Wrong MD5 password: never up.
        assert not bad.established("gobgp") and not g.established("127.0.0.6")
        # Restart BIRD (SIGKILL): the session and routes come back by themselves.
        bird.restart()
        wait_for("BIRD established after restart", lambda: bird.established("gobgp"))
        wait_for("routes back in GoBGP", lambda: g.routes("198.51.100.128/25"))
        # GoBGP's two routes and the one it learnt from the 2-octet BIRD.
        wait_for("3 routes imported", lambda: bird.protocol("gobgp")["imported"] == 3)
        assert not bad.established("gobgp") and not g.established("127.0.0.6")
        print("self-check passed")
    finally:
        for p in procs:
            p.stop()
        if os.environ.get("KEEP"):
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    self_check()

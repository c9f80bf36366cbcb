#!/usr/bin/python3
"""The full-table benchmark of issue 4: BIRD 2, GoBGP and byoipd in one run.

For each receiver: start it on loopback (own config in a temp dir, free
ports), let bench/bgp_feed stream a synthetic full table into it (1,000,000
IPv4 + 200,000 IPv6 routes by default, pre-encoded before the session opens),
and measure
  * seconds from the feeder's first UPDATE byte until the receiver holds every
    route (the feeder prints its CLOCK_MONOTONIC start; this driver polls the
    receiver's own route counter and takes the time when a poll answers the
    full count: an upper bound, at most one poll interval late);
  * bytes per route: VmRSS after minus VmRSS before the feed, over routes.
Then the announce leg: byoipd announces N /24s through its API (a thread
pool) to a BIRD peer, timing the API calls and the last route's arrival in
BIRD.

How each receiver is counted (each way is the cheapest the receiver offers):
  bird    birdc show protocols all feed: the channels' "Routes: N imported"
          counters, every 50 ms (a few ms each, no table walk)
  gobgp   gobgp neighbor (the summary's Accepted column), every 500 ms; gobgpd
          answers it in its main loop, so the queries' cost is in the time
  byoipd  GET /v1/bgp/peers prefixes_received, every 50 ms, keep-alive HTTP

Standard library only. Every process is started here on 127.0.0.1 and killed
by PID at the end, also on failure or Ctrl-C. Exit status 0 unless a leg that
could run failed (a skipped byoipd leg is not a failure).
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
sys.dont_write_bytecode = True  # leave no __pycache__ in tests/
import harness  # noqa: E402  (byoipd config, accounts and tokens, shared with the tests)

BIRD, BIRDC = "/usr/sbin/bird", "/usr/sbin/birdc"
GOBGPD, GOBGP = "/usr/bin/gobgpd", "/usr/bin/gobgp"
FEED_AS, RECEIVER_AS, BIRD_ANNOUNCE_AS = 64999, 65000, 65001


class Skip(Exception):
    """The leg cannot run here (e.g. byoipd has no BGP speaker yet)."""


# ---- processes, ports, memory -------------------------------------------

from procs import (cleanup, free_port, loadavg, proc_status, spawn, stop,  # noqa: E402
                   wait_until)
from procs import cpu_seconds as procs_cpu_seconds  # noqa: E402



def cpu_seconds(pid):
    """User + system CPU of a process (and its reaped children)."""
    return procs_cpu_seconds(pid, children=True)


# ---- the feeder -------------------------------------------------------------

class Feeder:
    """bench/bgp_feed as a child; its "feed: ..." lines parsed as they come."""

    def __init__(self, args, workdir, port, peer_as, name):
        cmd = [args.feed, "--host", "127.0.0.1", "--port", str(port), "--local-as", str(FEED_AS),
               "--peer-as", str(peer_as), "--router-id", "192.0.2.99", "--ipv4", str(args.ipv4),
               "--ipv6", str(args.ipv6), "--per-update", str(args.per_update), "--seed", str(args.seed)]
        self.lines = []
        self.cond = threading.Condition()
        self.proc = spawn(cmd, os.path.join(workdir, f"feed-{name}.log"), stdout=subprocess.PIPE)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            with self.cond:
                self.lines.append(line)
                self.cond.notify_all()
        with self.cond:
            self.lines.append("<exit>")
            self.cond.notify_all()

    def wait_for(self, prefix, timeout):
        """The first line starting with `prefix`; fails on an error line or exit."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if line.startswith(prefix):
                        return line
                    if line.startswith("feed: error") or line.startswith("feed: notification") or line == "<exit>":
                        raise RuntimeError("feeder: " + " | ".join(self.lines[-5:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError(f"feeder: no '{prefix}' line after {timeout} s: {self.lines[-3:]}")
                self.cond.wait(left)

    def failed(self):
        with self.cond:
            return next((l for l in self.lines if l.startswith(("feed: error", "feed: notification",
                                                                 "feed: peer closed"))), None)

    def start_time(self, timeout):
        return float(self.wait_for("feed: start monotonic", timeout).split()[-1])

    def stop(self):
        stop(self.proc)


def measure_feed(name, args, workdir, receiver_pid, port, count, poll, total, note, idle_count=False,
                 while_connected=None):
    """Feeds one receiver and times it until `count()` == total.

    idle_count: instead of polling count() (which costs the receiver CPU),
    watch the receiver's CPU time in /proc (free for it) and ask count() only
    once it has been idle for a second after the feeder sent everything; the
    time is then when its CPU time last advanced.
    while_connected(result): called after the count is reached (or timed
    out) and before the feeder disconnects, to cross-check the receiver while
    it still holds the session's routes.
    """
    before = proc_status(receiver_pid)
    cpu_before = cpu_seconds(receiver_pid)
    load = loadavg()
    feeder = Feeder(args, workdir, port, RECEIVER_AS, name)
    try:
        start = feeder.start_time(timeout=120)
        polls, query_time, seen, done = 0, 0.0, 0, None
        cpu_last, cpu_moved, next_query = cpu_seconds(receiver_pid), time.monotonic(), 0.0
        while time.monotonic() - start < args.timeout:
            failure = feeder.failed()
            if failure:
                raise RuntimeError(f"{name}: {failure}")
            if idle_count:
                now, cpu = time.monotonic(), cpu_seconds(receiver_pid)
                if cpu > cpu_last:
                    cpu_last, cpu_moved = cpu, now
                sent = any(l.startswith("feed: sent") for l in feeder.lines)
                if not (sent and now - cpu_moved >= 1.0 and now >= next_query):
                    time.sleep(poll)
                    continue
                idle_since = cpu_moved
            q0 = time.monotonic()
            seen = count()
            query_time += time.monotonic() - q0
            polls += 1
            if seen >= total:
                done = idle_since if idle_count else time.monotonic()
                break
            if idle_count:
                next_query = time.monotonic() + 2.0
            else:
                time.sleep(poll)
        after = proc_status(receiver_pid)
        cpu = cpu_seconds(receiver_pid) - cpu_before
        sent = feeder.wait_for("feed: sent", timeout=5)
        result = {
            "receiver": name, "routes": seen, "total": total, "load1": load, "polls": polls,
            "query_seconds": query_time,
            "seconds": None if done is None else done - start, "feed_sent": sent[len("feed: "):],
            "rss_before": before["VmRSS"], "rss_after": after["VmRSS"], "hwm": after["VmHWM"],
            "bytes_per_route": (after["VmRSS"] - before["VmRSS"]) / max(seen, 1), "cpu": cpu,
            "count": note,
        }
        if done is None:
            result["error"] = f"timeout after {args.timeout} s holding {seen} of {total}"
        if while_connected is not None:
            if feeder.proc.poll() is None:
                while_connected(result)
            else:
                result.setdefault("error", "feeder gone before the cross-check (routes read after disconnect)")
        return result
    finally:
        feeder.stop()


# ---- BIRD -------------------------------------------------------------------

def bird_config(logfile, protocols):
    # Static routes make the documentation next hops (192.0.2.1, 2001:db8::1)
    # reachable, so BIRD resolves every route as it would on a router.
    return f"""log "{logfile}" all;
router id 192.0.2.254;
protocol device {{ scan time 3600; }}
protocol static nh4 {{ ipv4; route 192.0.2.0/24 via "lo"; }}
protocol static nh6 {{ ipv6; route 2001:db8::/64 via "lo"; }}
{protocols}"""


def bird_bgp(name, local_port, local_as, neighbor_port, neighbor_as, families=("ipv4", "ipv6")):
    channels = "".join(f"  {f} {{ import all; export none; }};\n" for f in families)
    return (f"protocol bgp {name} {{\n  local 127.0.0.1 port {local_port} as {local_as};\n"
            f"  neighbor 127.0.0.1 port {neighbor_port} as {neighbor_as};\n"
            f"  multihop;\n  passive on;\n  strict bind on;\n{channels}}}\n")


class Bird:
    def __init__(self, workdir, name, protocols):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "bird.ctl")
        conf = os.path.join(self.dir, "bird.conf")
        with open(conf, "w") as f:
            f.write(bird_config(os.path.join(self.dir, "bird.log"), protocols))
        self.proc = spawn([BIRD, "-f", "-c", conf, "-s", self.sock, "-P", os.path.join(self.dir, "bird.pid")],
                          os.path.join(self.dir, "stderr.log"))
        wait_until(lambda: "up and running" in self.birdc("show status"), 10, 0.05, "BIRD to start")

    def birdc(self, *command):
        if self.proc.poll() is not None:
            raise RuntimeError(f"BIRD exited with {self.proc.returncode}")
        p = subprocess.run([BIRDC, "-s", self.sock] + list(command), capture_output=True, text=True, timeout=30)
        return p.stdout

    def imported(self, protocol):
        """The protocol's channels' "Routes: N imported" counters, summed."""
        return sum(int(n) for n in re.findall(r"Routes:\s+(\d+) imported", self.birdc("show protocols all", protocol)))

    def memory(self):
        m = re.search(r"Total:\s+([\d.]+ \S+)", self.birdc("show memory"))
        return m.group(1) if m else "?"


def run_bird(args, workdir, total):
    port = free_port()
    bird = Bird(workdir, "bird", bird_bgp("feed", port, RECEIVER_AS, free_port(), FEED_AS))
    try:
        result = measure_feed("bird", args, workdir, bird.proc.pid, port, lambda: bird.imported("feed"),
                              0.05, total, "birdc show protocols all: Routes imported, every 50 ms")
        result["own_accounting"] = "birdc show memory: " + bird.memory()
        return result
    finally:
        stop(bird.proc)


# ---- GoBGP ------------------------------------------------------------------

GOBGP_TOML = """[global.config]
  as = {receiver_as}
  router-id = "192.0.2.254"
  port = {port}
  local-address-list = ["127.0.0.1"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "127.0.0.1"
    peer-as = {feed_as}
  [neighbors.transport.config]
    passive-mode = true
    local-address = "127.0.0.1"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
"""


def run_gobgp(args, workdir, total, idle_count=False):
    d = os.path.join(workdir, "gobgp-idle" if idle_count else "gobgp")
    os.makedirs(d)
    port, api = free_port(), free_port()
    conf = os.path.join(d, "gobgpd.toml")
    with open(conf, "w") as f:
        f.write(GOBGP_TOML.format(receiver_as=RECEIVER_AS, port=port, feed_as=FEED_AS))
    proc = spawn([GOBGPD, "-f", conf, "-t", "toml", "--api-hosts", f"127.0.0.1:{api}", "--pprof-disable",
                  "-l", "warn", "-p"], os.path.join(d, "gobgpd.log"))

    def neighbor():
        if proc.poll() is not None:
            raise RuntimeError(f"gobgpd exited with {proc.returncode}")
        return subprocess.run([GOBGP, "-p", str(api), "neighbor"], capture_output=True, text=True, timeout=60).stdout

    def accepted():
        # Peer AS Up/Down State |#Received Accepted  (both families summed)
        for line in neighbor().splitlines():
            if line.startswith("127.0.0.1"):
                return int(line.split("|")[1].split()[1])
        return 0

    try:
        wait_until(lambda: "127.0.0.1" in neighbor(), 15, 0.1, "gobgpd to start")
        if idle_count:
            return measure_feed("gobgp-idle", args, workdir, proc.pid, port, accepted, 0.05, total,
                                "gobgp neighbor once gobgpd's CPU time stood still 1 s after the feed "
                                "(time = its last CPU tick; no query cost)", idle_count=True)
        return measure_feed("gobgp", args, workdir, proc.pid, port, accepted, args.gobgp_poll, total,
                            f"gobgp neighbor: Accepted, every {args.gobgp_poll * 1000:.0f} ms after the "
                            "previous answer (query cost included)")
    finally:
        stop(proc)


# ---- byoipd -----------------------------------------------------------------

class Byoipd:
    """byoipd with a `bgp:` section; Skip when it has no BGP speaker yet."""

    def __init__(self, args, workdir, name, bgp_yaml):
        if not os.path.exists(args.byoipd):
            raise Skip(f"no byoipd binary at {args.byoipd}")
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        conf = os.path.join(self.dir, "byoipd.yaml")
        with open(conf, "w") as f:
            f.write(harness.config_yaml(os.path.join(self.dir, "state")) + bgp_yaml)
        self.log_path = os.path.join(self.dir, "byoipd.log")
        self.proc = spawn([args.byoipd, "--config", conf, "--port", "0"], self.log_path, stdout=subprocess.PIPE)
        self.api = self.bgp = None
        lines, got = [], threading.Event()

        def read():
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace").strip()
                lines.append(line)
                if line.startswith("byoipd: listening on "):
                    self.api = line.split()[-1]
                if line.startswith("byoipd: bgp listening on "):
                    self.bgp = line.split()[-1]
                if self.api and (self.bgp or not needs_listener(bgp_yaml)):
                    got.set()
            got.set()

        threading.Thread(target=read, daemon=True).start()
        got.wait(10)
        if self.proc.poll() is not None:
            raise Skip(f"byoipd exited with {self.proc.returncode} (config with bgp: refused?): "
                       + self.log_tail())
        if not self.api or (needs_listener(bgp_yaml) and not self.bgp):
            raise Skip("byoipd printed no 'byoipd: bgp listening on' line within 10 s (no BGP speaker yet?)")
        host, port = self.api.rsplit(":", 1)
        self.conns = threading.local()
        self.host, self.port = host, int(port)

    def log_tail(self):
        try:
            with open(self.log_path) as f:
                return " ".join(f.read().splitlines()[-3:])
        except OSError:
            return ""

    def http(self, method, path, account=harness.MGMT, body=None):
        """One request on this thread's keep-alive connection."""
        conn = getattr(self.conns, "c", None)
        if conn is None:
            conn = self.conns.c = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Authorization": "Bearer " + harness.TOKENS[account]}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            text = resp.read()
        except (http.client.HTTPException, OSError):
            self.conns.c = None
            raise
        return resp.status, json.loads(text) if text else None

    def peer(self, name):
        status, out = self.http("GET", "/v1/bgp/peers")
        if status != 200:
            raise Skip(f"GET /v1/bgp/peers -> {status}: {out}")
        return next(p for p in out["peers"] if p["name"] == name)


def needs_listener(bgp_yaml):
    return "listen:" in bgp_yaml


def byoipd_bgp_yaml(listen, peer):
    return ("bgp:\n  local_as: %d\n  router_id: 192.0.2.254\n%s  peers:\n%s"
            % (RECEIVER_AS, f"  listen: {listen}\n" if listen else "", peer))


def run_byoipd(args, workdir, total):
    peer = (f"    - name: feed\n      address: 127.0.0.1\n      remote_as: {FEED_AS}\n"
            f"      role: observer\n      passive: true\n")
    d = Byoipd(args, workdir, "byoipd", byoipd_bgp_yaml("127.0.0.1:0", peer))
    try:
        port = int(d.bgp.rsplit(":", 1)[1])
        def cross_check(result):
            # What the RIB itself says it holds (/metrics), read while the
            # feeder is still connected: an observer's routes go when its
            # session does. prefixes_received must be exactly the total too.
            conn = http.client.HTTPConnection(d.host, d.port, timeout=30)
            conn.request("GET", "/metrics", headers={"Authorization": "Bearer " + harness.TOKENS[harness.MGMT]})
            text = conn.getresponse().read().decode(errors="replace")
            conn.close()
            rib = {m.group(1): m.group(2) for m in re.finditer(r"^(byoipd_bgp_rib_\w+)\s+(\S+)$", text, re.M)}
            received = d.peer("feed")["prefixes_received"]
            result["own_accounting"] = (f"while connected: prefixes_received {received}; /metrics "
                                        + (", ".join(f"{k} {v}" for k, v in rib.items()) or "has no rib gauges"))
            routes = rib.get("byoipd_bgp_rib_routes")
            if received != total or routes is None or int(float(routes)) != total:
                result.setdefault("error", f"cross-check: prefixes_received {received}, "
                                           f"byoipd_bgp_rib_routes {routes}, expected {total}")

        result = measure_feed("byoipd", args, workdir, d.proc.pid, port,
                              lambda: d.peer("feed")["prefixes_received"], 0.05, total,
                              "GET /v1/bgp/peers prefixes_received, every 50 ms", while_connected=cross_check)
        return result
    finally:
        stop(d.proc)


def announce_prefixes(n):
    """n distinct /24s from 20.0.0.0 up (public-looking, outside special use)."""
    base = 20 << 24
    return ["%d.%d.%d.0/24" % ((a >> 24) & 255, (a >> 16) & 255, (a >> 8) & 255)
            for a in (base + (i << 8) for i in range(n))]


def run_announce(args, workdir):
    """byoipd announces args.announce /24s to BIRD through its API."""
    bird_port = free_port()
    bird = Bird(workdir, "bird-announce", bird_bgp("byoipd", bird_port, BIRD_ANNOUNCE_AS, free_port(),
                                                    RECEIVER_AS, families=("ipv4",)))
    d = None
    try:
        peer = (f"    - name: bird\n      address: 127.0.0.1\n      port: {bird_port}\n"
                f"      remote_as: {BIRD_ANNOUNCE_AS}\n      role: upstream\n      families: [ipv4-unicast]\n"
                f"      export:\n        next_hop_v4: 192.0.2.1\n")
        d = Byoipd(args, workdir, "byoipd-announce", byoipd_bgp_yaml(None, peer))
        status, out = d.http("POST", "/v1/organization/delegated-admin", harness.MGMT,
                             {"account_id": harness.NET})
        if status != 200:
            raise RuntimeError(f"delegated-admin -> {status}: {out}")
        wait_until(lambda: d.peer("bird")["state"] == "established", 30, 0.1, "byoipd-BIRD session")
        prefixes = announce_prefixes(args.announce)
        errors = []
        api_done = threading.Event()
        stamps = {}

        batch = max(1, args.announce_batch)
        # One journaled command per request: a prefix each, or a bulk list.
        requests = ([{"prefix": p} for p in prefixes] if batch == 1 else
                    [{"prefixes": prefixes[i:i + batch]} for i in range(0, len(prefixes), batch)])

        def post(body):
            status, out = d.http("POST", "/v1/bgp/announcements", harness.NET, body)
            if status != 200:
                errors.append(f"{str(body)[:60]} -> {status}: {out}")

        def announce_all():
            with concurrent.futures.ThreadPoolExecutor(args.announce_clients) as pool:
                for _ in pool.map(post, requests):
                    pass
            stamps["api_end"] = time.monotonic()
            api_done.set()

        load = loadavg()
        rss_before = proc_status(d.proc.pid)["VmRSS"]
        start = time.monotonic()
        threading.Thread(target=announce_all, daemon=True).start()
        seen, done = 0, None
        while time.monotonic() - start < args.timeout:
            seen = bird.imported("byoipd")
            if seen >= len(prefixes):
                done = time.monotonic()
                break
            if errors:
                raise RuntimeError("announce: " + errors[0])
            time.sleep(0.05)
        api_done.wait(args.timeout)
        result = {
            "receiver": "byoipd -> bird", "routes": seen, "total": len(prefixes), "load1": load,
            "api_seconds": stamps.get("api_end", float("nan")) - start,
            "seconds": None if done is None else done - start,
            "lag_after_api": None if done is None or "api_end" not in stamps else done - stamps["api_end"],
            "clients": args.announce_clients,
            "batch": batch,
            "byoipd_rss_delta": proc_status(d.proc.pid)["VmRSS"] - rss_before,
        }
        if errors:
            result["error"] = f"{len(errors)} API errors, first: {errors[0]}"
        elif done is None:
            result["error"] = f"timeout after {args.timeout} s: BIRD holds {seen} of {len(prefixes)}"
        return result
    finally:
        if d:
            stop(d.proc)
        stop(bird.proc)


# ---- report -----------------------------------------------------------------

def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    bird = subprocess.run([BIRD, "--version"], capture_output=True, text=True)
    gobgp = subprocess.run([GOBGPD, "--version"], capture_output=True, text=True)
    return (f"{os.cpu_count()} cpus, {cpu}; {(bird.stdout + bird.stderr).strip()}; "
            f"{gobgp.stdout.strip()}")


def print_report(results, skipped, announce):
    print()
    print("receiver   routes      hold-all s   bytes/route   time vs BIRD   memory vs BIRD   "
          "cpu s   load1")
    base = next((r for r in results if r["receiver"] == "bird" and r["seconds"]), None)
    for r in results:
        secs = f"{r['seconds']:.2f}" if r["seconds"] else "timeout"
        tr = f"{r['seconds'] / base['seconds']:.2f}x" if base and r["seconds"] else "-"
        mr = f"{r['bytes_per_route'] / base['bytes_per_route']:.2f}x" if base else "-"
        print(f"{r['receiver']:<10} {r['routes']:>9,}   {secs:>10}   {r['bytes_per_route']:>11,.0f}   "
              f"{tr:>12}   {mr:>14}   {r['cpu']:5.1f}   {r['load1']:5.2f}")
    for name, why in skipped:
        print(f"{name:<10} {'pending':>9}   skipped: {why}")
    print()
    for r in results:
        print(f"{r['receiver']}: counted by {r['count']}; {r['polls']} queries taking "
              f"{r['query_seconds']:.2f} s; RSS "
              f"{r['rss_before'] / 2**20:.1f} -> {r['rss_after'] / 2**20:.1f} MiB (peak {r['hwm'] / 2**20:.1f}); "
              f"feeder: {r['feed_sent']}" + (f"; {r['own_accounting']}" if "own_accounting" in r else "")
              + (f"; ERROR {r['error']}" if "error" in r else ""))
    if announce:
        a = announce
        if "skipped" in a:
            print(f"announce: skipped: {a['skipped']}")
        else:
            held = f"{a['seconds']:.2f} s" if a["seconds"] else "timeout"
            lag = f"{a['lag_after_api']:.2f} s" if a.get("lag_after_api") is not None else "-"
            print(f"announce: byoipd announced {a['total']:,} /24s through POST /v1/bgp/announcements "
                  f"({a['clients']} clients, {a.get('batch', 1)} prefixes per request) in {a['api_seconds']:.2f} s ({a['total'] / a['api_seconds']:,.0f}/s); "
                  f"BIRD held all after {held} from the first POST, {lag} after the last answer; "
                  f"byoipd RSS +{a['byoipd_rss_delta'] / 2**20:.1f} MiB; load1 {a['load1']:.2f}"
                  + (f"; ERROR {a['error']}" if "error" in a else ""))


def main():
    build = os.environ.get("BYOIPD_BUILD_DIR", os.path.join(ROOT, "build"))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=build, help="build dir with bench/bgp_feed and controller/byoipd")
    p.add_argument("--feed", help="bgp_feed binary (default BUILD/bench/bgp_feed)")
    p.add_argument("--byoipd", help="byoipd binary (default BUILD/controller/byoipd)")
    p.add_argument("--receivers", default="bird,gobgp,byoipd",
                   help="comma list of bird, gobgp, gobgp-idle (counted without polling), byoipd")
    p.add_argument("--gobgp-poll", type=float, default=0.5, help="seconds between GoBGP count queries")
    p.add_argument("--ipv4", type=int, default=1_000_000)
    p.add_argument("--ipv6", type=int, default=200_000)
    p.add_argument("--per-update", type=int, default=3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--announce", type=int, default=100_000, help="prefixes for the announce leg (0: skip it)")
    p.add_argument("--announce-clients", type=int, default=16)
    p.add_argument("--announce-batch", type=int, default=10000,
                   help="prefixes per POST (body.prefixes); 1: one POST per prefix")
    p.add_argument("--timeout", type=float, default=600, help="seconds per leg")
    p.add_argument("--quick", action="store_true", help="1/10 of the table and of the announcements")
    p.add_argument("--keep", action="store_true", help="keep the work directory (configs, logs)")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args()
    args.feed = args.feed or os.path.join(args.build, "bench", "bgp_feed")
    args.byoipd = args.byoipd or os.path.join(args.build, "controller", "byoipd")
    if args.quick:
        args.ipv4, args.ipv6, args.announce = args.ipv4 // 10, args.ipv6 // 10, args.announce // 10
    if not os.path.exists(args.feed):
        sys.exit(f"bgp_full_table: no feeder at {args.feed} (cmake --build BUILD --target bgp_feed)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # finally-blocks still run

    workdir = tempfile.mkdtemp(prefix="bgp-full-table-")
    total = args.ipv4 + args.ipv6
    results, skipped, announce, failed = [], [], None, False
    print(f"bgp_full_table: {args.ipv4:,} IPv4 + {args.ipv6:,} IPv6 routes, {args.per_update} per UPDATE, "
          f"seed {args.seed}; machine: {machine()}; work dir {workdir}", flush=True)
    legs = {"bird": run_bird, "gobgp": run_gobgp, "byoipd": run_byoipd,
            "gobgp-idle": lambda a, w, t: run_gobgp(a, w, t, idle_count=True)}
    try:
        for name in args.receivers.split(","):
            print(f"-- {name} ...", flush=True)
            try:
                r = legs[name](args, workdir, total)
                results.append(r)
                failed |= "error" in r
                print(f"   {json.dumps(r)}", flush=True)
            except Skip as e:
                skipped.append((name, str(e)))
                print(f"   skipped: {e}", flush=True)
            except RuntimeError as e:
                failed = True
                skipped.append((name, f"FAILED: {e}"))
                print(f"   FAILED: {e}", flush=True)
        if args.announce > 0:
            print(f"-- announce {args.announce:,} prefixes byoipd -> BIRD ...", flush=True)
            try:
                announce = run_announce(args, workdir)
                failed |= "error" in announce
            except Skip as e:
                announce = {"skipped": str(e)}
            except RuntimeError as e:
                failed = True
                announce = {"skipped": f"FAILED: {e}"}
            print(f"   {json.dumps(announce)}", flush=True)
        print_report(results, skipped, announce)
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"results": results, "skipped": skipped, "announce": announce}, f, indent=2)
    finally:
        cleanup()
        if args.keep:
            print(f"work dir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

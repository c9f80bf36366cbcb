#!/usr/bin/python3
"""The full RTR sync benchmark of issue 5: byoipd, RTRlib and BIRD 2 from one StayRTR.

Writes 800,000 synthetic VRPs (600k IPv4, 200k IPv6; the distribution of
bench/rpki_bench, fixed seed) as a StayRTR JSON file, starts StayRTR 0.5.1 on
127.0.0.1 (`-protocol 1`: RFC 8210), waits until it serves the set, and then
times a full sync (Reset Query to End of Data applied) of each client in turn:

  raw-paced  bench/rpki_sync_bench --raw --pace-ms 20 --lowat 262144: a
          Reset Query, then PDU framing only until End of Data, reading every
          20 ms whatever has arrived, with the socket's receive low-water mark
          raised while it waits: exactly how byoipd's RtrSession reads a sync,
          without the work. How long StayRTR needs to send the set.
  raw-paced-plain  the same without the low-water mark (the floor of earlier
          runs). The floor is the best time of either: the time StayRTR takes
          to send the set to a reader that does not hold it back.
  raw     the same reading as soon as anything arrives. StayRTR 0.5.1 makes one
          write() per PDU, so an eager reader wakes for almost every PDU and
          the wake-ups slow both sides (about 3x): what an event-driven client
          gets for free, before doing any work.
  byoipd  bench/rpki_sync_bench --byoipd: the Validator (byoipd's runtime),
          status() every 10 ms until Established with every VRP published.
  rtrlib  bench/rpki_sync_bench --rtrlib: RTRlib 0.8's rtr_mgr (Debian has no
          rtrclient binary; this is the library it wraps), in sync and its
          pfx_table holding every record, checked every 10 ms.
  bird    BIRD 2 with `protocol rpki` (started disabled, then `birdc enable`),
          the "Routes: N imported" counters of `birdc show protocols all rpki1`
          every 50 ms (no table walk).

Each client runs in its own process, so its resident-set growth over the sync
divided by the VRPs is its bytes per VRP (BIRD: also its own `show memory`).
Every leg runs --repeat times (default 2), interleaved, each run starting at
the next leg in turn, after one raw sync that is not counted (StayRTR's
first send is slower). Times are wall-clock
on a shared machine: the 1-minute load average is printed with each.

Standard library only. Every process is started here on 127.0.0.1 and killed
by PID at the end, also on failure or Ctrl-C.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAYRTR, BIRD, BIRDC = "/usr/bin/stayrtr", "/usr/sbin/bird", "/usr/sbin/birdc"


# ---- processes, ports, memory -------------------------------------------

from procs import (cleanup, cpu_seconds, free_port, loadavg, proc_status,  # noqa: E402
                   spawn, stop, wait_until)



def rss(pid):
    return proc_status(pid).get("VmRSS", 0)


# ---- the VRP set --------------------------------------------------------------

V6_BLOCKS = [(0x2001, 0x2001), (0x2400, 0x240f), (0x2600, 0x260f), (0x2800, 0x280f),
             (0x2a00, 0x2a14), (0x2c00, 0x2c0f)]


def synthetic_vrps(v4_count, v6_count, seed):
    """Distinct (prefix text, maxLength, asn) like bench/rpki_bench's generator:
    IPv4 about 90% /24 (40% of them inside a /16-/23 aggregate, 10% with a max
    length of 25-32), 10% aggregates (60% max length 24); IPv6 40% /29-/44
    aggregates, the rest /48 (40% inside an aggregate); origins from a pool of
    75,000 ASNs, 0.5% AS0."""
    rng = random.Random(seed)
    asns = [rng.randint(1000, 400000) for _ in range(75000)]
    seen, out = set(), []

    def asn():
        return 0 if rng.random() < 0.005 else asns[rng.randrange(len(asns))]

    def random_v4():
        while True:
            a = rng.randint(1 << 24, (224 << 24) - 1)
            if a >> 24 not in (10, 127, 100):
                return a

    def add(family, net, length, max_length):
        key = (family, net, length, max_length, asn())
        if key in seen:
            return False
        seen.add(key)
        out.append(key)
        return True

    aggs = []
    target = len(out) + v4_count
    while len(out) < target:
        if rng.random() < 0.10:
            length = rng.randint(22, 23) if rng.random() < 0.5 else rng.randint(16, 21)
            net = random_v4() & ~((1 << (32 - length)) - 1) & 0xffffffff
            if add(4, net, length, 24 if rng.random() < 0.6 else length):
                aggs.append((net, length))
            continue
        a = random_v4()
        if aggs and rng.random() < 0.4:
            net, length = aggs[rng.randrange(len(aggs))]
            a = net | (rng.getrandbits(32) & ((1 << (32 - length)) - 1))
        add(4, a & 0xffffff00, 24, rng.randint(25, 32) if rng.random() < 0.10 else 24)

    def random_v6():
        lo, hi = V6_BLOCKS[rng.randrange(len(V6_BLOCKS))]
        return (rng.randint(lo, hi) << 112) | (rng.getrandbits(32) << 80) | (rng.getrandbits(32) << 48)

    def mask6(a, length):
        return a & ~((1 << (128 - length)) - 1) & ((1 << 128) - 1)

    aggs = []
    target = len(out) + v6_count
    while len(out) < target:
        if rng.random() < 0.4:
            length = 32 if rng.random() < 0.5 else 29 if rng.random() < 0.3 else rng.randint(33, 44)
            net = mask6(random_v6(), length)
            if add(6, net, length, 48 if rng.random() < 0.3 else length):
                aggs.append((net, length))
            continue
        a = random_v6()
        if aggs and rng.random() < 0.4:
            net, length = aggs[rng.randrange(len(aggs))]
            a = net | (a & ((1 << (128 - length)) - 1))
        add(6, mask6(a, 48), 48, 48)
    return out


def prefix_text(family, net, length):
    if family == 4:
        return "%d.%d.%d.%d/%d" % (net >> 24, (net >> 16) & 255, (net >> 8) & 255, net & 255, length)
    groups = ":".join("%x" % ((net >> (112 - 16 * i)) & 0xffff) for i in range(8))
    return f"{groups}/{length}"


def write_vrp_json(path, vrps):
    """rpki-client's JSON export, which StayRTR reads."""
    with open(path, "w") as f:
        f.write('{"metadata":{"buildtime":"2026-01-01T00:00:00Z","roas":%d},"roas":[\n' % len(vrps))
        f.write(",\n".join('{"asn":%d,"prefix":"%s","maxLength":%d,"ta":"bench"}'
                           % (a, prefix_text(fam, net, ln), ml) for fam, net, ln, ml, a in vrps))
        f.write("\n]}\n")


# ---- StayRTR --------------------------------------------------------------------

def cache_ready(port):
    """True once StayRTR answers a Reset Query with a Cache Response (not
    Error Report 2, No Data Available)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(struct.pack("!BBHI", 1, 2, 0, 8))
            head = s.recv(8)
            return len(head) >= 2 and head[1] == 3
    except OSError:
        return False


def start_stayrtr(workdir, vrp_file):
    port = free_port()
    cmd = [STAYRTR, "-cache", vrp_file, "-checktime=false", "-bind", f"127.0.0.1:{port}",
           "-metrics.addr", f"127.0.0.1:{free_port()}", "-protocol", "1", "-refresh", "3600",
           "-log.verbose=false"]
    proc = spawn(cmd, os.path.join(workdir, "stayrtr.log"))
    wait_until(lambda: proc.poll() is None and cache_ready(port), 120, 0.2, "StayRTR to serve the VRPs")
    return proc, port


# ---- the legs -------------------------------------------------------------------

def run_bench_leg(args, workdir, leg, port, expect, stayrtr):
    load = loadavg()
    cpu0 = cpu_seconds(stayrtr.pid)
    mode = "raw" if leg.startswith("raw") else leg
    cmd = [args.bench, f"--{mode}", "127.0.0.1", str(port), "--timeout", str(args.timeout)]
    if leg.startswith("raw-paced"):
        cmd += ["--pace-ms", str(args.pace_ms)]
    if leg == "raw-paced":
        cmd += ["--lowat", str(args.lowat)]
    if mode != "raw":
        cmd += ["--expect", str(expect)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout + 30)
    with open(os.path.join(workdir, f"{leg}.log"), "a") as f:
        f.write(p.stdout + p.stderr)
    line = next((l for l in p.stdout.splitlines() if l.startswith("result: ")), None)
    if line is None:
        raise RuntimeError(f"{leg}: exit {p.returncode}, no result line: {(p.stdout + p.stderr)[-300:]}")
    r = dict(kv.split("=", 1) for kv in line[len("result: "):].split())
    label = "raw-paced" if leg.startswith("raw-paced") else leg  # as rpki_sync_bench names it
    summary = next((l for l in p.stdout.splitlines() if l.startswith(f"{label}: ") and "ipv4=" not in l), "")
    if leg != label:
        summary = leg + summary[len(label):]
    out = {"leg": leg, "seconds": float(r["seconds"]) if r["done"] == "1" else None,
           "vrps": int(r["vrps"]), "rss_b": float(r["rss_bytes_per_vrp"]),
           "heap_b": float(r["heap_bytes_per_vrp"]), "cpu": float(r["cpu_seconds"]),
           "stayrtr_cpu": cpu_seconds(stayrtr.pid) - cpu0, "load1": load, "detail": summary}
    if mode == "raw":
        m = re.search(r"raw: ipv4=(\d+) ipv6=(\d+) bytes=(\d+) reads=(\d+) first_byte=([\d.]+)", p.stdout)
        out.update(ipv4=int(m.group(1)), ipv6=int(m.group(2)), bytes=int(m.group(3)), reads=int(m.group(4)),
                   first_byte=float(m.group(5)))
    if p.returncode != 0:
        out["error"] = f"exit {p.returncode}: {summary}"
    return out


class Bird:
    def __init__(self, workdir, name, cache_port):
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.sock = os.path.join(self.dir, "bird.ctl")
        conf = os.path.join(self.dir, "bird.conf")
        with open(conf, "w") as f:
            f.write(f"""log "{os.path.join(self.dir, 'bird.log')}" all;
router id 192.0.2.254;
roa4 table r4;
roa6 table r6;
protocol rpki rpki1 {{
  disabled;
  roa4 {{ table r4; }};
  roa6 {{ table r6; }};
  remote 127.0.0.1 port {cache_port};
  retry keep 90;
  refresh keep 3600;
  expire keep 7200;
}}
""")
        self.proc = spawn([BIRD, "-f", "-c", conf, "-s", self.sock, "-P", os.path.join(self.dir, "bird.pid")],
                          os.path.join(self.dir, "stderr.log"))
        wait_until(lambda: "up and running" in self.birdc("show status"), 10, 0.05, "BIRD to start")

    def birdc(self, *command):
        if self.proc.poll() is not None:
            raise RuntimeError(f"BIRD exited with {self.proc.returncode}")
        return subprocess.run([BIRDC, "-s", self.sock] + list(command), capture_output=True, text=True,
                              timeout=30).stdout

    def imported(self):
        return sum(int(n) for n in re.findall(r"Routes:\s+(\d+) imported", self.birdc("show protocols all", "rpki1")))

    def memory_total(self):
        """`show memory` Total, in bytes."""
        m = re.search(r"Total:\s+([\d.]+)\s+(\S+)", self.birdc("show memory"))
        if not m:
            return 0
        scale = {"B": 1, "kB": 1024, "MB": 1 << 20, "GB": 1 << 30}.get(m.group(2), 1)
        return float(m.group(1)) * scale


def run_bird(args, workdir, port, expect, stayrtr, rep):
    bird = Bird(workdir, f"bird-{rep}", port)
    try:
        load = loadavg()
        rss0, mem0, cpu0 = rss(bird.proc.pid), bird.memory_total(), cpu_seconds(bird.proc.pid)
        scpu0 = cpu_seconds(stayrtr.pid)
        start = time.monotonic()
        bird.birdc("enable", "rpki1")
        seen, done, polls = 0, None, 0
        while time.monotonic() - start < args.timeout:
            seen = bird.imported()
            polls += 1
            if seen >= expect:
                done = time.monotonic() - start
                break
            time.sleep(0.05)
        n = max(seen, 1)
        out = {"leg": "bird", "seconds": done, "vrps": seen, "rss_b": (rss(bird.proc.pid) - rss0) / n,
               "heap_b": (bird.memory_total() - mem0) / n, "cpu": cpu_seconds(bird.proc.pid) - cpu0,
               "stayrtr_cpu": cpu_seconds(stayrtr.pid) - scpu0, "load1": load,
               "detail": f"bird: {polls} polls of `show protocols all rpki1`; heap_b is `show memory` Total"}
        if done is None:
            out["error"] = f"timeout: BIRD holds {seen} of {expect}"
        return out
    finally:
        stop(bird.proc)


# ---- report -----------------------------------------------------------------------

def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    bird = subprocess.run([BIRD, "--version"], capture_output=True, text=True)
    return f"{os.cpu_count()} cpus, {cpu}; {(bird.stdout + bird.stderr).strip()}; stayrtr 0.5.1; RTRlib 0.8.0"


def print_report(results):
    print()
    print("leg              run   seconds   vs StayRTR send   RSS B/VRP   own B/VRP   client cpu s   "
          "StayRTR cpu s   load1")
    raw = [r["seconds"] for r in results if r["leg"].startswith("raw-paced") and r["seconds"]]
    floor = min(raw) if raw else None
    for r in results:
        secs = f"{r['seconds']:.3f}" if r["seconds"] else "FAIL"
        ratio = f"{r['seconds'] / floor:.2f}x" if floor and r["seconds"] else "-"
        print(f"{r['leg']:<16} {r['rep']:>3}   {secs:>7}   {ratio:>15}   {r['rss_b']:>9.1f}   "
              f"{r['heap_b']:>9.1f}   {r['cpu']:>12.2f}   {r['stayrtr_cpu']:>13.2f}   {r['load1']:5.2f}")
    print("\nbest of each (ratio to the floor, the best raw-paced send):")
    for leg in ("raw-paced", "raw-paced-plain", "raw", "byoipd", "rtrlib", "bird"):
        times = [r["seconds"] for r in results if r["leg"] == leg and r["seconds"]]
        if times and floor:
            print(f"  {leg:<16} {min(times):7.3f} s   {min(times) / floor:5.2f}x")
    print("\nown B/VRP: byoipd and rtrlib heap growth (mallinfo2), BIRD `show memory` Total growth;")
    for r in results:
        print(r["detail"] + (f"  ERROR {r['error']}" if "error" in r else ""))


def main():
    build = os.environ.get("BYOIPD_BUILD_DIR", os.path.join(ROOT, "build"))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", default=build, help="build dir with bench/rpki_sync_bench")
    p.add_argument("--bench", help="rpki_sync_bench binary (default BUILD/bench/rpki_sync_bench)")
    p.add_argument("--legs", default="raw-paced,raw-paced-plain,raw,byoipd,rtrlib,bird",
                   help="comma list of raw-paced, raw-paced-plain, raw, byoipd, rtrlib, bird")
    p.add_argument("--pace-ms", type=int, default=20, help="raw-paced: milliseconds between reads")
    p.add_argument("--lowat", type=int, default=256 << 10,
                   help="raw-paced: receive low-water mark while waiting (byoipd's; 0: none)")
    p.add_argument("--ipv4", type=int, default=600_000)
    p.add_argument("--ipv6", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=6811)
    p.add_argument("--repeat", type=int, default=2, help="runs of each leg, interleaved")
    p.add_argument("--timeout", type=float, default=120, help="seconds per leg")
    p.add_argument("--quick", action="store_true", help="a tenth of the VRPs")
    p.add_argument("--keep", action="store_true", help="keep the work directory (VRP file, configs, logs)")
    p.add_argument("--json", help="also write the results to this file")
    args = p.parse_args()
    args.bench = args.bench or os.path.join(args.build, "bench", "rpki_sync_bench")
    if args.quick:
        args.ipv4, args.ipv6 = args.ipv4 // 10, args.ipv6 // 10
    if not os.path.exists(args.bench):
        sys.exit(f"rpki_sync: no {args.bench} (cmake --build BUILD --target rpki_sync_bench)")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # finally-blocks still run

    workdir = tempfile.mkdtemp(prefix="rpki-sync-")
    results, failed = [], False
    print(f"rpki_sync: {args.ipv4:,} IPv4 + {args.ipv6:,} IPv6 VRPs, seed {args.seed}; machine: {machine()}; "
          f"work dir {workdir}", flush=True)
    try:
        t = time.monotonic()
        vrp_file = os.path.join(workdir, "vrps.json")
        write_vrp_json(vrp_file, synthetic_vrps(args.ipv4, args.ipv6, args.seed))
        print(f"-- wrote {vrp_file} ({os.path.getsize(vrp_file) / 2**20:.1f} MiB) in {time.monotonic() - t:.1f} s",
              flush=True)
        stayrtr, port = start_stayrtr(workdir, vrp_file)
        print(f"-- StayRTR pid {stayrtr.pid} serving on 127.0.0.1:{port}", flush=True)
        expect = args.ipv4 + args.ipv6
        # StayRTR (Go) serializes lazily and grows its heap on the first full
        # send: one raw sync first, not counted, so that every leg meets the
        # same warmed-up cache.
        warm = run_bench_leg(args, workdir, "raw-paced", port, expect, stayrtr)
        print(f"-- warm-up raw sync (not counted): {warm['seconds']} s", flush=True)
        legs = args.legs.split(",")
        for rep in range(1, args.repeat + 1):
            # Each run starts at the next leg: a leg's send can depend on the
            # one before (StayRTR's garbage collection), so no leg always
            # follows the same one.
            shift = (rep - 1) % len(legs)
            for leg in legs[shift:] + legs[:shift]:
                print(f"-- {leg} run {rep} (load1 {loadavg():.2f}) ...", flush=True)
                try:
                    if leg == "bird":
                        r = run_bird(args, workdir, port, expect, stayrtr, rep)
                    else:
                        r = run_bench_leg(args, workdir, leg, port, expect, stayrtr)
                    if leg.startswith("raw") and r["vrps"] != expect:
                        r["error"] = f"StayRTR sent {r['vrps']} prefixes, expected {expect}"
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    r = {"leg": leg, "seconds": None, "vrps": 0, "rss_b": 0, "heap_b": 0, "cpu": 0,
                         "stayrtr_cpu": 0, "load1": loadavg(), "detail": f"{leg}: FAILED", "error": str(e)}
                r["rep"] = rep
                failed |= "error" in r
                results.append(r)
                print(f"   {json.dumps(r)}", flush=True)
        print_report(results)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
    finally:
        cleanup()
        if args.keep:
            print(f"work dir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

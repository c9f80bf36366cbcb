"""Child processes, ports and /proc readings for the benchmark drivers
(bgp_full_table.py, rpki_sync.py): loopback ports picked free at run time,
every process started through spawn() and killed by PID in cleanup(), even on
failure."""
import os
import signal
import socket
import subprocess
import time

CHILDREN = []  # every Popen started through spawn()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(cmd, log_path, **kw):
    log = open(log_path, "ab")
    proc = subprocess.Popen(cmd, stdout=kw.pop("stdout", log), stderr=log, stdin=subprocess.DEVNULL, **kw)
    CHILDREN.append(proc)
    return proc


def stop(proc, timeout=10):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def cleanup():
    for proc in reversed(CHILDREN):
        stop(proc, timeout=5)


def proc_status(pid):
    """VmRSS and VmHWM in bytes."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


def cpu_seconds(pid, children=False):
    """User + system CPU of a process; with children=True, plus its reaped
    children's."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15 if children else 13]) / os.sysconf("SC_CLK_TCK")


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def wait_until(predicate, timeout, interval, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise RuntimeError(f"timed out after {timeout} s waiting for {what}")

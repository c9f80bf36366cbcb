"""Child processes and ports for the benchmark drivers (bgp_full_table.py,
rpki_sync.py): loopback ports picked free at run time, every process started
through spawn() and killed by PID in cleanup(), even on failure."""
import os
import signal
import socket
import subprocess

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

#!/usr/bin/env python3
"""A pool crossing 80% sends exactly one alarm to a webhook, and one clear."""
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import NET, DaemonTest, main  # noqa: E402


class Receiver(http.server.BaseHTTPRequestHandler):
    events = []
    fail_first = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if Receiver.fail_first > 0:  # exercise the retry path once
            Receiver.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        Receiver.events.append(json.loads(body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class Alarms(DaemonTest):
    def setUp(self):
        super().setUp()
        Receiver.events = []
        Receiver.fail_first = 1
        self.server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        super().tearDown()

    def wait_events(self, n, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline and len(Receiver.events) < n:
            time.sleep(0.05)
        return list(Receiver.events)

    def test_one_alarm_on_crossing_and_one_clear(self):
        port = self.server.server_address[1]
        d = self.daemon("alarms:\n  utilization_threshold: 80\n  evaluate_interval_ms: 100\n"
                        "  retry_initial_ms: 50\n  retry_max_ms: 200\n"
                        f"  webhooks:\n    - url: http://127.0.0.1:{port}/hook\n")
        _, _, top, _ = self.bootstrap(d)
        # The top pool holds 10.0.0.0/16 with the leaf's /20 (6.25%). Fill
        # it to exactly 75% (+ /17 50%, /19 12.5%, /20 6.25%), then cross 80%.
        for n in (17, 19, 20):
            d.ok("POST", f"/v1/pools/{top}/allocations", NET, {"netmask_length": n})
        used = d.ok("GET", f"/v1/pools/{top}/utilization")["utilization"]["percent"]
        self.assertEqual(used, 75.0)
        time.sleep(0.5)
        self.assertEqual(Receiver.events, [], "no alarm below the threshold")
        extra = d.ok("POST", f"/v1/pools/{top}/allocations", NET, {"netmask_length": 20})["allocation"]
        self.assertGreaterEqual(d.ok("GET", f"/v1/pools/{top}/utilization")["utilization"]["percent"], 80.0)
        events = self.wait_events(1)
        self.assertEqual(len(events), 1, events)
        self.assertEqual(events[0]["state"], "firing")
        self.assertEqual(events[0]["kind"], "pool-utilization")
        self.assertIn(top, events[0]["key"])
        # More allocations while above: no second alarm.
        more = d.ok("POST", f"/v1/pools/{top}/allocations", NET, {"netmask_length": 24})["allocation"]
        time.sleep(0.6)
        self.assertEqual(len(Receiver.events), 1, Receiver.events)
        alarms = d.ok("GET", "/v1/alarms")["alarms"]
        self.assertEqual(len(alarms), 1)
        # Drop below: exactly one clear.
        for a in [extra, more]:
            d.ok("DELETE", f"/v1/pools/{top}/allocations/{a['id']}")
        events = self.wait_events(2)
        time.sleep(0.4)
        self.assertEqual([e["state"] for e in Receiver.events], ["firing", "resolved"])
        self.assertEqual(d.ok("GET", "/v1/alarms")["alarms"], [])


if __name__ == "__main__":
    main()

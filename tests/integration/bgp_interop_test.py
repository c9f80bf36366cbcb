#!/usr/bin/env python3
"""byoipd's BGP speaker against real peers (issue 4): BIRD 2 and GoBGP started
by each test on loopback, byoipd driven through its bgp: config section, the
REST API and byoipctl.

Addresses: byoipd speaks from 127.0.0.1 (and ::1, and 127.0.0.5 for a second
session to the same router); BIRD sits on 127.0.0.2 (and 127.0.0.4), GoBGP on
127.0.0.3; IPv6 sessions use ::1 with distinct ports.
Every port is picked free at run time; every process is killed by PID.
"""
import os
import sys
import time
import urllib.parse

import yaml

sys.path.insert(0, os.path.dirname(__file__))
from harness import MGMT, NET, Daemon, DaemonTest, main  # noqa: E402
from bgp_peers import Bird, GoBgp, Neighbor, Route, free_port, wait_for  # noqa: E402

LOCAL_AS = 4200000001          # byoipd: 4-octet
BIRD_AS = 65001
GOBGP_AS = 4200000002          # 4-octet peer
OLD_BIRD_AS = 65003            # 2-octet-only peer (enable as4 off)
AS_TRANS = 23456
NH4, NH6 = "192.0.2.1", "2001:db8::1"   # byoipd's export next hops
UP = 30.0                      # seconds allowed for a session to come up

# Routes the peers originate (path = ASNs after the peer's own AS).
BIRD_ROUTES = [Route("198.51.100.0/24", communities=["65001:10"]),
               Route("198.51.100.128/25", path=[64500]),              # more-specific
               Route("2001:db8:100::/48", path=[64501])]
GOBGP_ROUTES = [Route("100.64.10.0/24", path=[64520, {64510, 64511}]),  # AS_SET origin
                Route("2001:db8:200::/48", path=[64530], next_hop="2001:db8::3")]


def export(**extra):
    out = {"next_hop_v4": NH4, "next_hop_v6": NH6}
    out.update(extra)
    return out


def peer(name, address, port, remote_as, role="onprem", local_address="127.0.0.1", **kw):
    p = {"name": name, "address": address, "port": port, "local_address": local_address,
         "remote_as": remote_as, "role": role, "hold_time": 9, "connect_retry": 1,
         "export": export()}
    p.update(kw)
    return p


class BgpInterop(DaemonTest):
    def setUp(self):
        super().setUp()
        self.peers = []
        self.bgp_port = free_port("127.0.0.1")

    def tearDown(self):
        failed = self._failed()
        for p in self.peers:
            p.stop()
        if failed:
            self._dump_logs()
        super().tearDown()

    def _failed(self):
        result = getattr(self._outcome, "result", None)
        if result is None:
            return False
        return any(t is self for t, _ in result.errors + result.failures)

    def _dump_logs(self):
        for d in self.daemons:
            lines = d.log().splitlines()
            sys.stderr.write(f"\n--- byoipd log ({self.id()}), last 40 lines ---\n"
                             + "\n".join(lines[-40:]) + "\n")
        for p in self.peers:
            sys.stderr.write(f"--- {p.name} log tail ---\n" + "\n".join(p.log().splitlines()[-15:]) + "\n")

    # -- fixtures ------------------------------------------------------------
    def bird(self, neighbors, routes=(), asn=BIRD_AS, local_address="127.0.0.2", name="bird"):
        b = Bird(self.workdir, asn=asn, router_id="192.0.2.2", local_address=local_address,
                 neighbors=neighbors, routes=routes, name=name)
        self.peers.append(b)
        return b.start()

    def gobgp(self, neighbors, routes=(), local_address="127.0.0.3"):
        g = GoBgp(self.workdir, asn=GOBGP_AS, router_id="192.0.2.3", local_address=local_address,
                  neighbors=neighbors, routes=routes)
        self.peers.append(g)
        return g.start()

    def byoipd(self, peers):
        """byoipd with the given bgp peers; the network account is made the
        delegated IPAM admin (the only one allowed to announce)."""
        section = {"bgp": {"local_as": LOCAL_AS, "router_id": "192.0.2.10",
                           "listen": f"127.0.0.1:{self.bgp_port}", "peers": peers}}
        d = Daemon(self.workdir, yaml.safe_dump(section, sort_keys=False))
        self.daemons.append(d)
        d.start(expect_bgp_listener=True)
        self.assertEqual(d.bgp_listen, f"127.0.0.1:{self.bgp_port}")
        d.ok("POST", "/v1/organization/delegated-admin", MGMT, {"account_id": NET})
        return d

    def to_byoipd(self, name, remote_as=LOCAL_AS, **kw):
        """The Neighbor entry a peer uses for byoipd's listener."""
        return Neighbor(name, "127.0.0.1", self.bgp_port, remote_as, **kw)

    # -- byoipd queries ------------------------------------------------------
    def byoipd_peer(self, d, name):
        peers = d.ok("GET", "/v1/bgp/peers")["peers"]
        return next(p for p in peers if p["name"] == name)

    def wait_established(self, d, name, timeout=UP):
        return wait_for(f"byoipd peer {name} established",
                        lambda: (lambda p: p if p["state"] == "established" else None)(
                            self.byoipd_peer(d, name)), timeout)

    def byoipd_routes(self, d, prefix, exact=False, peer_name=None):
        q = "prefix=" + urllib.parse.quote(prefix, safe="")
        if exact:
            q += "&exact=true"
        if peer_name:
            q += "&peer=" + peer_name
        return d.ok("GET", "/v1/bgp/routes?" + q)["routes"]

    def announce(self, d, prefix, **body):
        body["prefix"] = prefix
        out = d.ok("POST", "/v1/bgp/announcements", NET, body)
        self.assertEqual(out["announcement"]["prefix"], prefix)
        return out

    def withdraw(self, d, prefix):
        return d.ok("DELETE", "/v1/bgp/announcements", NET, {"prefix": prefix})

    def one(self, what, probe, timeout=UP):
        """Waits for probe() to return a non-empty list and returns its only element."""
        got = wait_for(what, probe, timeout)
        self.assertEqual(len(got), 1, f"{what}: {got}")
        return got[0]

    def gone(self, what, probe, timeout=UP):
        wait_for(what + " gone", lambda: probe() == [], timeout)

    def never(self, what, probe, duration=6.0):
        """Asserts probe() stays falsy for `duration` seconds."""
        end = time.time() + duration
        while time.time() < end:
            got = probe()
            self.assertFalse(got, f"{what}: {got}")
            time.sleep(0.3)

    # -- cases ---------------------------------------------------------------
    def test_sessions_up_over_ipv4_with_bird_and_gobgp(self):
        bird = self.bird([self.to_byoipd("byoipd")])
        gobgp = self.gobgp([self.to_byoipd("byoipd")])
        d = self.byoipd([peer("bird", "127.0.0.2", bird.port, BIRD_AS),
                         peer("gobgp", "127.0.0.3", gobgp.port, GOBGP_AS)])
        for name in ("bird", "gobgp"):
            p = self.wait_established(d, name)
            self.assertEqual(sorted(p["families"]), ["ipv4-unicast", "ipv6-unicast"], p)
            self.assertTrue(p["four_octet_as"], p)
            self.assertEqual(p["local_address"], "127.0.0.1", p)
            self.assertIsInstance(p["uptime_seconds"], int, p)
            self.assertGreaterEqual(p["established_transitions"], 1, p)
        wait_for("BIRD sees byoipd established", lambda: bird.established("byoipd"))
        wait_for("GoBGP sees byoipd established", lambda: gobgp.established("127.0.0.1"))
        self.assertIn("AF announced: ipv4 ipv6", bird.protocol("byoipd")["text"].split(
            "Neighbor capabilities")[1])
        rc, out, err = d.ctl("bgp", "peers")
        self.assertEqual(rc, 0, err)
        self.assertEqual({p["name"]: p["state"] for p in out["peers"]},
                         {"bird": "established", "gobgp": "established"})

    def test_session_over_ipv6_with_bird(self):
        # byoipd listens on 127.0.0.1 only: BIRD waits (passive) for byoipd to
        # connect. BIRD's default next hop here would be ::1, byoipd's own
        # address, which byoipd ignores (RFC 4271 6.3): BIRD sends 2001:db8::2.
        bird = self.bird([Neighbor("byoipd", "::1", self.bgp_port, LOCAL_AS, passive=True,
                                   next_hop_v6="2001:db8::2")],
                         routes=[Route("2001:db8:100::/48")], local_address="::1")
        d = self.byoipd([peer("bird6", "::1", bird.port, BIRD_AS, local_address="::1")])
        self.wait_established(d, "bird6")
        wait_for("BIRD established over ::1", lambda: bird.established("byoipd"))
        r = self.one("BIRD's v6 route in byoipd",
                     lambda: self.byoipd_routes(d, "2001:db8:100::/48", exact=True))
        self.assertEqual((r["peer"], r["origin_as"], r["next_hop"]),
                         ("bird6", BIRD_AS, "2001:db8::2"), r)
        self.announce(d, "2001:db8:f000::/36")
        r = self.one("v6 announcement in BIRD", lambda: bird.routes("2001:db8:f000::/36"))
        self.assertEqual((r["as_path"], r["next_hop"]), ([LOCAL_AS], NH6), r)

    def test_session_over_ipv6_with_gobgp(self):
        gobgp = self.gobgp([Neighbor("byoipd", "::1", self.bgp_port, LOCAL_AS, passive=True)],
                           routes=[Route("2001:db8:200::/48", next_hop="2001:db8::3")],
                           local_address="::1")
        d = self.byoipd([peer("gobgp6", "::1", gobgp.port, GOBGP_AS, local_address="::1")])
        self.wait_established(d, "gobgp6")
        wait_for("GoBGP established over ::1", lambda: gobgp.established("::1"))
        r = self.one("GoBGP's v6 route in byoipd",
                     lambda: self.byoipd_routes(d, "2001:db8:200::/48", exact=True))
        self.assertEqual((r["peer"], r["origin_as"]), ("gobgp6", GOBGP_AS), r)
        self.announce(d, "2001:db8:f000::/36")
        r = self.one("v6 announcement in GoBGP", lambda: gobgp.routes("2001:db8:f000::/36"))
        self.assertEqual((r["as_path"], r["next_hop"]), ([LOCAL_AS], NH6), r)

    def test_announce_and_withdraw_reach_bird_and_gobgp(self):
        bird = self.bird([self.to_byoipd("byoipd")])
        gobgp = self.gobgp([self.to_byoipd("byoipd")])
        d = self.byoipd([
            peer("bird", "127.0.0.2", bird.port, BIRD_AS,
                 export=export(communities=["65000:100", "no-export"],
                               large_communities=["4200000001:1:2"], prepend=2)),
            peer("gobgp", "127.0.0.3", gobgp.port, GOBGP_AS,
                 export=export(communities=["65000:200"], med=10))])
        self.wait_established(d, "bird")
        self.wait_established(d, "gobgp")
        out = self.announce(d, "203.0.113.0/24", communities=["65000:1"],
                            large_communities=["4200000001:7:7"], prepend=0)
        self.assertTrue(out["changed"], out)
        self.assertFalse(self.announce(d, "203.0.113.0/24", communities=["65000:1"],
                                       large_communities=["4200000001:7:7"],
                                       prepend=0)["changed"], "announce is idempotent")
        # IPv6 through the CLI, with an announcement prepend.
        rc, out, err = d.ctl("bgp", "announce", "2001:db8:f000::/36", "--community", "65000:6",
                             "--prepend", "1")
        self.assertEqual(rc, 0, err)
        # BIRD (export prepend 2): the path is byoipd's 4-octet AS three times.
        r = self.one("203.0.113.0/24 in BIRD", lambda: bird.routes("203.0.113.0/24"))
        self.assertEqual(r["as_path"], [LOCAL_AS] * 3, r)
        self.assertEqual(sorted(r["communities"]), sorted(["65000:1", "65000:100", "65535:65281"]), r)
        self.assertEqual(sorted(r["large_communities"]),
                         sorted(["4200000001:1:2", "4200000001:7:7"]), r)
        self.assertEqual(r["next_hop"], NH4, r)
        self.assertFalse(r["unreachable"], "next hop 192.0.2.1 resolves via BIRD's lo route")
        r6 = self.one("v6 announcement in BIRD", lambda: bird.routes("2001:db8:f000::/36"))
        self.assertEqual(r6["as_path"], [LOCAL_AS] * 4, r6)   # export 2 + announcement 1
        self.assertEqual(r6["next_hop"], NH6, r6)
        # GoBGP (no export prepend): one AS; never next hop 127.0.0.1 (GoBGP drops it).
        r = self.one("203.0.113.0/24 in GoBGP", lambda: gobgp.routes("203.0.113.0/24"))
        self.assertEqual(r["as_path"], [LOCAL_AS], r)
        self.assertEqual(sorted(r["communities"]), ["65000:1", "65000:200"], r)
        self.assertEqual(r["large_communities"], ["4200000001:7:7"], r)
        self.assertEqual(r["next_hop"], NH4, r)
        r6 = self.one("v6 announcement in GoBGP", lambda: gobgp.routes("2001:db8:f000::/36"))
        self.assertEqual((r6["as_path"], r6["next_hop"]), ([LOCAL_AS, LOCAL_AS], NH6), r6)
        self.assertEqual(sorted(r6["communities"]), ["65000:200", "65000:6"], r6)
        self.assertEqual(self.byoipd_peer(d, "bird")["prefixes_advertised"], 2)
        anns = d.ok("GET", "/v1/bgp/announcements")["announcements"]
        self.assertEqual(sorted(a["prefix"] for a in anns), ["2001:db8:f000::/36", "203.0.113.0/24"])
        # Withdraw: API for v4, CLI for v6.
        self.assertTrue(self.withdraw(d, "203.0.113.0/24")["changed"])
        rc, out, err = d.ctl("bgp", "withdraw", "2001:db8:f000::/36")
        self.assertEqual(rc, 0, err)
        self.gone("203.0.113.0/24 in BIRD", lambda: bird.routes("203.0.113.0/24"))
        self.gone("203.0.113.0/24 in GoBGP", lambda: gobgp.routes("203.0.113.0/24"))
        self.gone("v6 in BIRD", lambda: bird.routes("2001:db8:f000::/36"))
        self.gone("v6 in GoBGP", lambda: gobgp.routes("2001:db8:f000::/36"))
        self.assertFalse(self.withdraw(d, "203.0.113.0/24")["changed"])

    def test_peer_routes_in_origin_view(self):
        bird = self.bird([self.to_byoipd("byoipd")], routes=BIRD_ROUTES)
        gobgp = self.gobgp([self.to_byoipd("byoipd")], routes=GOBGP_ROUTES)
        d = self.byoipd([peer("bird", "127.0.0.2", bird.port, BIRD_AS),
                         peer("gobgp", "127.0.0.3", gobgp.port, GOBGP_AS)])
        # The /24 and its more-specific /25, from BIRD.
        routes = wait_for("BIRD's /24 and /25 in byoipd",
                          lambda: (lambda r: r if len(r) == 2 else None)(
                              self.byoipd_routes(d, "198.51.100.0/24")))
        by_prefix = {r["prefix"]: r for r in routes}
        self.assertEqual(set(by_prefix), {"198.51.100.0/24", "198.51.100.128/25"}, routes)
        r24, r25 = by_prefix["198.51.100.0/24"], by_prefix["198.51.100.128/25"]
        self.assertEqual((r24["peer"], r24["origin_as"], r24["as_path"]), ("bird", BIRD_AS, "65001"), r24)
        self.assertEqual(r24["communities"], ["65001:10"], r24)
        self.assertEqual(r24["origin"], "igp", r24)
        self.assertEqual((r25["origin_as"], r25["as_path"]), (64500, "65001 64500"), r25)
        self.assertEqual(r24["next_hop"], "127.0.0.2", r24)   # BIRD's own address
        exact = self.byoipd_routes(d, "198.51.100.0/24", exact=True)
        self.assertEqual([r["prefix"] for r in exact], ["198.51.100.0/24"])
        r = self.one("BIRD's v6 route", lambda: self.byoipd_routes(d, "2001:db8:100::/48"))
        self.assertEqual((r["origin_as"], r["as_path"], r["next_hop"]),
                         (64501, "65001 64501", "2001:db8::2"), r)
        # An AS_SET at the origin: no single origin AS, the set instead.
        r = self.one("GoBGP's AS_SET route", lambda: self.byoipd_routes(d, "100.64.10.0/24"))
        self.assertEqual(r["peer"], "gobgp", r)
        self.assertIsNone(r["origin_as"], r)
        self.assertEqual(sorted(r["origin_set"]), [64510, 64511], r)
        self.assertEqual(r["as_path"], "4200000002 64520 {64510,64511}", r)
        r = self.one("GoBGP's v6 route", lambda: self.byoipd_routes(d, "2001:db8:200::/48"))
        self.assertEqual((r["origin_as"], r["next_hop"]), (64530, "2001:db8::3"), r)
        # The peer filter and the counters.
        self.assertEqual(self.byoipd_routes(d, "198.51.100.0/24", peer_name="gobgp"), [])
        status, err = d.http("GET", "/v1/bgp/routes?peer=nobody")
        self.assertEqual((status, err["error"]["code"]), (404, "no-such-peer"), err)
        self.assertEqual(self.byoipd_peer(d, "bird")["prefixes_received"], 3)
        self.assertEqual(self.byoipd_peer(d, "gobgp")["prefixes_received"], 2)
        rc, out, err = d.ctl("bgp", "routes", "--prefix", "100.64.10.0/24", output="table")
        self.assertEqual(rc, 0, err)
        self.assertIn("{64510,64511}", out)

    def test_four_octet_asns_both_ways(self):
        # GoBGP with a 4-octet AS originates a route whose origin is 4-octet too;
        # it receives byoipd's 4-octet AS as such.
        gobgp = self.gobgp([self.to_byoipd("byoipd")],
                           routes=[Route("100.64.20.0/24", path=[4200000099])])
        d = self.byoipd([peer("gobgp", "127.0.0.3", gobgp.port, GOBGP_AS)])
        self.assertTrue(self.wait_established(d, "gobgp")["four_octet_as"])
        r = self.one("4-octet route in byoipd", lambda: self.byoipd_routes(d, "100.64.20.0/24"))
        self.assertEqual((r["origin_as"], r["as_path"]), (4200000099, "4200000002 4200000099"), r)
        self.announce(d, "203.0.113.0/24")
        r = self.one("announcement in GoBGP", lambda: gobgp.routes("203.0.113.0/24"))
        self.assertEqual(r["as_path"], [LOCAL_AS], r)
        self.assertEqual(gobgp.neighbor("127.0.0.1")["conf"]["peer_asn"], LOCAL_AS)

    def test_two_octet_only_peer_sees_as_trans_and_as4_path(self):
        # BIRD with `enable as4 off` refuses a 4-octet neighbour AS in its config
        # and sends Bad Peer AS for `as 23456` (it still reads byoipd's AS4
        # capability), so it peers with `external`.
        bird = self.bird([self.to_byoipd("byoipd", remote_as=None, as4=False)], asn=OLD_BIRD_AS,
                         routes=[Route("198.51.100.0/24", path=[4200000099, 64500]),
                                 Route("198.51.100.128/25", path=[4200000099])])
        d = self.byoipd([peer("old", "127.0.0.2", bird.port, OLD_BIRD_AS)])
        p = self.wait_established(d, "old")
        self.assertFalse(p["four_octet_as"], p)
        self.assertNotIn("4-octet AS numbers", bird.protocol("byoipd")["text"].split(
            "Neighbor capabilities")[0])
        # byoipd merges AS_PATH (with AS_TRANS) and AS4_PATH (RFC 6793 4.2.3).
        routes = wait_for("2-octet peer's routes in byoipd",
                          lambda: (lambda r: r if len(r) == 2 else None)(
                              self.byoipd_routes(d, "198.51.100.0/24")))
        by_prefix = {r["prefix"]: r for r in routes}
        r = by_prefix["198.51.100.0/24"]
        self.assertEqual((r["as_path"], r["origin_as"]), ("65003 4200000099 64500", 64500), r)
        r = by_prefix["198.51.100.128/25"]
        self.assertEqual((r["as_path"], r["origin_as"]), ("65003 4200000099", 4200000099), r)
        self.assertNotIn(str(AS_TRANS), r["as_path"])
        # BIRD gets AS_TRANS in AS_PATH and the real path in AS4_PATH and shows
        # the reconstructed path.
        self.announce(d, "203.0.113.0/24", prepend=1)
        r = self.one("announcement in the 2-octet BIRD", lambda: bird.routes("203.0.113.0/24"))
        self.assertEqual(r["as_path"], [LOCAL_AS, LOCAL_AS], r)
        self.assertEqual(r["next_hop"], NH4, r)

    def test_tcp_md5_with_bird_password(self):
        bird = self.bird([self.to_byoipd("byoipd", password="s3cret-md5")])
        d = self.byoipd([peer("bird", "127.0.0.2", bird.port, BIRD_AS, password="s3cret-md5")])
        self.wait_established(d, "bird")
        wait_for("BIRD established with MD5", lambda: bird.established("byoipd"))

    def test_tcp_md5_wrong_password_never_establishes(self):
        bird = self.bird([self.to_byoipd("byoipd", password="s3cret-md5")])
        d = self.byoipd([peer("bird", "127.0.0.2", bird.port, BIRD_AS, password="not-the-one")])
        self.never("session with a wrong MD5 password",
                   lambda: self.byoipd_peer(d, "bird")["state"] == "established"
                   or bird.established("byoipd"), duration=8.0)
        self.assertEqual(self.byoipd_peer(d, "bird")["established_transitions"], 0)

    def test_peer_restart_is_recovered_without_operator_action(self):
        bird = self.bird([self.to_byoipd("byoipd")])
        d = self.byoipd([peer("bird", "127.0.0.2", bird.port, BIRD_AS)])
        self.wait_established(d, "bird")
        self.announce(d, "203.0.113.0/24")
        self.one("announcement in BIRD", lambda: bird.routes("203.0.113.0/24"))
        bird.stop()  # SIGKILL: no NOTIFICATION, the socket just closes
        wait_for("byoipd notices BIRD is gone",
                 lambda: self.byoipd_peer(d, "bird")["state"] != "established", timeout=20)
        bird.start()
        p = wait_for("byoipd re-established",
                     lambda: (lambda p: p if p["state"] == "established"
                              and p["established_transitions"] >= 2 else None)(
                         self.byoipd_peer(d, "bird")))
        self.assertEqual(p["established_transitions"], 2, p)
        r = self.one("announcement back in BIRD", lambda: bird.routes("203.0.113.0/24"))
        self.assertEqual(r["as_path"], [LOCAL_AS], r)

    def test_origin_view_events_and_byoipd_restart(self):
        # BIRD originates 198.51.100.0/24 and a /25 inside it; byoipd
        # announces the covering /23: both show up as origin-view events for it.
        bird = self.bird([self.to_byoipd("byoipd")], routes=BIRD_ROUTES)
        d = self.byoipd([peer("bird", "127.0.0.2", bird.port, BIRD_AS)])
        self.wait_established(d, "bird")
        self.announce(d, "198.51.100.0/23")
        self.one("our /23 in BIRD", lambda: bird.routes("198.51.100.0/23"))
        wait_for("origin-view events in byoipd's log", lambda: all(
            line in d.log() for line in (
                "origin view: 198.51.100.0/24 (a more-specific) of our 198.51.100.0/23 is "
                "originated by AS65001 as seen from peer bird",
                "origin view: 198.51.100.128/25 (a more-specific) of our 198.51.100.0/23 is "
                "originated by AS64500 as seen from peer bird")))
        metrics = d.http("GET", "/metrics", token="")[1]
        events = [int(l.split()[-1]) for l in metrics.splitlines()
                  if l.startswith("byoipd_bgp_origin_events_total ")]
        self.assertTrue(events and events[0] >= 2, metrics[-600:])
        # A restart of byoipd itself: the announcement is journaled, so it
        # comes back to BIRD with no API call.
        self.assertEqual(d.stop(), 0)
        self.gone("our /23 in BIRD after byoipd stopped", lambda: bird.routes("198.51.100.0/23"))
        d.start(expect_bgp_listener=True)
        self.wait_established(d, "bird")
        r = self.one("our /23 back in BIRD", lambda: bird.routes("198.51.100.0/23"))
        self.assertEqual(r["as_path"], [LOCAL_AS], r)
        listed = d.ok("GET", "/v1/bgp/announcements")["announcements"]
        self.assertEqual([a["prefix"] for a in listed], ["198.51.100.0/23"])

    def test_observer_is_announced_nothing(self):
        # One BIRD, two byoipd sessions. BIRD locks a session on the neighbour's
        # address and port, so the second session uses other addresses on both
        # sides: byoipd speaks from 127.0.0.5 (local_address) to BIRD's
        # 127.0.0.4, and BIRD waits for it (byoipd listens on 127.0.0.1 only).
        bird = self.bird([self.to_byoipd("onprem", local_address="127.0.0.2"),
                          Neighbor("observer", "127.0.0.5", self.bgp_port, LOCAL_AS,
                                   local_address="127.0.0.4", passive=True)],
                         routes=[Route("198.51.100.0/24")])
        d = self.byoipd([peer("onprem", "127.0.0.2", bird.port, BIRD_AS),
                         peer("watch", "127.0.0.4", bird.port, BIRD_AS, role="observer",
                              local_address="127.0.0.5")])
        self.wait_established(d, "onprem")
        self.wait_established(d, "watch")
        self.announce(d, "203.0.113.0/24")                         # every eligible peer
        self.announce(d, "2001:db8:f000::/36", peers=["onprem"])
        self.one("announcement via onprem", lambda: bird.routes("203.0.113.0/24", "onprem"))
        self.one("v6 announcement via onprem", lambda: bird.routes("2001:db8:f000::/36", "onprem"))
        self.never("announcement via the observer session",
                   lambda: bird.routes("203.0.113.0/24", "observer")
                   or bird.protocol("observer")["imported"], duration=3.0)
        self.assertEqual(self.byoipd_peer(d, "watch")["prefixes_advertised"], 0)
        # The observer's routes are still read.
        wait_for("observer's routes in byoipd",
                 lambda: self.byoipd_routes(d, "198.51.100.0/24", peer_name="watch"))


if __name__ == "__main__":
    main()

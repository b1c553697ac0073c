#!/usr/bin/env python3
"""Latency of GET /v1/check on a running `checker serve`, after one warm-up request per domain, so
that every measured request answers from the resolver's cache (the signup-form case).

    bench/api.py http://127.0.0.1:8080 [REQUESTS=2000]

Requests go one at a time over one kept-alive connection; prints p50, p90, p99 and max in ms. Start serve with
`--client-rate 0`: one client asking 2,000 times would otherwise be answered 429 after its first 60."""
import http.client
import statistics
import sys
import time
import urllib.parse

base = urllib.parse.urlparse(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
domains = ["good.checker.test", "nullmx.checker.test", "implicit-a.checker.test", "absent.checker.test"]
conn = http.client.HTTPConnection(base.hostname, base.port)


def get(address):
    conn.request("GET", "/v1/check?address=" + urllib.parse.quote(address))
    r = conn.getresponse()
    r.read()
    assert r.status == 200, r.status


for d in domains:
    get("warm@" + d)
samples = []
for i in range(n):
    start = time.perf_counter()
    get(f"user{i}@{domains[i % len(domains)]}")
    samples.append((time.perf_counter() - start) * 1000)
q = statistics.quantiles(samples, n=100)
print(f"{n} requests: p50 {q[49]:.2f} ms, p90 {q[89]:.2f} ms, p99 {q[98]:.2f} ms, max {max(samples):.2f} ms")

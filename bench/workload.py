#!/usr/bin/env python3
"""Deterministic benchmark workload: N addresses over D domains with Zipf-like popularity, and an
NSD zone giving those domains a realistic mix of mail set-ups.

    bench/workload.py --addresses 100000 --domains 10000 --seed 1 --out DIR

writes DIR/zones/bench.test.zone, DIR/addresses.txt and DIR/queries.txt (one MX query per unique
domain of the list, in dnsperf's format). Domains under servfail.test get SERVFAIL from the test NSD
(a secondary zone without a primary). With --smtp-addresses, also DIR/zones/bench.smtp.test.zone
(that many domains, each with its MX on the test Postfix's catch-all 127.0.0.2) and
DIR/smtp-addresses.txt, the addresses spread evenly over them. With --one-per-domain N, also
DIR/zones/one.test.zone (N new domains in the mix of ONE_MIX), DIR/one-per-domain.txt (one address at each)
and DIR/one-per-domain-queries.txt (their MX queries, for dnsperf)."""
import argparse
import bisect
import itertools
import os
import random

MIX = [  # share of domains, kind
    (0.85, "mx"), (0.03, "nullmx"), (0.03, "implicit"), (0.04, "nxdomain"),
    (0.02, "dangling"), (0.03, "servfail"),
]

# The list of issue 27: every address at a domain of its own, as a sign-up list of small companies.
ONE_MIX = [(0.88, "mx"), (0.04, "nullmx"), (0.03, "implicit"), (0.03, "nxdomain"), (0.02, "dangling")]


def zone(path, origin, kinds, rnd):
    """Writes a zone under origin with one domain per entry of kinds; returns the domains (SERVFAIL ones under
    servfail.test, which the test NSD serves as a secondary zone without a primary)."""
    domains = []
    with open(path, "w") as z:
        z.write(f"$ORIGIN {origin}.\n$TTL 3600\n"
                f"@ SOA ns.{origin}. hostmaster.{origin}. 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n")
        for i in range(200):  # shared mail hosts, as providers host many domains
            z.write(f"mx{i} A 192.0.2.{i % 250 + 1}\n")
        for i, kind in enumerate(kinds):
            name = f"d{i}"
            if kind == "mx":
                z.write(f"{name} MX 10 mx{rnd.randrange(200)}\n{name} MX 20 mx{rnd.randrange(200)}\n")
            elif kind == "nullmx":
                z.write(f"{name} MX 0 .\n{name} A 192.0.2.99\n")
            elif kind == "implicit":
                z.write(f"{name} A 192.0.2.{rnd.randrange(1, 250)}\n")
            elif kind == "dangling":
                z.write(f"{name} MX 10 gone{i}\n")
            domains.append(f"{name}.servfail.test" if kind == "servfail" else f"{name}.{origin}")
    return domains


def kinds_of(mix, n, rnd):
    kinds = [k for share, k in mix for _ in range(round(share * n))]
    kinds += ["mx"] * (n - len(kinds))
    rnd.shuffle(kinds)
    return kinds[:n]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--addresses", type=int, default=1_000_000)
    p.add_argument("--domains", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--smtp-addresses", type=int, default=0)
    p.add_argument("--smtp-domains", type=int, default=100)
    p.add_argument("--one-per-domain", type=int, default=0)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "zones"), exist_ok=True)

    domains = zone(os.path.join(a.out, "zones", "bench.test.zone"), "bench.test", kinds_of(MIX, a.domains, rnd), rnd)

    # Zipf-like popularity (s = 1): domain k is chosen with weight 1/(k+1).
    cumulative = list(itertools.accumulate(1.0 / (k + 1) for k in range(len(domains))))
    total = cumulative[-1]
    used = set()
    with open(os.path.join(a.out, "addresses.txt"), "w") as f:
        for n in range(a.addresses):
            d = domains[bisect.bisect_left(cumulative, rnd.random() * total)]
            used.add(d)
            f.write(f"user{n}@{d}\n")
    with open(os.path.join(a.out, "queries.txt"), "w") as q:
        for d in sorted(used):
            q.write(f"{d} MX\n")

    if a.one_per_domain:
        one = zone(os.path.join(a.out, "zones", "one.test.zone"), "one.test", kinds_of(ONE_MIX, a.one_per_domain, rnd),
                   rnd)
        with open(os.path.join(a.out, "one-per-domain.txt"), "w") as f:
            f.writelines(f"user@{d}\n" for d in one)
        with open(os.path.join(a.out, "one-per-domain-queries.txt"), "w") as q:
            q.writelines(f"{d} MX\n" for d in one)

    if a.smtp_addresses:
        with open(os.path.join(a.out, "zones", "bench.smtp.test.zone"), "w") as z:
            z.write("$ORIGIN bench.smtp.test.\n$TTL 3600\n"
                    "@ SOA ns.smtp.test. hostmaster.smtp.test. 1 3600 600 86400 300\n@ NS ns.smtp.test.\n"
                    "mx A 127.0.0.2\n")
            for i in range(a.smtp_domains):
                z.write(f"d{i} MX 10 mx\n")
        with open(os.path.join(a.out, "smtp-addresses.txt"), "w") as f:
            for n in range(a.smtp_addresses):
                f.write(f"user{n}@d{n % a.smtp_domains}.bench.smtp.test\n")


if __name__ == "__main__":
    main()

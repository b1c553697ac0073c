#!/usr/bin/python3
"""python email-validator (Debian's python3-email-validator) with deliverability checks on a list, its
dnspython resolver pointed at the benchmark's NSD and given an LRU cache, as its documentation advises
for many addresses.

    bench/peer_email_validator.py --dns 127.0.0.1:PORT --limit 20000 addresses.txt

Prints one JSON object: addresses, seconds, per_second, and how many were valid / invalid."""
import argparse
import json
import time

import dns.resolver
import email_validator


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dns", required=True, help="HOST:PORT of the DNS server (never the system's)")
    p.add_argument("--limit", type=int, default=20000)
    p.add_argument("list")
    a = p.parse_args()
    host, port = a.dns.rsplit(":", 1)

    # configure=False: no /etc/resolv.conf, so no query can leave for the machine's resolver.
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [host]
    resolver.port = int(port)
    resolver.cache = dns.resolver.LRUCache()
    resolver.lifetime = 5
    # The workload's domains are under .test, which the library refuses as special-use unless its test
    # mode is on, and that mode turns DNS checks off; so only that one name leaves the list.
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")

    with open(a.list, encoding="utf-8") as f:
        addresses = [line.rstrip("\n") for _, line in zip(range(a.limit), f)]
    valid = 0
    start = time.perf_counter()
    for address in addresses:
        try:
            email_validator.validate_email(address, check_deliverability=True, dns_resolver=resolver)
            valid += 1
        except email_validator.EmailNotValidError:
            pass
    seconds = time.perf_counter() - start
    print(json.dumps({"addresses": len(addresses), "seconds": round(seconds, 3),
                      "per_second": round(len(addresses) / seconds, 1), "valid": valid,
                      "invalid": len(addresses) - valid}))


if __name__ == "__main__":
    main()

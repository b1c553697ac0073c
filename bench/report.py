#!/usr/bin/python3
"""Writes docs/benchmarks.md (and its charts) from bench/run's results.json.

    bench/report.py target/bench/results.json"""
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def f(x, digits=0):
    return f"{x:,.{digits}f}"


def target(ok):
    return "reached" if ok else "**not reached**"


def dns_section(r, out):
    d = r["dns"]
    ours = d["ours"]
    bound = d.get("one_per_domain")
    out += [
        "## DNS only: what a user runs, against python email-validator and the server's own ceiling",
        "",
        "The two lists of issue 27, side by side in one run (rounds alternate dnsperf, `./checker check` and "
        "email-validator on each list; each is judged by its best round), one NSD on 127.0.0.1, `./checker check "
        "--format jsonl -o /dev/null` timed from the launcher's start to its exit (JVM start, reading and output "
        "included). CPU: user + system time of every thread (GNU time), steadier than wall time while other processes "
        "load the cores; the median of the runs.",
        "",
    ]
    if bound and "one_per_domain_dnsperf_qps" in d:
        peer1 = d["one_per_domain_peer"]
        out += [
            "| list | ceiling (dnsperf, one MX query per domain) | `./checker check` end to end | fraction of the "
            "ceiling | CPU | RSS | vs email-validator |",
            "|---|---|---|---|---|---|---|",
            f"| {f(bound['addresses'])} addresses, one per new domain (88% MX, 4% null MX, 3% implicit, 3% NXDOMAIN, "
            f"2% dangling) | {f(d['one_per_domain_dnsperf_qps'])} q/s → {d['one_per_domain_ceiling_seconds']:.2f} s | "
            f"{bound['wall_seconds']:.2f} s ({bound['seconds_in_jvm']:.2f} s in the JVM), "
            f"{f(bound['addresses'] / bound['wall_seconds'])}/s | **{d['one_per_domain_fraction_of_ceiling']:.0%}** "
            f"({d['one_per_domain_fraction_in_jvm']:.0%} in the JVM) | {d['one_per_domain_cpu_us_per_domain_median']:.0f} "
            f"µs per domain ({d['one_per_domain_cpu_us_per_domain_median']:.0f} ms per 1,000 domains) | "
            f"{f(bound['rss_mib'])} MiB | {d['one_per_domain_ratio_to_peer']:.0f}× ({f(peer1['per_second'])}/s on "
            f"{f(peer1['addresses'])}) |",
            f"| {f(ours['addresses'])} addresses, Zipf over {f(d['domains'])} domains ({f(ours['unique_domains'])} "
            f"used; 85% MX, 3% null MX, 3% implicit, 4% NXDOMAIN, 2% dangling, 3% SERVFAIL) | {f(d['dnsperf_qps'])} q/s → "
            f"{d['ceiling_seconds']:.2f} s | {ours['wall_seconds']:.2f} s ({ours['seconds_in_jvm']:.2f} s in the JVM), "
            f"{f(d['end_to_end_per_second'])}/s | {d['fraction_of_ceiling']:.0%} in the JVM | "
            f"{d['cpu_ms_per_1000_addresses_median']:.1f} ms per 1,000 addresses "
            f"({ours['cpu_ms_per_1000_domains']:.0f} ms per 1,000 domains) | "
            f"{f(ours['rss_mib'])} MiB | **{d['ratio_to_peer']:.0f}×** ({f(d['peer']['per_second'])}/s on "
            f"{f(d['peer']['addresses'])}) |",
            "",
        ]
    out += [
        "| who | what was measured | rate | ratio |",
        "|---|---|---|---|",
        f"| dnsperf (the ceiling) | one MX query per unique domain of the Zipf list, best of {len(d['dnsperf_qps_runs'])} | "
        f"{f(d['dnsperf_qps'])} queries/s → {d['ceiling_seconds']:.2f} s for the unique domains | 1 |",
        f"| `MxResolver` alone (the DNS stage) | the same unique domains, all at once, "
        f"{d['stage']['in_flight']} queries in flight, after a warm-up pass in the same JVM (first pass: "
        f"{f(d['stage'].get('first_pass_per_second', 0))} domains/s) | {f(d['stage']['per_second'])} domains/s "
        f"({d['stage']['seconds']:.2f} s) | {d['stage_fraction_of_ceiling']:.0%} of the ceiling |",
        f"| `checker check` inside the JVM | {f(ours['addresses'])} addresses in {ours['seconds_in_jvm']:.2f} s: parsing, "
        f"DNS, signals, verdicts, output | {f(ours['per_second_in_jvm'])} addresses/s | ceiling time ÷ ours: "
        f"{d['fraction_of_ceiling']:.0%} |",
        f"| `checker check`, end to end | JVM start, reading, output included: {ours['wall_seconds']:.2f} s, "
        f"RSS {f(ours['rss_mib'])} MiB | {f(d['end_to_end_per_second'])} addresses/s | "
        f"{d['ratio_to_peer']:.0f}× email-validator |",
        f"| python email-validator {d['peer'].get('version', '1.3.0')} (Debian), dnspython LRU cache | first "
        f"{f(d['peer']['addresses'])} addresses of the same list"
        + (f", best of {len(d['peer_runs'])} (one a round, as ours)" if "peer_runs" in d else "")
        + f" | {f(d['peer']['per_second'])} addresses/s | 1 |",
        "",
        f"MX queries sent per unique domain: **{ours['mx_per_domain']:.2f}** on the Zipf list ({f(ours['mx_queries'])} "
        f"for {f(ours['unique_domains'])})" + (f", **{bound['mx_per_domain']:.2f}** on the one-per-domain list"
                                                if bound else "") + f"; A/AAAA queries that reached the server: "
        f"{f(ours['address_queries'])} (MX hosts are shared, as at real providers, and answered from the cache after "
        "the first).",
        "",
        "| target (issue 27) | result | |",
        "|---|---|---|",
        *([f"| one address per domain, end to end, ≥ 25% of the dnsperf ceiling | "
           f"{d['one_per_domain_fraction_of_ceiling']:.0%} | {target(d['one_per_domain_fraction_of_ceiling'] >= .25)} |",
           f"| one address per domain, ≤ 40 µs of CPU per domain | "
           f"{d['one_per_domain_cpu_us_per_domain_median']:.0f} µs | "
           f"{target(d['one_per_domain_cpu_us_per_domain_median'] <= 40)} |"]
          if bound and "one_per_domain_cpu_us_per_domain_median" in d else []),
        f"| {f(ours['addresses'])} addresses over {f(d['domains'])} domains ≥ 150× email-validator | "
        f"{d['ratio_to_peer']:.0f}× | {target(d['ratio_to_peer'] >= 150)} |",
        f"| {f(ours['addresses'])} lines under 512 MiB RSS with the launcher's defaults | {f(ours['rss_mib'])} MiB | "
        f"{target(ours['rss_mib'] < 512)} |",
        f"| 1.00 MX query per unique domain | {ours['mx_per_domain']:.2f}"
        + (f" / {bound['mx_per_domain']:.2f}" if bound else "") + " | "
        f"{target(ours['mx_per_domain'] <= 1.0 and (not bound or bound['mx_per_domain'] <= 1.0))} |",
        f"| DNS stage ≥ 50% of the dnsperf ceiling (issue 16) | {d['stage_fraction_of_ceiling']:.0%} | "
        f"{target(d['stage_fraction_of_ceiling'] >= .5)} |",
        "",
        *(floor_lines(r["machine"]["cpus"], d, bound, ours) if bound and "server_cpu_seconds" in bound else []),
        "![addresses or queries per second, log scale](benchmarks-dns.png)",
        "",
    ]
    fig, ax = plt.subplots(figsize=(7, 3))
    labels = ["dnsperf ceiling\n(queries/s)", "MxResolver alone\n(domains/s)", "checker in the JVM", "checker end to end",
              "email-validator"]
    values = [d["dnsperf_qps"], d["stage"]["per_second"], ours["per_second_in_jvm"], d["end_to_end_per_second"],
              d["peer"]["per_second"]]
    bars = ax.barh(labels[::-1], values[::-1], color=["#999", "#7b9", "#4a7", "#2a5", "#c64"][::-1])
    ax.set_xscale("log")
    ax.set_xlabel("per second (log scale)")
    for b, v in zip(bars, values[::-1]):
        ax.text(v, b.get_y() + b.get_height() / 2, f" {v:,.0f}", va="center", fontsize=8)
    ax.set_xlim(right=max(values) * 8)
    fig.tight_layout()
    fig.savefig(DOCS / "benchmarks-dns.png", dpi=110)


def floor_lines(cpus, d, bound, ours):
    """What the machine's cores allow: the run's CPU and the server's, spread over every core without a gap, is the
    least wall time the run could take; beside it, the wall time 25% of the ceiling allows."""
    def floor(run):
        least = (run["cpu_seconds"] + run["server_cpu_seconds"]) / cpus
        return (f"{run['cpu_seconds']:.2f} s of CPU and NSD's {run['server_cpu_seconds']:.2f} s answering it, at least "
                f"**{least:.2f} s** of wall time however the work were spread (the run took {run['wall_seconds']:.2f} s)")
    return [
        f"What the cores allow (the run and the DNS server share this machine's {cpus} cores). One per domain: "
        f"{floor(bound)}; 25% of the ceiling needs **{d['one_per_domain_ceiling_seconds'] / 0.25:.2f} s** end to end. "
        f"The Zipf list: {floor(ours)}.",
        "",
    ]


def smtp_section(r, out):
    s = r["smtp"]
    out += [
        "## SMTP probe: this project against a swaks loop",
        "",
        f"{f(s['addresses'])} addresses over {s['domains']} domains, every domain's MX on the test Postfix "
        "(catch-all listener on 127.0.0.2, PIPELINING, STARTTLS offered). RCPT only, no DATA.",
        "",
        "| who | addresses/s | connections | RCPTs per connection | wall |",
        "|---|---|---|---|---|",
    ]
    for label, o in s["ours"].items():
        name = "`checker check --smtp`, breaker and budgets off" + (" (2 sessions per MX address)" if label == "default"
                                                                   else " `--sessions-per-host 16`")
        out.append(f"| {name} | {f(o['per_second'])} | {f(o['connections'])} | {o['rcpts_per_connection']:.1f} | "
                   f"{o['wall_seconds']:.1f} s |")
    b = s.get("default_budgets")
    if b:
        out.append(f"| `checker check --smtp` with the default budgets (20 sessions/min per MX address, 300 RCPTs/min"
                   f" per provider group), {f(b['addresses'])} addresses over {b['domains']} domains | "
                   f"{b['per_second']:.1f} | {f(b['connections'])} | {b['rcpts_per_connection']:.1f} | "
                   f"{b['wall_seconds']:.1f} s |")
    w = s["swaks"]
    out += [
        f"| `swaks --quit-after RCPT`, one per address ({w['addresses']} of them) | {w['per_second']:.1f} | "
        f"{w['addresses']} | 1 | {w['seconds']:.1f} s |",
        "",
        "| target | result | |",
        "|---|---|---|",
        f"| ≥ 20 RCPTs per connection | {max(o['rcpts_per_connection'] for o in s['ours'].values()):.1f} | "
        f"{target(max(o['rcpts_per_connection'] for o in s['ours'].values()) >= 20)} |",
        f"| ≥ 100× the swaks loop | {s['ratio_to_swaks']:.0f}× ({s['ratio_to_swaks_default']:.0f}× with defaults) | "
        f"{target(s['ratio_to_swaks'] >= 100)} |",
        "",
    ]


def memory_section(r, out):
    m = r["memory"]
    c, s, q = m["cli"], m["s3_split"], m["sqs_batch"]
    out += [
        "## Memory under `-Xmx256m`",
        "",
        "Peak heap is the largest occupancy a collection found on entry (from `-Xlog:gc`; G1 fills what it is "
        "given before collecting), full GCs how often the live set came close to the limit; RSS is GNU time's "
        "maximum resident set size of the whole process.",
        "",
        "| path | work | wall | peak heap | full GCs | RSS |",
        "|---|---|---|---|---|---|",
        f"| `checker check` (CSV out) | {f(c['lines'])} lines | {c['wall_seconds']:.1f} s | {f(c['peak_heap_mib'] or 0)} MiB | "
        f"{c['full_gcs']} | {f(c['rss_mib'])} MiB |",
        f"| S3 upload handler (`invoke s3`, moto) | {f(s['lines'])}-line gzip object read and split into "
        f"{f(s['chunks'])} chunks on SQS | {s['wall_seconds']:.1f} s | {f(s['peak_heap_mib'] or 0)} MiB | "
        f"{s['full_gcs']} | {f(s['rss_mib'])} MiB |",
        f"| chunk worker (`invoke sqs`, moto) | one batch: {q['messages']} chunks, {f(q['records'])} results stored | "
        f"{q['wall_seconds']:.1f} s | {f(q['peak_heap_mib'] or 0)} MiB | {q['full_gcs']} | "
        f"{f(q['rss_mib'])} MiB |",
        "",
    ]


def coldstart_section(r, out):
    c = r["coldstart"]
    variants = {"plain": "plain JVM", "c1_only": "C1 only", "deployed": "as deployed",
                "deployed_appcds": "as deployed + AppCDS archive"}

    def first(v):
        cpu = v.get("first_request_cpu_median_seconds")
        return f"{v['first_request_median_seconds']:.2f}" + ("" if cpu is None else f" / {cpu:.2f}")

    load = " ".join(f"{x:.1f}" for x in c["load_average_before"]) if "load_average_before" in c else None
    out += [
        "## Cold start: JVM launch to the first handled event",
        "",
        "`target/function.zip` unzipped and run as Lambda's Java runtime runs it (Quarkus' stream handler, the "
        "sample event from `events/`, moto and NSD behind it; for `smtp`, a work item `bench/run` writes for each run, "
        "probed on the test Postfix); median of the runs, in seconds. *As deployed*: "
        f"with the `JAVA_TOOL_OPTIONS` infra/template.yaml gives the functions (`{c['java_tool_options']}`, read "
        "from the template by `bench/run`); *C1 only*: AWS's recommendation without the serial collector. The AppCDS archive (not deployable: Lambda's own JVM would have to "
        "write it) is written by one untimed training run per handler. *First request after INIT*: from the end "
        "of Lambda's INIT phase (the stream handler constructed, Quarkus started: what SnapStart snapshots) to "
        "the handled event, as deployed: what a restored snapshot still pays besides the restore, wall / CPU. "
        "*Primed*: the same after SnapStart's hooks ran between INIT and the event (`SdkPriming`'s "
        "beforeCheckpoint: one read-only request per SDK client, the rehearsal of every SDK operation on an in-process "
        "HTTP client, and for sqs and smtp the first event's work that needs no network), run by a stand-in for Lambda's CRaC "
        "(`testbed/snapstart`, named through `org.crac.Core.Compat`): no snapshot is taken, so the restore itself "
        "(Lambda reading the snapshot's memory back) is not in it and cannot be measured off Lambda. CPU: user + "
        "system time of all the JVM's threads, steadier than wall time on a loaded machine."
        + ("" if load is None else f" Load average (1, 5, 15 min) when the section began: {load} on "
           f"{r['machine']['cpus']} CPUs."),
        "",
        "| handler | " + " | ".join(variants.values()) + " | as deployed, CPU | first request after INIT, wall / CPU"
        " | primed: first request after the hooks, wall / CPU | priming (in INIT) |",
        "|---|" + "---|" * (len(variants) + 4),
    ]
    for handler, v in c["handlers"].items():
        cpu = v["deployed"].get("cpu_median_seconds")
        primed = v.get("deployed_primed")
        out.append(f"| `{handler}` | " + " | ".join(f"{v[k]['median_seconds']:.2f}" if k in v else "–" for k in variants) +
                   " | " + ("–" if cpu is None else f"{cpu:.2f}") + f" | {first(v['deployed'])} | "
                   + ("–" if primed is None else first(primed)) + " | "
                   + ("–" if primed is None else f"{primed['priming_median_seconds']:.2f}") + " |")
    slowest = max(v["deployed"]["median_seconds"] for v in c["handlers"].values())
    out += [
        "",
        f"Target < 1 s locally as deployed, without a snapshot: {target(slowest < 1)} (slowest handler: "
        f"{slowest:.2f} s).",
        "",
    ]
    primed = {h: v["deployed_primed"]["first_request_median_seconds"] for h, v in c["handlers"].items()
              if "deployed_primed" in v}
    if primed:
        out += [
            "With SnapStart and priming (the stand-in above: the restore itself not included), first request < 1 s: "
            + ", ".join(f"`{h}` {t:.2f} s {target(t < 1)}" for h, t in primed.items()) + ".",
            "",
        ]


def syntax_section(r, out):
    rows = {x["benchmark"]: x for x in r["syntax"]}
    out += [
        "## Syntax stage (JMH)",
        "",
        "`AddressParserBenchmark`: 16 addresses of a list's usual mix (plain, mixed case, IDN, UTF-8 local parts, "
        "broken ones) per operation; one fork, 3 warm-up and 5 measured iterations of 2 s.",
        "",
        "| parser | ns per address |",
        "|---|---|",
        f"| ours (JMail grammar + own rules, IDNA2008, normalisation, messages) | {rows['ours']['ns_per_address']:.0f} ± "
        f"{rows['ours']['error']:.0f} |",
        f"| JMail alone (`JMail.tryParse`) | {rows['jmailAlone']['ns_per_address']:.0f} ± {rows['jmailAlone']['error']:.0f} |",
        "",
    ]


def main():
    r = json.loads(Path(sys.argv[1]).read_text())
    m = r["machine"]
    out = [
        "# Benchmarks",
        "",
        "Produced by `bench/run` (every section) — see the end of this page for how to run it. Everything runs on one "
        "machine against servers on 127.0.0.1, so client and server share the CPUs: the figures are honest ratios "
        "on the same hardware, not absolute capacities.",
        "",
        f"Machine: {m['cpus']} × {m['cpu']}, {m['memory_gib']} GiB, {m['os']}; {m['java']}.",
        "",
        "| section | measured | command |",
        "|---|---|---|",
    ]
    out += [f"| {k} | {v['date']} | `{v['command'].strip()}` |" for k, v in r.get("measured", {}).items()]
    out.append("")
    DOCS.mkdir(exist_ok=True)
    for name, section in [("dns", dns_section), ("smtp", smtp_section), ("memory", memory_section),
                          ("coldstart", coldstart_section), ("syntax", syntax_section)]:
        if name in r:
            section(r, out)
    notes = ROOT / "bench" / "notes.md"
    if notes.exists():
        out += [notes.read_text().rstrip(), ""]
    (DOCS / "benchmarks.md").write_text("\n".join(out) + "\n")


if __name__ == "__main__":
    main()

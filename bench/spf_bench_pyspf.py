#!/usr/bin/python3
"""pyspf over the openspf YAML suite with in-memory DNS, for bench/spf_bench.

usage: spf_bench_pyspf.py SUITE.yml ROUNDS
Prints "pyspf: CHECKS checks in SECONDS s, PASSED/CASES passed" on success;
exits 2 when the spf module (Debian python3-spf) or yaml (python3-yaml) is
missing. The zone rules are those of tests/support/spf_suite.cpp: SPF data
also published as TXT for names without a TXT entry, "NONE" for no record,
TIMEOUT for a name whose other types time out; pyspf asks DNS through its
module-level DNSLookup, which is replaced here.
"""
import sys
import time

try:
    import spf
    import yaml
except ImportError as e:
    print("pyspf: not available (%s)" % e)
    sys.exit(2)


def load(path):
    cases = []
    for doc in yaml.safe_load_all(open(path, encoding="utf-8")):
        if not doc:
            continue
        zone = {}
        for name, entries in (doc.get("zonedata") or {}).items():
            rrs, spf_txt, own_txt, timeout = [], [], False, False
            for e in entries:
                if e == "TIMEOUT":
                    timeout = True
                    continue
                for rtype, value in e.items():
                    if rtype in ("TXT", "SPF"):
                        own_txt = own_txt or rtype == "TXT"
                        if value == "NONE":
                            continue
                        parts = value if isinstance(value, list) else [value]
                        data = [p.encode("utf-8") for p in parts]
                        rrs.append((rtype, data))
                        if rtype == "SPF":
                            spf_txt.append(("TXT", data))
                    elif rtype == "MX":
                        rrs.append(("MX", (value[0], value[1])))
                    else:
                        rrs.append((rtype, str(value)))
            if not own_txt:
                rrs.extend(spf_txt)
            zone[name.lower().rstrip(".")] = (rrs, timeout)
        for tname, t in doc["tests"].items():
            want = t["result"] if isinstance(t["result"], list) else [t["result"]]
            cases.append((zone, t["host"], t["mailfrom"], t["helo"], want))
    return cases


current_zone = {}


def lookup(name, qtype, strict=True, timeout=None, level=0):
    entry = current_zone.get(name.lower().rstrip("."))
    if entry is None:
        return []
    rrs, timed_out = entry
    out = [((name, t), v) for t, v in rrs if t == qtype]
    if not out:
        out = [((name, "CNAME"), v) for t, v in rrs if t == "CNAME"]
    if not out and timed_out:
        raise spf.TempError("DNS timeout (test zone)")
    return out


def main():
    global current_zone
    cases = load(sys.argv[1])
    rounds = int(sys.argv[2])
    spf.DNSLookup = lookup
    passed = 0
    start = time.perf_counter()
    for r in range(rounds):
        for zone, host, mailfrom, helo, want in cases:
            current_zone = zone
            res, _code, _exp = spf.query(i=host, s=mailfrom, h=helo).check()
            if r == 0 and res in want:
                passed += 1
    elapsed = time.perf_counter() - start
    print("pyspf: %d checks in %.6f s, %d/%d passed" % (rounds * len(cases), elapsed, passed, len(cases)))


main()

#!/usr/bin/python3
"""make_dmarc_reports.py: synthetic DMARC aggregate reports for tests and
benchmarks, written as report e-mails into a maildir (new/) or as bare
files, rotating plain XML, .xml.gz and .zip attachments.

usage: make_dmarc_reports.py --out DIR --domain D [--count N] [--records R]
           [--days K] [--end EPOCH] [--format mail|file] [--scenario S]

Scenarios (every report covers one day; reports are spread over K days
ending at --end):
  ready    our MTA 192.0.2.10 (aligned SPF+DKIM), an ESP 198.51.100.20 that
           signs with our DKIM domain, and a spoofer 203.0.113.9 sending a
           few messages on some days: ready for a stricter policy
  esp      as ready, plus a newsletter service 198.51.100.77 sending 12% of
           the volume without aligned DKIM or SPF: not ready
  bench    R records per report from a pool of 2,000 addresses, random
           results (for throughput figures)
"""
import argparse
import gzip
import io
import os
import random
import time
import zipfile
from email.message import EmailMessage
from email.utils import formatdate

REPORTERS = ["google.com", "Yahoo", "Outlook.com", "Mail.Ru", "fastmail.com"]


def record(ip, count, dkim, spf, domain, esp_dkim=None):
    dkim_auth = ""
    if dkim or esp_dkim:
        dkim_auth = ("<dkim><domain>%s</domain><selector>s1</selector><result>%s</result></dkim>"
                     % (esp_dkim or domain, "pass" if dkim else "fail"))
    return ("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
            "<disposition>none</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row>"
            "<identifiers><header_from>%s</header_from><envelope_from>%s</envelope_from></identifiers>"
            "<auth_results>%s<spf><domain>%s</domain><scope>mfrom</scope><result>%s</result></spf>"
            "</auth_results></record>"
            % (ip, count, "pass" if dkim else "fail", "pass" if spf else "fail", domain,
               domain, dkim_auth, domain, "pass" if spf else "fail"))


def report_xml(reporter, report_id, domain, begin, records, p="none"):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<feedback><version>1.0</version>"
            "<report_metadata><org_name>%s</org_name><email>noreply-dmarc@%s</email>"
            "<report_id>%s</report_id><date_range><begin>%d</begin><end>%d</end></date_range>"
            "</report_metadata><policy_published><domain>%s</domain><adkim>r</adkim><aspf>r</aspf>"
            "<p>%s</p><sp>%s</sp><pct>100</pct></policy_published>%s</feedback>\n"
            % (reporter, reporter.lower().replace(" ", ""), report_id, begin, begin + 86399, domain,
               p, p, "".join(records)))


def records_for(scenario, domain, day, rng, n):
    if scenario == "bench":
        out = []
        for _ in range(n):
            ip = "10.%d.%d.%d" % (rng.randrange(8), rng.randrange(16), rng.randrange(1, 16))
            out.append(record(ip, rng.randrange(1, 50), rng.random() < 0.8, rng.random() < 0.7, domain))
        return out
    recs = [record("192.0.2.10", 1500, True, True, domain),
            record("198.51.100.20", 400, True, False, domain)]
    if day % 3 == 0:
        recs.append(record("203.0.113.9", 4, False, False, domain))
    if scenario == "esp":
        recs.append(record("198.51.100.77", 260, False, False, domain))
    return recs


def container(xml, name, kind):
    data = xml.encode()
    if kind == "gz":
        return name + ".xml.gz", "application/gzip", gzip.compress(data)
    if kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(name + ".xml", data)
        return name + ".zip", "application/zip", buf.getvalue()
    return name + ".xml", "text/xml", data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--records", type=int, default=30)
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--end", type=int, default=int(time.time()))
    ap.add_argument("--format", choices=["mail", "file"], default="mail")
    ap.add_argument("--scenario", choices=["ready", "esp", "bench"], default="ready")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    target = os.path.join(a.out, "new") if a.format == "mail" else a.out
    os.makedirs(target, exist_ok=True)
    if a.format == "mail":
        os.makedirs(os.path.join(a.out, "cur"), exist_ok=True)
        os.makedirs(os.path.join(a.out, "tmp"), exist_ok=True)
    last_day = a.end - a.end % 86400 - 86400
    for i in range(a.count):
        day = i % a.days
        begin = last_day - (a.days - 1 - day) * 86400
        reporter = REPORTERS[i % len(REPORTERS)]
        report_id = "%s-%d-%d" % (a.scenario, a.seed, i)
        xml = report_xml(reporter, report_id, a.domain, begin, records_for(a.scenario, a.domain, day, rng, a.records))
        base = "%s!%s!%d!%d" % (reporter.lower().replace(" ", ""), a.domain, begin, begin + 86399)
        fname, ctype, payload = container(xml, base, ["xml", "gz", "zip"][i % 3])
        if a.format == "file":
            with open(os.path.join(target, "%06d-%s" % (i, fname)), "wb") as f:
                f.write(payload)
            continue
        m = EmailMessage()
        m["From"] = "noreply-dmarc@" + reporter.lower().replace(" ", "")
        m["To"] = "dmarc-rua@" + a.domain
        m["Subject"] = "Report Domain: %s Submitter: %s Report-ID: %s" % (a.domain, reporter, report_id)
        m["Date"] = formatdate(begin + 90000)
        m["Message-ID"] = "<%s@%s>" % (report_id, reporter.lower().replace(" ", ""))
        m.set_content("This is an aggregate report from %s.\n" % reporter)
        maintype, subtype = ctype.split("/")
        m.add_attachment(payload, maintype=maintype, subtype=subtype, filename=fname)
        with open(os.path.join(target, "%06d.eml" % i), "wb") as f:
            f.write(bytes(m))


if __name__ == "__main__":
    main()

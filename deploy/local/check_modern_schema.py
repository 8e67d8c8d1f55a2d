"""Applies Vigie's ClickHouse migrations, in order, twice, on chDB's current ClickHouse engine, then runs the
store's main queries. Usage: check_modern_schema.py MIGRATION.sql... (see check-modern-schema.sh)."""
import re
import sys
import tempfile

import chdb
from chdb import session

DB = "vigie_check"
TABLES = ("mentions", "mention_minutes", "mention_minutes_mv", "spikes")


def statements(path):
    """Splits a migration as store/migrate.go does: comment lines dropped, a statement ends with ';' at a line end."""
    out, cur = [], []
    for line in open(path, encoding="utf-8"):
        text = line.strip()
        if not text or text.startswith("--"):
            continue
        cur.append(line.rstrip("\n"))
        if text.endswith(";"):
            out.append("\n".join(cur).strip().rstrip(";"))
            cur = []
    return out


def qualify(stmt):
    # chDB has no per-session default database, so name it in every table reference.
    return re.sub(r"\b(TABLE IF NOT EXISTS|VIEW IF NOT EXISTS|ALTER TABLE|TO|FROM) (%s)\b" % "|".join(TABLES),
                  lambda m: "%s %s.%s" % (m.group(1), DB, m.group(2)), stmt)


def main(paths):
    s = session.Session(tempfile.mkdtemp())
    print("ClickHouse engine", s.query("SELECT version()", "TSVRaw").bytes().decode().strip())
    s.query("CREATE DATABASE IF NOT EXISTS " + DB)
    for run in (1, 2):
        for path in paths:
            for stmt in statements(path):
                s.query(qualify(stmt))
            print("run %d: applied %s" % (run, path.rsplit("/", 1)[-1]))
    row = ("('a','acme','rss','x','u','t','Panne réseau chez Acme','','fr','2026-11-22 10:00:05',"
           "'2026-11-22 10:01:00',['acme'],-0.5,'negative',0.9,0)")
    for _ in range(2):  # the same mention delivered twice
        s.query("INSERT INTO %s.mentions (id, brand, source, source_name, url, title, text, author, lang, published, "
                "fetched, matched, sentiment, label, confidence, abusive) VALUES %s" % (DB, row))
    checks = {
        "SELECT count() FROM %s.mentions FINAL" % DB: "1",
        "SELECT sum(mentions) FROM %s.mention_minutes WHERE brand = 'acme'" % DB: "2",
        "SELECT count() FROM %s.mentions FINAL WHERE hasToken(lower(text), 'panne')" % DB: "1",
    }
    failed = 0
    for q, want in checks.items():
        got = s.query(q, "TSVRaw").bytes().decode().strip()
        ok = got == want
        failed += not ok
        print("%s %s = %s (want %s)" % ("ok  " if ok else "FAIL", q, got, want))
    print(s.query("SELECT name, type, compression_codec FROM system.columns WHERE database = '%s' AND table = 'mentions'" % DB,
                  "PrettyCompactNoEscapes"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

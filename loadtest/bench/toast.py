#!/usr/bin/env python3
"""What storing journal rows costs a PostgreSQL server, by how their payload column is compressed.

Usage: loadtest/bench/toast.py   (psql on the path; the server at 127.0.0.1:5432, user postgres)

Drops and makes again the database `toastexp`, and nothing else. Rows of 64 and of 4 jobs of about
1 KiB (the harness's events: a JSON head, then `random pad`, 64 random characters as the harness
pads, or `json-like`, repeated keys and words as real events carry) are copied into a source table
stored uncompressed, then inserted into a fresh table by one `INSERT ... SELECT` for each storage:
pglz (PostgreSQL's default), lz4, EXTERNAL (never compressed), toast_tuple_target = 8160 (rows up
to a page kept whole), and the last two together. Prints the best of 3 as server time per job
(the statement's time over its jobs: the server does nothing else) and the table's size per job,
TOAST included.
"""
import random
import subprocess
random.seed(1)
ALPHA = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
def event(i, padded):
    head = (b'{"type":"track","event":"Order Completed","userId":"source-7-user-%d","messageId":"m-%d",'
            b'"context":{"library":{"name":"analytics.js","version":"4.1.0"},"ip":"10.0.0.%d"},'
            b'"properties":{"plan":"pro","value":%d.5,' % (random.randint(0,9999), i, i % 250, i))
    if padded:
        pad = bytes(random.choice(ALPHA) for _ in range(1024 - len(head) - 16))
    else:  # realistic: repeated keys and words
        words = [b"checkout", b"cart", b"product", b"sku", b"price", b"quantity", b"currency", b"USD", b"category"]
        parts = []
        while sum(map(len, parts)) < 1024 - len(head) - 16:
            parts.append(b'"%s":"%s-%d",' % (random.choice(words), random.choice(words), random.randint(0, 99)))
        pad = b"".join(parts)
    return head + b'"padding":"' + pad + b'"}}'
def rows(n, jobs, padded):
    return [b"".join(event(i * jobs + j, padded) for j in range(jobs)) for i in range(n)]
def psql(sql):
    return subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "toastexp", "-qAt", "-c", sql],
                          capture_output=True, text=True, check=True).stdout
subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS toastexp"], check=True)
subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE toastexp"], check=True)
for jobs, n in ((64, 400), (4, 4000)):
    for padded in (True, False):
        data = rows(n, jobs, padded)
        psql("DROP TABLE IF EXISTS src; CREATE TABLE src (p bytea) WITH (toast_tuple_target = 8160); ALTER TABLE src ALTER p SET STORAGE EXTERNAL")
        copy = "".join("\\\\x" + d.hex() + "\n" for d in data)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "toastexp", "-qc", "COPY src FROM STDIN"],
                       input=copy, text=True, check=True)
        for name, ddl in (("pglz (default)", ""), ("lz4", "ALTER TABLE t ALTER p SET COMPRESSION lz4"),
                          ("external", "ALTER TABLE t ALTER p SET STORAGE EXTERNAL"),
                          ("target8160", "ALTER TABLE t SET (toast_tuple_target = 8160)"),
                          ("target8160+lz4", "ALTER TABLE t SET (toast_tuple_target = 8160); ALTER TABLE t ALTER p SET COMPRESSION lz4")):
            best = None
            for _ in range(3):
                psql("DROP TABLE IF EXISTS t; CREATE TABLE t (id bigserial primary key, p bytea); " + (ddl + ";" if ddl else ""))
                r = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "toastexp", "-qAt"],
                                   input="\\timing on\nINSERT INTO t (p) SELECT p FROM src;\n", capture_output=True, text=True, check=True).stdout
                ms = float(r.split("Time:")[1].split("ms")[0])
                best = ms if best is None else min(best, ms)
            size = psql("SELECT pg_total_relation_size('t')").strip()
            print(f"{jobs:3} jobs/row {'random pad' if padded else 'json-like '} {name:16} {best/ (n*jobs) * 1000:6.2f} us/job  table {int(size)/(n*jobs):7.0f} B/job", flush=True)

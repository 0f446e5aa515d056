#!/usr/bin/env python3
"""Small data helpers of the end-to-end tests and the benchmarks
(tests/lib.sh and bench/lib.sh call it as `sdtest`; standard library
only). Each subcommand reads standard input unless a FILE is named, and
prints one line; it exits 1 with a message if the input is not what it
expects (a line that is not JSON, a field that is missing), so that the
test that asked sees a failure, never a default.

    free-port                   a TCP port on 127.0.0.1 nothing uses right
                                now, from 20000-31999 (below the kernel's
                                ephemeral range: a port it hands out could
                                be taken by another test's outgoing
                                connection before our daemon binds it),
                                and that no other free-port handed out in
                                the last hour (a test picks its ports before
                                its daemons bind them; without the record,
                                two picks, in one test or in two run side
                                by side, could return the same port)
    json-field [-f FILE] PATH...
                                the values at PATHs (keys joined by dots,
                                list indexes as numbers) of one JSON
                                document, space separated, as Python prints
                                them (True, None)
    json-sum [-f FILE] PATH     the sum of the values of the object or list
                                at PATH
    json-eval [--lines] EXPR    the Python expression EXPR over the JSON
                                document `j` (--lines: over each JSON line
                                `j`, printing the values that are not None)
    json-equal A B [--except KEY]...
                                exit 0 if the JSON texts A and B are equal
                                objects once the top-level KEYs are left
                                out; otherwise print the differing keys and
                                exit 1
    jsonl-field [-f FILE] FIELD [--tail N] [--limit N]
                                FIELD of each JSON line that has it, space
                                separated (--tail: its last N characters;
                                --limit: of the first N lines, each of
                                which must have it)
    jsonl-sum FIELD...          the sum of the FIELDs over all JSON lines
                                (null, or a line without the field, such
                                as peers --json's final origins object,
                                counts 0)
    jsonl-count [FIELD[=VALUE]] [--distinct]
                                JSON lines (that have FIELD, or whose FIELD
                                prints as VALUE); --distinct: distinct
                                values of FIELD
    jsonl-sort [--drop FIELD]... KEY...
                                the JSON lines without the FIELDs, sorted
                                by the KEYs, printed with sorted keys one a
                                line (for comparing exports)
    csv-filter FILE COLUMN VALUE [--not] [--eol crlf]
                                the header and the rows whose COLUMN (a
                                header name) is VALUE (--not: is not)
    csv-head FILE N [--bump COLUMN] [--eol crlf]
                                the header and the first N rows (--bump:
                                COLUMN, a number or empty, plus one)
    num-cmp A OP B [OP C]...    exit 0 if the chained comparison of numbers
                                holds (OP: < <= > >= == !=), 1 if not
"""
import csv
import json
import operator
import os
import random
import socket
import sys
import tempfile
import time


class Usage(Exception):
    pass


def take_file(args):
    """Removes -f FILE from args; returns the open file (or stdin)."""
    if len(args) >= 2 and args[0] in ("-f", "--file"):
        path = args[1]
        del args[:2]
        return open(path, encoding="utf-8")
    return sys.stdin


def take_opt(args, name, many=False):
    """Removes every `name VALUE` from args; the values (or the last)."""
    vals = []
    while name in args:
        i = args.index(name)
        if i + 1 >= len(args):
            raise Usage("%s needs a value" % name)
        vals.append(args[i + 1])
        del args[i:i + 2]
    return vals if many else (vals[-1] if vals else None)


def take_flag(args, name):
    if name in args:
        args.remove(name)
        return True
    return False


def at(doc, path):
    v = doc
    for part in path.split("."):
        if isinstance(v, list):
            v = v[int(part)]
        else:
            v = v[part]
    return v


def json_lines(f):
    """The JSON value of each line of f (an empty line is no JSON)."""
    out = []
    for n, line in enumerate(f, 1):
        try:
            out.append(json.loads(line))
        except ValueError as e:
            raise SystemExit("line %d is not JSON (%s): %.200s" % (n, e, line))
    return out


def eol(args):
    e = take_opt(args, "--eol") or "lf"
    if e not in ("lf", "crlf"):
        raise Usage("--eol takes lf or crlf")
    return "\r\n" if e == "crlf" else "\n"


PORT_DIR = os.path.join(tempfile.gettempdir(), "stardust-test-ports")
PORT_HOLD_S = 3600


def port_claim(p):
    """Record port P as handed out; False if it was, less than
    PORT_HOLD_S ago (O_EXCL makes the check and the record one step, so
    that two tests asking at once cannot both win)."""
    path = os.path.join(PORT_DIR, str(p))
    try:
        st = os.stat(path)
        if time.time() - st.st_mtime < PORT_HOLD_S:
            return False
        os.unlink(path)
    except FileNotFoundError:
        pass
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    except FileExistsError:
        return False
    return True


def cmd_free_port(args):
    if args:
        raise Usage("free-port takes no argument")
    os.makedirs(PORT_DIR, exist_ok=True)
    while True:
        p = random.randrange(20000, 32000)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            s.close()
        if not port_claim(p):
            continue
        print(p)
        return 0


def cmd_json_field(args):
    doc = json.load(take_file(args))
    if not args:
        raise Usage("json-field needs a PATH")
    print(" ".join(str(at(doc, p)) for p in args))
    return 0


def cmd_json_sum(args):
    doc = json.load(take_file(args))
    if len(args) != 1:
        raise Usage("json-sum takes one PATH")
    v = at(doc, args[0])
    print(sum(v.values() if isinstance(v, dict) else v))
    return 0


def cmd_json_eval(args):
    lines = take_flag(args, "--lines")
    if len(args) != 1:
        raise Usage("json-eval takes one EXPR")
    if not lines:
        print(eval(args[0], {"j": json.loads(sys.stdin.read())}))
        return 0
    for j in json_lines(sys.stdin):
        v = eval(args[0], {"j": j})
        if v is not None:
            print(v)
    return 0


def cmd_json_equal(args):
    skip = set(take_opt(args, "--except", many=True))
    if len(args) != 2:
        raise Usage("json-equal takes two JSON texts")
    a, b = (json.loads(x) for x in args)
    for k in skip:
        a.pop(k, None)
        b.pop(k, None)
    if a == b:
        return 0
    keys = sorted(k for k in set(a) | set(b) if a.get(k, a) != b.get(k, b))
    print("differ in: %s" % " ".join(keys))
    return 1


def cmd_jsonl_field(args):
    f = take_file(args)
    tail = take_opt(args, "--tail")
    limit = take_opt(args, "--limit")
    if len(args) != 1:
        raise Usage("jsonl-field takes one FIELD")
    rows = json_lines(f)
    if limit is not None:
        vals = [str(o[args[0]]) for o in rows[:int(limit)]]
    else:
        vals = [str(o[args[0]]) for o in rows if args[0] in o]
    if tail is not None:
        vals = [v[-int(tail):] for v in vals]
    print(" ".join(vals))
    return 0


def cmd_jsonl_sum(args):
    if not args:
        raise Usage("jsonl-sum needs a FIELD")
    print(sum(o.get(f) or 0 for o in json_lines(sys.stdin) for f in args))
    return 0


def cmd_jsonl_count(args):
    distinct = take_flag(args, "--distinct")
    if len(args) > 1 or (distinct and not args):
        raise Usage("jsonl-count takes at most one FIELD[=VALUE] "
                    "(--distinct needs one)")
    rows = json_lines(sys.stdin)
    if not args:
        print(len(rows))
        return 0
    field, _, want = args[0].partition("=")
    vals = [str(o[field]) for o in rows if field in o]
    if "=" in args[0]:
        vals = [v for v in vals if v == want]
    print(len(set(vals)) if distinct else len(vals))
    return 0


def cmd_jsonl_sort(args):
    drop = take_opt(args, "--drop", many=True)
    if not args:
        raise Usage("jsonl-sort needs a KEY")
    rows = json_lines(sys.stdin)
    for r in rows:
        for f in drop:
            r.pop(f)
    for r in sorted(rows, key=lambda r: tuple(r[k] for k in args)):
        print(json.dumps(r, sort_keys=True))
    return 0


def csv_cut(args, usage, pick):
    """Reads the CSV file args[0], writes its header and the rows
    pick(header, rows, args) returns, with the --eol line ending."""
    end = eol(args)
    if len(args) != usage.count(" ") + 1:
        raise Usage("takes " + usage)
    with open(args[0], encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    w = csv.writer(sys.stdout, lineterminator=end)
    w.writerow(rows[0])
    w.writerows(pick(rows[0], rows[1:], args))
    return 0


def cmd_csv_filter(args):
    neg = take_flag(args, "--not")

    def pick(header, rows, args):
        col = header.index(args[1])
        return [r for r in rows if (r[col] == args[2]) != neg]
    return csv_cut(args, "FILE COLUMN VALUE", pick)


def cmd_csv_head(args):
    bump = take_opt(args, "--bump")

    def pick(header, rows, args):
        rows = rows[:int(args[1])]
        if bump is not None:
            col = header.index(bump)
            for r in rows:
                r[col] = str(int(r[col] or 0) + 1)
        return rows
    return csv_cut(args, "FILE N", pick)


OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt,
       ">=": operator.ge, "==": operator.eq, "!=": operator.ne}


def cmd_num_cmp(args):
    if len(args) < 3 or len(args) % 2 == 0:
        raise Usage("num-cmp takes A OP B [OP C]...")
    try:
        nums = [float(x) for x in args[0::2]]
    except ValueError as e:
        raise SystemExit("num-cmp: %s" % e)
    for i, op in enumerate(args[1::2]):
        if op not in OPS:
            raise Usage("num-cmp: unknown operator %r" % op)
        if not OPS[op](nums[i], nums[i + 1]):
            return 1
    return 0


COMMANDS = {
    "free-port": cmd_free_port,
    "json-field": cmd_json_field,
    "json-sum": cmd_json_sum,
    "json-eval": cmd_json_eval,
    "json-equal": cmd_json_equal,
    "jsonl-field": cmd_jsonl_field,
    "jsonl-sum": cmd_jsonl_sum,
    "jsonl-count": cmd_jsonl_count,
    "jsonl-sort": cmd_jsonl_sort,
    "csv-filter": cmd_csv_filter,
    "csv-head": cmd_csv_head,
    "num-cmp": cmd_num_cmp,
}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        sys.stderr.write(__doc__)
        return 2
    try:
        return COMMANDS[argv[1]](argv[2:])
    except Usage as e:
        sys.stderr.write("sdtest %s: %s\n" % (argv[1], e))
        return 2
    except (KeyError, IndexError) as e:
        sys.stderr.write("sdtest %s: no %s in the input\n" % (argv[1], e))
        return 1
    except (OSError, ValueError) as e:
        sys.stderr.write("sdtest %s: %s\n" % (argv[1], e))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""
stack-depth.py -- worst-case stack of the freestanding verifier, from gcc's call graphs.

Input: the .ci files (VCG graphs) that gcc writes with -fcallgraph-info=su, one per
translation unit (tools/check-freestanding.sh rebuilds the verifier into build-stack/ for
this).  Each defined function is a node with its frame size and qualifier; each call is
an edge.  The script merges the graphs and, for every entry point, finds the call chain
with the largest sum of frame sizes.

Fails (exit 1) when:
  - any entry point's own worst case (verifier frames only) exceeds VERIFIER_BUDGET;
  - any function has a "dynamic" frame (VLA, alloca: its size is not known);
  - any function has a "dynamic,bounded" frame, but only with --strict-bounded
    (STRICT_BOUNDED).  gcc documents the figure of a bounded frame as a reliable maximum, so
    by default it is counted at that figure and listed.  On x86-64 gcc reports every
    function that pushes stack-passed call arguments (a call with more than six integer
    arguments) as dynamic,bounded;
  - the call graph has a cycle (recursion, direct or mutual);
  - a reachable callee has no frame information and is not an allowed mem* function
    (an external we cannot bound);
  - an indirect call cannot be attributed to one of the interfaces below.

Indirect calls (gcc's "__indirect_call" node) are not followed.  The verifier makes them
only through two caller-provided interfaces; each call site is classified by reading the
source at the call's location and matching the member name against the function-pointer
members declared in the interface's struct.  The callee's stack is then counted against
the interface's stated budget, not the verifier's:
  crypto   (struct sp_crypto, include/softpause/crypto.h)     CRYPTO_BUDGET
  storage  (struct sp_device_io, include/softpause/device.h)  STORAGE_BUDGET
The "total" column is the figure an integrator must provision: the verifier's frames down
to the interface call plus that interface's budget (max over all paths).

Usage: stack-depth.py [--budget N] [--strict-bounded] [--src-root DIR] [--entry NAME]...
                      FILE.ci|DIR...
"""
import argparse
import os
import re
import sys

# ---- budgets (bytes) -------------------------------------------------------------------
VERIFIER_BUDGET = 4096  # the verifier's own frames, deepest path from any entry point
CRYPTO_BUDGET = 8192  # one call into the crypto engine (libsodium-class Ed25519 verify)
STORAGE_BUDGET = 1024  # one storage callback (slot/policy/anchor/counter I/O)
MEM_FN_FRAME = 64  # allowance for each freestanding mem* function the verifier calls
STRICT_BOUNDED = False  # True: "dynamic,bounded" frames fail like "dynamic" ones

# Externals the verifier may call (the only libc a freestanding build may need).
ALLOWED_EXTERNALS = ("memcpy", "memset", "memmove", "memcmp")

# Public entry points that must be reported; every exported sp_* function is also one.
ENTRY_POINTS = (
    "sp_statement_verify",
    "sp_device_apply",
    "sp_device_consume",
    "sp_device_load",
    "sp_device_init",
    "sp_note_open",
    "sp_policy_parse",
    "sp_rt_request",
    "sp_rt_response_verify",
)

# kind -> (header, struct name, budget)
INTERFACES = {
    "crypto": ("include/softpause/crypto.h", "sp_crypto", CRYPTO_BUDGET),
    "storage": ("include/softpause/device.h", "sp_device_io", STORAGE_BUDGET),
}

INDIRECT = "__indirect_call"

NODE_RE = re.compile(r'^node:\s*\{\s*title:\s*"([^"]*)"\s*label:\s*"([^"]*)"')
EDGE_RE = re.compile(
    r'^edge:\s*\{\s*sourcename:\s*"([^"]*)"\s*targetname:\s*"([^"]*)"(?:\s*label:\s*"([^"]*)")?'
)
FRAME_RE = re.compile(r"(\d+) bytes \(([^)]*)\)")


class Graph:
    def __init__(self):
        self.frame = {}  # title -> bytes (defined functions only)
        self.qual = {}  # title -> "static" | "dynamic" | "dynamic,bounded"
        self.where = {}  # title -> "file:line:col" of the definition
        self.edges = {}  # title -> list of (target, call-site location)

    def name(self, title):
        """Display name: static functions are titled "file.c:name"; show just the name."""
        return title.rsplit(":", 1)[-1]

    def load(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                m = NODE_RE.match(line)
                if m:
                    title, label = m.group(1), m.group(2)
                    parts = label.split("\\n")
                    fm = FRAME_RE.search(label)
                    if fm:
                        self.frame[title] = int(fm.group(1))
                        self.qual[title] = fm.group(2)
                        if len(parts) > 1:
                            self.where[title] = parts[1]
                    self.edges.setdefault(title, [])
                    continue
                m = EDGE_RE.match(line)
                if m:
                    self.edges.setdefault(m.group(1), []).append((m.group(2), m.group(3) or ""))


def interface_members(src_root):
    """kind -> set of function-pointer member names, read from the interface headers."""
    members = {}
    for kind, (header, struct, _budget) in INTERFACES.items():
        path = os.path.join(src_root, header)
        names = set()
        try:
            text = open(path, encoding="utf-8").read()
        except OSError:
            text = ""
        m = re.search(r"struct\s+" + struct + r"\s*\{(.*?)\}\s*" + struct + r"\s*;", text, re.S)
        if m:
            names = set(re.findall(r"\(\s*\*\s*(\w+)\s*\)", m.group(1)))
        members[kind] = names
    return members


def classify_call(site, src_roots, members):
    """Return (kind or None, member name or None) for an indirect call site "file:l:c"."""
    m = re.match(r"^(.*):(\d+):(\d+)$", site)
    if not m:
        return None, None
    fname, line, col = m.group(1), int(m.group(2)), int(m.group(3))
    lines = None
    for root in src_roots:
        p = fname if os.path.isabs(fname) else os.path.join(root, fname)
        try:
            with open(p, encoding="utf-8", errors="replace") as f:
                lines = f.read().split("\n")
            break
        except OSError:
            continue
    if lines is None or line < 1 or line > len(lines):
        return None, None
    # From the start of the call expression up to its argument list's "(".
    text = lines[line - 1][max(col - 1, 0):] + " " + " ".join(lines[line:line + 3])
    cm = re.match(r"^[\w\s.\->\[\]]*?(\w+)\s*\(", text)
    if not cm:
        return None, None
    member = cm.group(1)
    for kind, names in members.items():
        if member in names:
            return kind, member
    return None, member


def main():
    ap = argparse.ArgumentParser(description="worst-case stack from gcc -fcallgraph-info=su")
    ap.add_argument("--budget", type=int, default=VERIFIER_BUDGET,
                    help="budget for the verifier's own frames (default %(default)s)")
    ap.add_argument("--strict-bounded", action="store_true", default=STRICT_BOUNDED,
                    help="fail on dynamic,bounded frames too")
    ap.add_argument("--src-root", action="append", default=[],
                    help="where call-site and header paths are resolved (default: .)")
    ap.add_argument("--entry", action="append", default=[],
                    help="extra entry point (exported sp_* functions are always entries)")
    ap.add_argument("inputs", nargs="+", help=".ci files or directories holding them")
    args = ap.parse_args()
    src_roots = args.src_root or ["."]

    files = []
    for p in args.inputs:
        if os.path.isdir(p):
            for d, _dirs, fs in os.walk(p):
                files += [os.path.join(d, f) for f in fs if f.endswith(".ci")]
        else:
            files.append(p)
    files.sort()
    if not files:
        print("stack-depth: no .ci files found in " + " ".join(args.inputs))
        return 1

    g = Graph()
    for f in files:
        g.load(f)
    members = interface_members(src_roots[0])
    for kind, names in members.items():
        if not names:
            print("stack-depth: note: no members found for the %s interface (%s)"
                  % (kind, INTERFACES[kind][0]))

    problems = []  # (function, message)

    def problem(fn, msg):
        if (fn, msg) not in problems:
            problems.append((fn, msg))

    # Every function: frame qualifier, unresolved callees, indirect calls.
    classified = {}  # (caller, site) -> (kind, member)
    bounded = []
    for fn in sorted(g.edges):
        q = g.qual.get(fn, "static")
        if fn not in g.frame or q == "static":
            pass
        elif q == "dynamic,bounded" and not args.strict_bounded:
            bounded.append(fn)
        elif q == "dynamic,bounded":
            problem(fn, "dynamic,bounded frame (at most %s bytes; --strict-bounded)"
                    % g.frame[fn])
        else:
            problem(fn, "%s frame (%s bytes + runtime size: VLA or alloca)" % (q, g.frame[fn]))
        for tgt, site in g.edges[fn]:
            if tgt == INDIRECT:
                classified[(fn, site)] = classify_call(site, src_roots, members)

    # Cycles (recursion), anywhere in the graph.
    WHITE, GREY, BLACK = 0, 1, 2
    color = {}
    cycles = []

    def visit(fn, stack):
        color[fn] = GREY
        stack.append(fn)
        for tgt, _site in g.edges.get(fn, []):
            if tgt == INDIRECT or tgt not in g.frame:
                continue
            c = color.get(tgt, WHITE)
            if c == GREY:
                cycles.append(stack[stack.index(tgt):] + [tgt])
            elif c == WHITE:
                visit(tgt, stack)
        stack.pop()
        color[fn] = BLACK

    sys.setrecursionlimit(max(10000, 4 * len(g.edges) + 100))
    for fn in sorted(g.frame):
        if color.get(fn, WHITE) == WHITE:
            visit(fn, [])
    in_cycle = set()
    for cyc in cycles:
        in_cycle.update(cyc)
        problem(cyc[0], "recursion: " + " > ".join(g.name(x) for x in cyc))

    # Worst case per function (memoised; functions on cycles are not followed again).
    memo = {}

    def worst(fn):
        """(own bytes, own path, total bytes incl. callback budgets, total path)."""
        if fn in memo:
            return memo[fn]
        memo[fn] = (g.frame.get(fn, 0), [fn], g.frame.get(fn, 0), [fn])  # cycle guard
        own = g.frame.get(fn, 0)
        best_own, best_own_path = 0, []
        best_tot, best_tot_path = 0, []
        for tgt, site in g.edges.get(fn, []):
            if tgt == INDIRECT:
                kind, member = classified[(fn, site)]
                if kind is None:
                    problem(fn, "indirect call at %s (%s) is not a call through sp_crypto or "
                            "sp_device_io: cannot bound it" % (site, member or "?"))
                    continue
                label = "[%s:%s]" % (kind, member)
                budget = INTERFACES[kind][2]
                if budget > best_tot:
                    best_tot, best_tot_path = budget, [label]
                continue
            if tgt in g.frame:
                if tgt in in_cycle and fn in in_cycle:
                    continue
                o, op, t, tp = worst(tgt)
            elif tgt in ALLOWED_EXTERNALS:
                o, op, t, tp = MEM_FN_FRAME, [tgt], MEM_FN_FRAME, [tgt]
            else:
                problem(fn, "calls %s, which has no frame information (an external the "
                        "verifier may not use, or a file missing from the graph)" % tgt)
                continue
            if o > best_own:
                best_own, best_own_path = o, op
            if t > best_tot:
                best_tot, best_tot_path = t, tp
        memo[fn] = (own + best_own, [fn] + best_own_path, own + best_tot, [fn] + best_tot_path)
        return memo[fn]

    exported = sorted(t for t in g.frame if ":" not in t and t.startswith("sp_"))
    entries = list(ENTRY_POINTS) + [e for e in args.entry if e not in ENTRY_POINTS]
    entries += [e for e in exported if e not in entries]

    # Reachability, to report only problems an entry point can hit.
    reach = set()
    todo = [e for e in entries if e in g.frame]
    while todo:
        fn = todo.pop()
        if fn in reach:
            continue
        reach.add(fn)
        todo += [t for t, _s in g.edges.get(fn, []) if t in g.frame]

    rows = []
    over = []
    for e in entries:
        if e not in g.frame:
            rows.append((e, None, None, "(not defined yet)", ""))
            continue
        o, op, t, tp = worst(e)
        path = " > ".join(g.name(x) if not x.startswith("[") else x for x in op)
        tpath = " > ".join(g.name(x) if not x.startswith("[") else x for x in tp)
        rows.append((e, o, t, path, tpath))
        if o > args.budget:
            over.append(e)

    w = max([len("entry point")] + [len(r[0]) for r in rows])
    print("Verifier stack (budget %d bytes own frames; callbacks: crypto %d, storage %d; "
          "mem* %d each)" % (args.budget, CRYPTO_BUDGET, STORAGE_BUDGET, MEM_FN_FRAME))
    print("%-*s  %6s  %6s  %s" % (w, "entry point", "own", "total", "deepest path (own frames)"))
    for e, o, t, path, tpath in rows:
        if o is None:
            print("%-*s  %6s  %6s  %s" % (w, e, "-", "-", path))
            continue
        flag = "  OVER BUDGET" if o > args.budget else ""
        print("%-*s  %6d  %6d  %s%s" % (w, e, o, t, path, flag))
        if tpath != path:
            print("%-*s  %6s  %6s  total via: %s" % (w, "", "", "", tpath))

    sites = sorted((fn, site, k, m) for (fn, site), (k, m) in classified.items() if fn in reach)
    if sites:
        print("Indirect calls (not followed; counted against the interface budget):")
        for fn, site, k, m in sites:
            print("  %-28s %-30s %s" % (g.name(fn), site, "%s.%s" % (k, m) if k else
                                         "UNCLASSIFIED (%s)" % (m or "?")))

    if bounded:
        print("Bounded dynamic frames, counted at gcc's stated maximum: "
              + ", ".join("%s (%d)" % (g.name(f), g.frame[f]) for f in bounded))

    # Problems in reachable code fail; elsewhere (dead code in the graph) too, since every
    # function compiled into the verifier can be linked by someone.
    failed = False
    for fn, msg in problems:
        print("FAIL %s: %s" % (g.name(fn), msg))
        failed = True
    for e in over:
        print("FAIL %s: %d bytes of verifier frames exceed the budget of %d"
              % (e, memo[e][0], args.budget))
        failed = True
    n_defined = sum(1 for r in rows if r[1] is not None)
    print("stack-depth: %d entry points, %d functions, %s"
          % (n_defined, len(g.frame), "FAILED" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

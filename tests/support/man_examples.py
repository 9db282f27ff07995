#!/usr/bin/env python3
"""man_examples.py -- run the EXAMPLES of a man page source and compare with what it shows.

    python3 tests/support/man_examples.py [--print] PAGE.md...

In each page's "## EXAMPLES" section, every fenced block is a shell transcript: a line
"$ COMMAND" is run with sh -c (stdout and stderr together, as a terminal shows them), the
lines after it are its output, and "[exit N]" its exit status.  All the commands of a page
run in order in one scratch directory (so a later command sees the files of an earlier
one), with the build's softpause and fund first on PATH and a link `tests` to the
repository's tests/ (for fixture files).  Background servers started by an example write
their pid to a *.pid file there; they are stopped at the end.

What may differ from run to run is masked on both sides before comparing: hex strings of
8 or more digits (hashes, key IDs), base64 of 20 or more characters (keys, signatures),
loopback ports, ISO 8601 times and 10-digit Unix times.  Everything else -- messages,
error names, exit statuses, the order of lines -- must match.

--print runs the commands and prints the transcript as the page should show it.
Prints "man examples: N passed, N failed" (one per command); exit 1 if any failed.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MASKS = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"), "<time>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"(?<![0-9A-Za-z+/])[0-9a-f]{8,}(?![0-9A-Za-z+/])"), "<hex>"),
    (re.compile(r"[A-Za-z0-9+/]{20,}={0,2}"), "<b64>"),
    (re.compile(r"(?<!\d)1\d{9}(?!\d)"), "<unix>"),
]


def mask(text):
    for rx, rep in MASKS:
        text = rx.sub(rep, text)
    return text


def examples(path):
    """[(command, expected output, expected status)] of the page's EXAMPLES section."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out, in_section, in_block, cur = [], False, False, None
    for line in lines:
        if line.startswith("## "):
            in_section = line.strip() == "## EXAMPLES"
            continue
        if not in_section:
            continue
        if line.startswith("```"):
            in_block = not in_block
            continue
        if not in_block:
            continue
        if line.startswith("$ "):
            cur = [line[2:], [], None]
            out.append(cur)
        elif cur is not None and cur[2] is None:
            m = re.fullmatch(r"\[exit (\d+)\]", line)
            if m:
                cur[2] = int(m.group(1))
            else:
                cur[1].append(line)
    for c in out:
        if c[2] is None:
            raise SystemExit("%s: `%s` has no [exit N] line" % (path, c[0]))
    return out


def main():
    args = sys.argv[1:]
    show = args[:1] == ["--print"]
    if show:
        args = args[1:]
    build = os.environ.get("BUILD", "build")
    sp = os.environ.get("SOFTPAUSE", os.path.join(ROOT, build, "softpause"))
    bindir = tempfile.mkdtemp(prefix="man-bin.")
    for name, target in (("softpause", sp), ("fund", os.path.join(os.path.dirname(sp), "fund"))):
        os.symlink(os.path.abspath(target), os.path.join(bindir, name))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), LC_ALL="C")
    env.pop("SOFTPAUSE_POLICY", None)
    env["SOFTPAUSE_STATE_DIR"] = "state"  # signing records, as the page says
    passed = failed = 0
    for page in args:
        work = tempfile.mkdtemp(prefix="man-examples.")
        os.symlink(os.path.join(ROOT, "tests"), os.path.join(work, "tests"))
        try:
            for cmd, want, status in examples(page):
                try:
                    r = subprocess.run(["sh", "-c", cmd], cwd=work, env=env,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, timeout=120)
                except subprocess.TimeoutExpired:
                    # A hung example is a failure, and the rest of the page depends on it.
                    failed += 1
                    print("FAIL %s: $ %s\n  timed out after 120 s" % (os.path.basename(page), cmd))
                    break
                got = r.stdout.decode("utf-8", "replace").rstrip("\n")
                got_lines = got.split("\n") if got else []
                if show:
                    print("$ " + cmd)
                    for line in got_lines:
                        print(line)
                    print("[exit %d]" % r.returncode)
                    continue
                if r.returncode == status and mask("\n".join(got_lines)) == mask("\n".join(want)):
                    passed += 1
                else:
                    failed += 1
                    print("FAIL %s: $ %s" % (os.path.basename(page), cmd))
                    print("  want [exit %d]:" % status)
                    for line in want:
                        print("    " + line)
                    print("  got [exit %d]:" % r.returncode)
                    for line in got_lines:
                        print("    " + line)
        finally:
            for f in os.listdir(work):
                if f.endswith(".pid"):
                    try:
                        os.kill(int(open(os.path.join(work, f)).read().split()[0]), signal.SIGTERM)
                    except (ValueError, OSError):
                        pass
            shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(bindir, ignore_errors=True)
    if show:
        return 0
    print("man examples: %d passed, %d failed" % (passed, failed))
    tally = os.environ.get("SP_TALLY_FILE")
    if tally:
        with open(tally, "a") as f:
            f.write("%d %d\n" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""help.py BIN OUTDIR: the help, the manual page and the bash completion
say what the program accepts.

The options a command accepts are its getopt_long table in the sources
(main.c's command table names each command's function; the table in that
function, with cli.h's PB_CLI_LONGOPTS expanded, and its short options).
For every command, they must be exactly the options `payback CMD --help`
lists (each with an argument if and only if getopt requires one), and each
must appear in the command's section of the manual page
(docs/payback.1).  The help's layout is checked too (an example, lines of
at most 80 columns, one line per option), the page must render without a
groff warning, and the completion (completion/payback.bash), called as
bash calls it, must offer each command's options, parameter paths after
--set, methods after --method, and scenario files as operands.

Prints "ok - ..." / "not ok - ..." lines for tests/all.sh.
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
BIN, OUT = os.path.abspath(sys.argv[1]), sys.argv[2]
os.makedirs(OUT, exist_ok=True)
MAN = os.path.join(ROOT, "docs", "payback.1")
COMPLETION = os.path.join(ROOT, "completion", "payback.bash")


def check(name, problems):
    if problems:
        print("not ok - " + name)
        for p in problems[:20]:
            print("#   " + p)
    else:
        print("ok - " + name)


def src(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


# --- what the parsers accept -------------------------------------------------
cli_h = src("sim", "cli.h")
SHARED = re.search(r"#define PB_CLI_LONGOPTS((?:[^\n]*\\\n)*[^\n]*)", cli_h).group(1)
SHARED_SHORT = re.search(r'#define PB_CLI_SHORTOPTS "([^"]*)"', cli_h).group(1)
LONGOPT = re.compile(r'\{"([a-z0-9-]+)",\s*(no|required|optional)_argument')


def function_body(text, fn):
    m = re.search(r"\bint %s\(int argc, char \*\*argv\)\s*\{" % re.escape(fn), text)
    if not m:
        return None
    end = text.find("\n}\n", m.end())
    return text[m.start():end]


def parser_options(fn):
    """{"--long": takes_arg, "-x": takes_arg} of the command function fn."""
    for name in sorted(os.listdir(os.path.join(ROOT, "sim"))):
        if not name.endswith(".c"):
            continue
        text = src("sim", name)
        body = function_body(text, fn)
        if body is None:
            continue
        m = re.search(r"struct option longopts\[\]\s*=\s*\{(.*?)\};", body, re.S)
        if not m:  # the parser in a helper of the same file: fn(argc, argv, ...)
            for callee in re.findall(r"\b(\w+)\(argc, argv\b", body):
                h = re.search(r"\bint %s\(int argc, char \*\*argv[^)]*\)\s*\{" % re.escape(callee), text)
                if h and callee != fn:
                    sub = text[h.start():text.find("\n}\n", h.end())]
                    if re.search(r"struct option longopts\[\]", sub):
                        body = sub
                        m = re.search(r"struct option longopts\[\]\s*=\s*\{(.*?)\};", body, re.S)
                        break
        if not m and name.startswith("cmd_"):  # one command per file: a table outside the function
            m = re.search(r"struct option \w+\[\]\s*=\s*\{(.*?)\};", text, re.S)
        if not m:
            return {}
        table = m.group(1).replace("PB_CLI_LONGOPTS", SHARED)
        opts = {"--" + n: kind == "required" for n, kind in LONGOPT.findall(table)}
        g = re.search(r'getopt_long\(argc, argv, "([^"]*)"', body)
        shorts = g.group(1) if g else SHARED_SHORT if re.search(r"pb_cli_(parse|options)\(", body) else ""
        for c, colon in re.findall(r"([a-zA-Z])(:?)", shorts):
            opts["-" + c] = bool(colon)
        return opts
    raise SystemExit("not ok - help.py: no function %s in sim/*.c" % fn)


main_c = src("sim", "main.c")
table = re.search(r"static const command commands\[\] = \{(.*?)\};", main_c, re.S).group(1)
COMMANDS = re.findall(r'\{"([a-z]+)",\s*(\w+),', table)
PARSED = {name: parser_options(fn) for name, fn in COMMANDS}
check("main.c's command table read (%d commands, %d options)" % (len(COMMANDS), sum(map(len, PARSED.values()))),
      [] if len(COMMANDS) >= 9 and len(PARSED["run"]) >= 15 else ["the parse of the sources found too little"])


# --- the help ----------------------------------------------------------------
def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def help_options(text):
    """{"--long": arg or None, "-x": ...} and problems, from `CMD --help`."""
    opts, problems, section = {}, [], None
    for line in text.splitlines():
        if len(line) > 80:
            problems.append("over 80 columns: " + line)
        if re.match(r"^[a-z]+:$", line):
            section = line[:-1]
        elif not line:
            section = None
        elif section == "options":
            m = re.match(r"^ +(-\S.*?)(?:  +(\S.*))?$", line)
            if not m:
                problems.append("not an option line: " + line)
                continue
            if not m.group(2):
                problems.append("an option's text is not on its line: " + line)
            toks = m.group(1).replace(",", " ").split()
            arg = next((t for t in toks if not t.startswith("-")), None)
            for t in toks:
                if t.startswith("-"):
                    opts[t] = arg
    return opts, problems


for name, _ in COMMANDS:
    r = run(name, "--help")
    problems = [] if r.returncode == 0 and not r.stderr else ["exit %d, stderr %r" % (r.returncode, r.stderr)]
    shown, layout = help_options(r.stdout)
    problems += layout
    if not r.stdout.startswith("usage: payback %s" % name):
        problems.append("no usage line")
    examples = r.stdout.split("example", 1)[-1]
    if not re.search(r"^  payback %s\b" % name, examples, re.M):
        problems.append("no example")
    accepted = PARSED[name]
    for opt, takes in sorted(accepted.items()):
        if opt not in shown:
            problems.append("%s accepts %s; its --help does not list it" % (name, opt))
        elif (shown[opt] is not None) != takes:
            problems.append("%s %s: the parser %s an argument, the help %s" %
                            (name, opt, "requires" if takes else "takes no", "names %s" % shown[opt] if shown[opt] else "none"))
    for opt in sorted(set(shown) - set(accepted) - {"--help", "-h"}):
        problems.append("%s --help lists %s, which the parser does not accept" % (name, opt))
    check("payback %s --help lists exactly the options its parser accepts (%d), one line each, with an example"
          % (name, len(accepted)), problems)
    if name == "run":
        check("payback help run prints what payback run --help does", [] if run("help", "run").stdout == r.stdout else ["differs"])

r = run("--help")
listed = re.findall(r"^  ([a-z]+)  ", r.stdout.split("\n\n")[1], re.M) if "\n\n" in r.stdout else []
check("payback --help lists the commands of main.c's table, lines within 80 columns",
      ([] if sorted(listed) == sorted(n for n, _ in COMMANDS) else ["lists %s" % listed])
      + ["over 80 columns: " + l for l in r.stdout.splitlines() if len(l) > 80] + ([] if r.returncode == 0 else ["exit %d" % r.returncode]))

# --help is help only where it is not an option's argument, and before "--".
problems = []
for args, want in [(["run", "x.yaml", "--help"], 0), (["run", "--set", "-h"], 2), (["run", "--set=x", "-h"], 0),
                   (["merge", "-o", "--help"], 2), (["run", "x.yaml", "--", "--help"], 2), (["help", "nope"], 2),
                   (["sweep", "--vary", "--help", "--help"], 0)]:
    r = run(*args)
    if r.returncode != want or (want == 0) != r.stdout.startswith("usage:"):
        problems.append("payback %s: exit %d, stdout %r" % (" ".join(args), r.returncode, r.stdout[:40]))
check("--help and -h ask for help unless they are an option's argument or follow --", problems)

# --version: each item, and the build string that result files keep.
r = run("--version")
items = dict(re.findall(r"^([A-Za-z0-9]+): +(.*)$", r.stdout, re.M))
problems = ["no %s line" % k for k in ("commit", "compiler", "flags", "MPI", "HDF5", "GSL", "libyaml", "GMP", "build")
            if k not in items]
if not r.stdout.startswith("payback "):
    problems.append("the first line is not 'payback VERSION'")
h5 = os.path.join(OUT, "version.h5")
w = run("run", os.path.join(ROOT, "tests", "data", "corr.yaml"), "--deterministic", "-o", h5)
if w.returncode == 0:
    d = subprocess.run(["h5dump", "-a", "/build", h5], capture_output=True, text=True).stdout
    if items.get("build", "?") not in d:
        problems.append("build: %r is not the file's build attribute" % items.get("build"))
else:
    problems.append("the run for the build attribute failed: " + w.stderr)
check("payback --version prints the commit, compiler, flags, MPI, HDF5, GSL, libyaml, GMP and the files' build", problems)


# --- the manual page ---------------------------------------------------------
g = subprocess.run(["groff", "-man", "-ww", "-z", MAN], capture_output=True, text=True)
check("docs/payback.1 renders without a groff warning", [g.stderr.strip()] if g.returncode or g.stderr else [])
th = re.search(r'^\.TH PAYBACK 1 \S+ "([^"]*)"', src("docs", "payback.1"), re.M)
version = run("--version").stdout.splitlines()[0]
check("the manual page's header names this version (%s)" % version,
      [] if th and th.group(1) == version else ["the page says %r" % (th.group(1) if th else None)])
text = subprocess.run(["groff", "-man", "-Tascii", "-rLL=3000n", "-P-cbou", MAN], capture_output=True, text=True).stdout
sections, current = {}, None
for line in text.splitlines():
    m = re.match(r"^   payback ([a-z]+)\b", line)
    if m:
        current = m.group(1)
    elif re.match(r"^[A-Z]", line):
        current = None
    if current:
        sections[current] = sections.get(current, "") + line + "\n"
problems = []
for name, _ in COMMANDS:
    if name not in sections:
        problems.append("no section 'payback %s'" % name)
        continue
    for opt in sorted(set(PARSED[name]) - {"--help", "-h"}):  # those two: the page's OPTIONS, for all
        if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(opt), sections[name]):
            problems.append("payback %s: %s is not in its section" % (name, opt))
    if not re.search(r"^ +payback %s\b" % name, text.split("DESCRIPTION")[0], re.M):
        problems.append("payback %s is not in the SYNOPSIS" % name)
check("the manual page has a section for each command naming each option its parser accepts", problems)

# The completion's value lists are the page's.
comp = src("completion", "payback.bash")
problems = []
for var, section in (("kinds", "plot"), ("formats", "export"), ("methods", "sensitivity")):
    values = re.search(r'_payback_%s="([^"]*)"' % var, comp).group(1).split()
    for v in values:
        if not re.search(r"\b%s\b" % v, sections.get(section, "")):
            problems.append("%s: %s is not in the page's %s section" % (var, v, section))
check("the completion's --kind, --format and --method values are the manual page's", problems)


# --- the completion, as bash calls it ----------------------------------------
def complete(*words, cwd=ROOT):
    """COMPREPLY for the command line words (the last is the word being completed)."""
    script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _payback; printf "%s\\n" "${COMPREPLY[@]}"'
    r = subprocess.run(["bash", "-c", script, "complete", COMPLETION, BIN, *words], capture_output=True, text=True, cwd=cwd)
    return set(l for l in r.stdout.splitlines() if l), r.stderr


problems = []
got, err = complete("")
if not {n for n, _ in COMMANDS} <= got or err:
    problems.append("commands: %s %s" % (sorted(got), err))
for name, _ in COMMANDS:
    got, err = complete(name, "-")
    want = set(PARSED[name]) | {"--help", "-h"}
    if got != want or err:
        problems.append("%s -: offers %s, accepts %s %s" % (name, sorted(got), sorted(want), err))
got, _ = complete("run", "--set", "revenue.growth.lo")
if got != {"revenue.growth.long_run="}:
    problems.append("run --set revenue.growth.lo: %s" % sorted(got))
got, _ = complete("sensitivity", "--method", "tornado,s")
if got != {"tornado,sobol", "tornado,shapley"}:
    problems.append("sensitivity --method tornado,s: %s" % sorted(got))
got, _ = complete("run", "scenarios/ba")
if got != {"scenarios/baseline.yaml", "scenarios/bain.yaml"}:
    problems.append("run scenarios/ba: %s" % sorted(got))
got, _ = complete("summary", "tests/data/hdf5_heap_c")
if got != {"tests/data/hdf5_heap_crash.h5"}:
    problems.append("summary tests/data/hdf5_heap_c: %s" % sorted(got))
if "export" in PARSED:
    got, _ = complete("export", "x.h5", "--format", "")
    if got != {"csv", "json"}:
        problems.append("export x.h5 --format: %s" % sorted(got))
got, _ = complete("help", "sw")
if got != {"sweep"}:
    problems.append("help sw: %s" % sorted(got))
check("bash completion: commands, each command's options, --set paths, --method lists, .yaml and .h5 operands",
      problems)

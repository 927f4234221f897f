"""The docs tell the truth: every command the README and the guides show exists with the options
shown, the cheap ones run and print what is shown, every link and every cited section exists,
and every kernel, function and file the docs name is in the code.

Commands are read from the code blocks of README.md and docs/*.md: each line of a ```bash block,
and each `$ ` line of a console block, whose following lines (up to the next `$ `) are the output
shown (none shown: not compared; a `...` line stands for lines left out). Every `politburo`
command is parsed by the CLI's own parser, so an unknown option or a missing argument fails.
The cheap ones are also run, in order, in a scratch folder holding the files the scenario guide
builds or describes (docs/scenarios.md §12 and the broken copies of docs/scenarios.md §3 and
docs/scenarios.md §9): each must exit as shown (`echo $?`; 2 for a shown error; else 0) and
print the output shown. Ensembles and calibration runs of `soviet-1924` run with their run count
cut to 50 and their output is not compared; experiments run only where the docs show them
refused.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import io
import re
import shlex
import shutil
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from politburo.cli import app
from politburo.engine.state import RECORDS as STATE_RECORDS
from politburo.engine.state import State

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "politburo"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
BOX = "┏┓┗┛┃━┡┩╇┳┻│└┘┌┐─┴┬┼╭╮╰╯"
SECTION = "\u00a7"  # the section sign, written so that this file does not cite anything itself
CHEAP_RUNS = 50  # what an example ensemble or calibration run of soviet-1924 is cut to
EXPERIMENTS = {"explain", "whatif", "inevitability", "claims", "results"}
FILE_TYPES = {"py", "toml", "md", "json", "parquet", "html", "png"}  # `votes.parquet` is no function
KEY_TABLES = {"scenario", "axes", "leaders", "offices", "regions", "documents", "events", "parameters",
              "factors", "patterns"}  # the first word of a scenario key path, not a module


def rel(path: Path) -> str:
    return str(path.relative_to(REPO))


# ------------------------------------------------------------------ reading the examples


@dataclass
class Example:
    doc: Path
    line: int
    command: str
    output: list[str] | None  # the lines shown after it (console blocks); None in a bash block

    def __str__(self) -> str:
        return f"{rel(self.doc)}:{self.line}: {self.command}"

    @property
    def words(self) -> list[str]:
        """The command's words, without the pipe that may follow it."""
        return shlex.split(self.command.split(" | ")[0])

    @property
    def refused(self) -> bool:
        """The output shown is an error: a `politburo:` line, or `check` listing problems."""
        if not self.output:
            return False
        if self.words[:2] == ["politburo", "check"]:
            return any(": ok (" not in x for x in self.output)
        return self.output[0].startswith("politburo: ")


def _complete(command: str) -> bool:
    try:
        shlex.split(command)
        return True
    except ValueError:  # an open quote: the command goes on on the next line
        return False


def examples(doc: Path) -> list[Example]:
    text = doc.read_text(encoding="utf-8")
    found = []
    for m in FENCE.finditer(text):
        lang, body = m.group(1), m.group(2)
        first = text.count("\n", 0, m.start(2)) + 1
        lines = body.splitlines()
        if lang in ("bash", "sh"):
            for k, line in enumerate(lines):
                code = line.split("  #")[0].strip()
                for part in filter(None, (p.strip() for p in code.split("&&"))):
                    found.append(Example(doc, first + k, part, None))
        elif lang in ("console", ""):
            k = 0
            while k < len(lines):
                if not lines[k].startswith("$ "):
                    k += 1
                    continue
                start, command = k, lines[k][2:]
                while not _complete(command) and k + 1 < len(lines):
                    k += 1
                    command += "\n" + lines[k]
                k += 1
                shown = []
                while k < len(lines) and not lines[k].startswith("$ "):
                    shown.append(lines[k])
                    k += 1
                found.append(Example(doc, first + start, command, shown))
    return found


POLITBURO = [ex for doc in DOCS for ex in examples(doc) if ex.command.startswith("politburo ")]


# ------------------------------------------------------------------ the CLI's own parser


def root() -> Any:
    """The CLI's click group (recent Typer builds on its own copy of click, so duck-typed)."""
    return typer.main.get_command(app)


def usage_error() -> type[Exception]:
    """click's UsageError, from the click the CLI is built on."""
    core = next(c.__module__ for c in type(root()).__mro__ if c.__name__ == "Command")
    return importlib.import_module(core.rsplit(".", 1)[0] + ".exceptions").UsageError  # type: ignore[no-any-return]


def parse(args: list[str]) -> None:
    """Parse `args` as the CLI would, without running anything. Raises click's UsageError for an
    unknown command or option, a missing argument or a value an option does not take."""
    cmd = root()
    ctx = cmd.make_context("politburo", list(args))
    while hasattr(cmd, "commands"):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not rest:
            return
        name, sub, rest = cmd.resolve_command(ctx, rest)
        cmd, ctx = sub, sub.make_context(name, rest, parent=ctx)


def options(*path: str) -> set[str]:
    """The option names of `politburo PATH...`, e.g. options("results", "show")."""
    cmd = root()
    for name in path:
        cmd = cmd.commands[name]
    return {o for p in cmd.params for o in p.opts if o.startswith("--")}


def test_the_reader_finds_the_examples() -> None:
    assert len(POLITBURO) > 30
    assert [ex.output[:1] for ex in POLITBURO if ex.command == "politburo run --seed 1" and ex.output] == [
        ["soviet-1924, seed 1"]]


@pytest.mark.parametrize("ex", POLITBURO, ids=str)
def test_every_command_shown_parses(ex: Example) -> None:
    try:
        parse(ex.words[1:])
    except usage_error() as exc:
        pytest.fail(f"{ex}: {exc.format_message()}")  # type: ignore[attr-defined]


def test_every_option_of_a_command_written_in_the_text_exists() -> None:
    """Commands written inline, `politburo explain [--level groups|factors] ...`: each option
    they show belongs to the command."""
    bad = []
    for doc in DOCS:
        for span in re.findall(r"`(politburo [^`]+)`", doc.read_text(encoding="utf-8")):
            words = span.split()
            if words[1] not in root().commands:
                bad.append(f"{rel(doc)}: `{span}`: no command {words[1]!r}")
                continue
            known = options(words[1])
            if words[1] == "results":
                known |= options("results", "show")
            bad += [f"{rel(doc)}: `{span}`: {opt} is not an option of {words[1]}"
                    for opt in re.findall(r"--[a-z][a-z-]*", span) if opt not in known]
    assert not bad, "\n".join(bad)


def _paragraph(text: str, start: str) -> str:
    i = text.find(start)
    assert i >= 0, f"the README no longer says {start!r}: check what it says instead, and this test"
    return text[i:text.find("\n\n", i)]


def test_the_options_the_readme_says_commands_share_exist() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    simple = _paragraph(readme, "Other commands (each takes")
    for cmd in ("run", "ensemble", "fidelity", "scenarios", "check"):
        assert "--json" in options(cmd), cmd
    for cmd in ("run", "ensemble", "fidelity"):
        for opt in re.findall(r"--[a-z][a-z-]*", simple):
            assert opt in options(cmd), (cmd, opt)
    shared, _, rest = _paragraph(readme, "All of them but `results` take").partition(
        "; `explain`, `inevitability` and `claims` take `--set PATH=VALUE`")
    assert rest, "the README no longer says which experiments take --set: check this test"
    for cmd in ("explain", "whatif", "inevitability", "claims"):
        for opt in re.findall(r"--[a-z][a-z-]*", shared):
            assert opt in options(cmd), (cmd, opt)
    for cmd in ("explain", "inevitability", "claims"):
        assert "--set" in options(cmd) and "--world" not in options(cmd), cmd
    assert {"--world", "--set", "--factor"} <= options("whatif")
    assert re.search(r"`results` and `results show ID` take `--store DIR` and\s+`--json`", rest), rest
    assert options("results") == options("results", "show") == {"--store", "--json"}


def test_every_option_a_message_names_exists() -> None:
    """Error messages and hints (every string literal of the package) name real options."""
    every = {o for p in root().params for o in p.opts}
    for name, cmd in root().commands.items():
        every |= options(name)
        for sub in getattr(cmd, "commands", {}):
                every |= options(name, sub)
    named = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named += [(rel(path), o) for o in re.findall(r"(?<![\w-])--[a-z][a-z-]*", node.value)]
    assert ("src/politburo/experiments/analyses.py", "--factor") in named  # the reader works
    bad = sorted({f"{f}: {o}" for f, o in named if o not in every})
    assert not bad, "\n".join(bad)


# ------------------------------------------------------------------ running the cheap examples


def _guide_toml(name: str) -> str:
    """The complete scenario a ```toml block of the scenario guide gives (its first line names it)."""
    text = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    for m in FENCE.finditer(text):
        if m.group(1) == "toml" and m.group(2).startswith(f"# {name}:"):
            return m.group(2)
    raise AssertionError(f"the scenario guide has no ```toml block for {name}")


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def write_guide_files(folder: Path) -> None:
    """The files the scenario guide builds or describes, in `folder` (which also gets `src`, so
    that the paths the guide uses from the repository's root work)."""
    (folder / "src").symlink_to(REPO / "src", target_is_directory=True)
    minimal = _guide_toml("minimal.toml")
    (folder / "minimal.toml").write_text(minimal, encoding="utf-8")
    # Domains and limits: tutorial.toml with `land = nan` in the sentiment of the region `sella`.
    tutorial = (PACKAGE / "scenarios" / "tutorial.toml").read_text(encoding="utf-8")
    start = tutorial.index("sentiment = {", tutorial.index('id = "sella"'))
    end = tutorial.index("\n", start)
    line = re.sub(r"land = [-\d.]+", "land = nan", tutorial[start:end])
    (folder / "nan.toml").write_text(tutorial[:start] + line + tutorial[end:], encoding="utf-8")
    # Checking a file: the example's factor with its key path misspelt, set to -1, or naming a
    # misspelt field of an existing leader.
    factor = 'set = { "parameters.appointment_capacity" = 0.0 }'
    for name, path_value in (("typo", '"parameters.appointment_capacty" = 0.0'),
                             ("outside", '"parameters.appointment_capacity" = -1.0'),
                             ("netwrok", '"leaders.ash.netwrok" = 0.0')):
        (folder / f"{name}.toml").write_text(_edit(minimal, factor, f"set = {{ {path_value} }}"), encoding="utf-8")
    # Checking a file: the broken copy, with the seven faults the guide lists.
    broken = _edit(minimal, "ideology = { economy = -0.6 }", "ideology = { economy = -1.6 }")
    broken = _edit(broken, 'offices = ["premier"]\noratory = 0.6\n', 'offices = ["premier", "defence"]\n')
    broken = _edit(broken, 'powers = ["army"]', 'powers = ["army", "navy"]')
    broken = _edit(broken, "delegates = 500\n", "")
    broken = _edit(broken, "insight = { value = 0.374,", "insight = { value = 1.25,")
    broken = _edit(broken, 'date = "1962-03"', 'date = "1963-03"')
    (folder / "broken.toml").write_text(broken, encoding="utf-8")


def _cut(args: list[str]) -> list[str] | None:
    """An ensemble or calibration run of soviet-1924, cut to CHEAP_RUNS runs (None: not one)."""
    if args[0] not in ("ensemble", "fidelity"):
        return None
    scenario = next((args[k + 1] for k, a in enumerate(args[:-1]) if a in ("--scenario", "-s")), "soviet-1924")
    if Path(scenario).stem != "soviet-1924":
        return None
    if "--runs" not in args:
        return [*args, "--runs", str(CHEAP_RUNS)]
    out = list(args)
    out[out.index("--runs") + 1] = str(CHEAP_RUNS)
    return out


def _pipe(text: str, command: str) -> str:
    """The `| head -N` and `| grep [-E] PATTERN` a shown command pipes its output through."""
    for stage in command.split(" | ")[1:]:
        words = shlex.split(stage)
        lines = text.splitlines()
        if words[0] == "head":
            lines = lines[:int(words[1].lstrip("-"))]
        elif words[0] == "grep":
            pattern = words[-1] if words[1] == "-E" else re.escape(words[-1])
            lines = [x for x in lines if re.search(pattern, x)]
        else:
            raise AssertionError(f"cannot emulate {stage!r}")
        text = "".join(x + "\n" for x in lines)
    return text


def _normalise(lines: list[str]) -> list[str]:
    """Lines without trailing blanks or trailing empty lines; the machine-dependent part of a
    size refusal (the cores its time is estimated for) masked."""
    out = [re.sub(r"would take about .+? on \d+ cores?", "would take about ... on N cores", x.rstrip())
           for x in lines]
    while out and not out[-1]:
        out.pop()
    return out


def _tables_as_content(lines: list[str]) -> list[str]:
    """Each table (consecutive lines drawn with box characters) as one line of its content, the
    words and numbers in it, sorted: the terminal's width may change how a table is laid out
    (column widths, wrapped cells), not what it says."""
    out: list[str] = []
    table: list[str] = []
    for x in [*lines, ""]:
        if any(c in BOX for c in x):
            table.append(x)
            continue
        if table:
            words = sorted(w for row in table for w in re.findall(rf"[^\s{BOX}]+", row))
            out.append("table: " + " ".join(words))
            table = []
        out.append(x)
    return out[:-1]


def assert_shown(ex: Example, text: str) -> None:
    """The output shown (a `...` line standing for lines left out) is what was printed."""
    assert ex.output is not None
    shown = _tables_as_content(_normalise(ex.output))
    printed = _tables_as_content(_normalise(text.splitlines()))
    parts: list[list[str]] = [[]]
    for x in shown:
        if x == "...":
            parts.append([])
        else:
            parts[-1].append(x)
    pos = 0
    for k, part in enumerate(parts):
        if k == 0:
            starts = [0]
        elif k == len(parts) - 1 and part:
            starts = [len(printed) - len(part)]
        else:
            starts = list(range(pos, len(printed) - len(part) + 1))
        at = next((s for s in starts if s >= pos and part == printed[s:s + len(part)]), None)
        assert at is not None, f"{ex}\nshows:\n" + "\n".join(part) + "\n\nbut prints:\n" + "\n".join(printed)
        pos = at + len(part)
    if parts[-1]:
        assert pos == len(printed), f"{ex}\nprints more than it shows:\n" + "\n".join(printed[pos:])


runner = CliRunner()


def _politburo(ex: Example) -> tuple[int | None, str | None]:
    """Run one example command if it is cheap: (its exit code or None, what was run or None)."""
    args = ex.words[1:]
    if ex.refused:  # refused before anything runs: cheap whatever it asks for
        cut = None
    elif args[0] in EXPERIMENTS:
        return None, None
    else:
        cut = _cut(args)
    res = runner.invoke(app, cut or args, env={"COLUMNS": "80", "NO_COLOR": "1"})
    printed = res.stdout + (res.stderr if res.exit_code == 2 else "")
    assert "Traceback" not in res.output, f"{ex}\n{res.output}"
    if cut:
        assert res.exit_code in ((0, 1) if args[0] == "fidelity" else (0,)), f"{ex}\n{res.output}"
        return None, " ".join(["politburo", *cut])
    if ex.refused:
        assert res.exit_code == 2, f"{ex}: exit {res.exit_code}\n{res.output}"
    elif args[0] != "fidelity":  # a calibration run exits 1 when a pattern fails: see `echo $?`
        assert res.exit_code == 0, f"{ex}: exit {res.exit_code}\n{res.output}"
    if ex.output:
        assert_shown(ex, _pipe(printed, ex.command))
    return res.exit_code, ex.command


def run_examples(doc: Path, folder: Path) -> list[str]:
    """Run the cheap examples of one doc in order, in `folder` (the working directory); the
    commands run."""
    ran: list[str] = []
    last: int | None = None  # the exit code of the command before, for `echo $?`
    for ex in examples(doc):
        words = ex.words
        if words[:2] == ["echo", "$?"]:
            if last is not None:
                assert ex.output == [str(last)], f"{ex}: the command before it exits {last}"
            continue
        last = None
        if words[0] == "cp":
            shutil.copy(REPO / words[1], folder / words[2])
        elif words[:2] == ["python", "-c"]:
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                exec(compile(words[2], str(ex), "exec"), {})  # noqa: S102 - the docs' own example
            if ex.output:
                assert_shown(ex, buf.getvalue())
            ran.append(ex.command)
        elif words[0] == "duckdb" and "<" not in ex.command:
            import duckdb

            duckdb.connect().execute(words[2]).fetchall()
            ran.append(ex.command)
        elif words[0] == "politburo":
            last, what = _politburo(ex)
            ran += [what] if what else []
    return ran


@pytest.mark.parametrize("doc", ["README.md", "docs/scenarios.md", "docs/experiments.md"])
def test_the_cheap_examples_run_as_shown(doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_guide_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run_examples(REPO / doc, tmp_path), doc


def test_the_guide_files_have_the_faults_the_guide_lists(tmp_path: Path) -> None:
    from politburo.loader import ScenarioError, load_scenario

    write_guide_files(tmp_path)
    load_scenario(str(tmp_path / "minimal.toml"))
    for name, problems in (("broken", 7), ("typo", 1), ("outside", 1), ("netwrok", 1), ("nan", 1)):
        with pytest.raises(ScenarioError) as info:
            load_scenario(str(tmp_path / f"{name}.toml"))
        assert len(info.value.problems) == problems, (name, info.value.problems)


def test_the_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The ```python blocks of the README and the guides, with run counts cut to 50."""
    write_guide_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    blocks = [(doc, m.group(2)) for doc in DOCS for m in FENCE.finditer(doc.read_text(encoding="utf-8"))
              if m.group(1) == "python"]
    assert len(blocks) >= 2
    for doc, code in blocks:
        with contextlib.redirect_stdout(io.StringIO()):
            code = re.sub(r"runs=\d+", f"runs={CHEAP_RUNS}", code)
            exec(compile(code, rel(doc), "exec"), {})  # noqa: S102 - the docs' own example


def test_the_readme_shows_the_experiment_the_command_runs() -> None:
    """The README's `politburo explain` output names the id of the experiment that the command
    runs with the engine and the scenario on disk (the id hashes both). When this fails, run
    `politburo explain` and paste its output into the README."""
    from politburo.experiments.analyses import build_explain
    from politburo.loader import read_scenario

    shown = [ex for ex in examples(REPO / "README.md") if ex.command == "politburo explain"]
    assert len(shown) == 1 and shown[0].output, shown
    m = re.fullmatch(r"soviet-1924 · experiment ([0-9a-f]{12}) · seed 0 · 2,000 replicates · 16,000 runs",
                     shown[0].output[0])
    assert m, shown[0].output[0]
    where, raw = read_scenario("soviet-1924")
    assert build_explain(where, raw, {}, "groups", 2000, 0).id == m.group(1)


# ------------------------------------------------------------------ links, sections and names

HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)
TEXT_FILES = [*DOCS, *sorted(PACKAGE.rglob("*.py")), *sorted(PACKAGE.rglob("*.toml")),
              *sorted((REPO / "tests").glob("*.py")), *sorted((REPO / "benchmarks").glob("*.py")),
              *sorted((REPO / "claims").glob("*.toml")), REPO / "pyproject.toml"]
DOC_NAMES = {p.name: p for p in DOCS}


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(doc: Path) -> list[str]:
    return HEADING.findall(doc.read_text(encoding="utf-8"))


def numbered(doc: Path) -> set[str]:
    """The numbers of a doc's numbered headings ('8', '7.13')."""
    return {m.group(1) for h in headings(doc) if (m := re.match(r"(\d+(?:\.\d+)*)\.? ", h))}


def test_every_relative_link_points_to_a_file_and_a_heading() -> None:
    bad = []
    for doc in DOCS:
        for target in re.findall(r"\[[^\]]*\]\(([^)\s]+)\)", doc.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue
            file, _, anchor = target.partition("#")
            path = (doc.parent / file).resolve() if file else doc
            if not path.is_file():
                bad.append(f"{rel(doc)}: {target}: no such file")
            elif anchor and anchor not in {slug(h) for h in headings(path)}:
                bad.append(f"{rel(doc)}: {target}: no such heading in {rel(path)}")
    assert not bad, "\n".join(bad)


def test_the_repository_cites_only_documents_it_holds() -> None:
    """Every Markdown file named anywhere is README.md or one of docs/*.md, and no path leads out
    of the repository."""
    bad = []
    for path in TEXT_FILES:
        text = path.read_text(encoding="utf-8")
        bad += [f"{rel(path)}: {name}" for name in sorted(set(re.findall(r"\b[\w.-]+\.md\b", text)))
                if name.rsplit("/", 1)[-1] not in DOC_NAMES]
        bad += [f"{rel(path)}: {m}" for m in re.findall(r"\.\./[\w.-]+", text)]
    assert not bad, "\n".join(bad)


def test_every_section_cited_exists() -> None:
    """`docs/model.md` followed by a section sign or 'section' and a number (or a list of section
    signs and numbers), anywhere; a section sign always after the document it cites (or after
    an earlier one of its list); 'section N' inside model.md and scenarios.md; the
    model.md column of the guide's parameter tables; and a section of the README cited by name
    after 'README,'."""
    number = r"\d+(?:\.\d+)*"
    cite = re.compile(rf"(?:docs/)?(model|scenarios|experiments)\.md`?,?\s*(?:{SECTION}|section\s+)({number})"
                      rf"((?:,\s*{SECTION}{number})*)")
    bad = []
    for path in TEXT_FILES:
        text = path.read_text(encoding="utf-8")
        for m in cite.finditer(text):
            for n in [m.group(2), *re.findall(number, m.group(3))]:
                if n not in numbered(DOC_NAMES[f"{m.group(1)}.md"]):
                    bad.append(f"{rel(path)}: {m.group(0)!r}: no such section {n} in docs/{m.group(1)}.md")
        for m in re.finditer(SECTION, text):
            before = text[max(0, m.start() - 80):m.start()]
            if not re.search(rf"\.md`?,?\s*(?:{SECTION}{number},\s*)*$", before):
                bad.append(f"{rel(path)}: {before + text[m.start():m.end() + 4]!r}: which document?")
        for m in re.finditer(r"README,\s*\*?([A-Z][\w ]*?)\*?\)", text):
            if m.group(1) not in headings(REPO / "README.md"):
                bad.append(f"{rel(path)}: {m.group(0)!r}: no such section of the README")
    for doc in (REPO / "docs" / "model.md", REPO / "docs" / "scenarios.md"):
        for m in re.finditer(r"(?<![\w.`])sections? (\d+(?:\.\d+)*)", doc.read_text(encoding="utf-8")):
            if m.group(1) not in numbered(doc):
                bad.append(f"{rel(doc)}: {m.group(0)!r}: no such section")
    guide = (REPO / "docs" / "scenarios.md").read_text(encoding="utf-8")
    tables = re.findall(r"^\| parameter \| meaning \| model\.md \|\n\|[-|]+\|\n((?:\|.*\|\n)+)", guide, re.MULTILINE)
    cells = [c for table in tables for c in re.findall(r"^\| `\w+` \| .+ \| ([\d., ]+) \|$", table, re.MULTILINE)]
    assert len(cells) > 40  # the parameter tables were read
    for cell in cells:
        bad += [f"docs/scenarios.md: model.md column {n}: no such section of docs/model.md"
                for n in cell.replace(" ", "").split(",") if n not in numbered(REPO / "docs" / "model.md")]
    assert not bad, "\n".join(bad)


def _defined(name: str, files: list[Path]) -> bool:
    pattern = re.compile(rf"^\s*(?:def|class) {name}\b|^{name}\s*[:=]|^\s+{name}\s*:", re.MULTILINE)
    return any(pattern.search(f.read_text(encoding="utf-8")) for f in files)


def test_every_kernel_function_and_file_the_docs_name_exists() -> None:
    """Backquoted `_kernel`, `module.function`, `Class.method` and `path/file.py` names. A state
    variable's path (`world.line`, `bodies.committee`) names a field of a record of the state,
    even where the record shares its name with a module (docs/model.md checks its names in
    full: tests/test_model_doc.py)."""
    hints = typing.get_type_hints(State)
    record_fields = {name: set(hints[name]._fields) for name in STATE_RECORDS}
    engine = sorted((PACKAGE / "engine").glob("*.py"))
    modules = {p.stem: p for p in [*engine, *PACKAGE.glob("*.py"), *(PACKAGE / "experiments").glob("*.py")]}
    classes = {m.group(1): p for p in modules.values()
               for m in re.finditer(r"^class (\w+)", p.read_text(encoding="utf-8"), re.MULTILINE)}
    bad, checked = [], 0
    for doc in DOCS:
        for span in sorted(set(re.findall(r"`([^`\s]+)`", doc.read_text(encoding="utf-8")))):
            name = span.removeprefix("politburo.")
            pair = re.fullmatch(r"(\w+)\.(\w+)", name)
            if re.fullmatch(r"_[a-z]\w*", name):
                ok = _defined(name, engine)
            elif pair and pair.group(2) in record_fields.get(pair.group(1), ()):
                ok = True
            elif pair and pair.group(1) in classes:
                ok = _defined(pair.group(2), [classes[pair.group(1)]])
            elif pair and pair.group(1) in modules and pair.group(1) not in KEY_TABLES and pair.group(2) not in FILE_TYPES:
                ok = _defined(pair.group(2), [modules[pair.group(1)]])
            elif re.fullmatch(r"[\w.-]+(?:/[\w.-]+)+\.(?:py|toml|md)", name):
                ok = any((base / name).is_file() for base in (REPO, PACKAGE))
            elif re.fullmatch(r"\w+\.py", name):
                ok = any(PACKAGE.rglob(name)) or (REPO / "benchmarks" / name).is_file()
            else:
                continue
            checked += 1
            if not ok:
                bad.append(f"{rel(doc)}: `{span}`")
    assert checked > 100  # the docs' names were read
    assert not bad, "\n".join(bad)

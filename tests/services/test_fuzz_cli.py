"""Every command of the app and `import-data` take hostile input without a traceback
(issue 13): hypothesis draws the arguments and options of each command, and mutates the
values of a valid import file (examples/company.json) into hostile ones. Each run exits
0, 1 or 2 (click's usage error) with its reason on one `Error:` line, and a run that exits non-zero
leaves the database exactly as it was.
"""

import json
import random
from collections import Counter
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.services.demo import seed_demo
from tests.fuzzing import HOSTILE, fingerprint

pytestmark = pytest.mark.slow

EXAMPLE = Path(__file__).parents[2] / "examples" / "company.json"
# Not the app's own (Flask-Migrate's `db` group), or not taking input.
NOT_FUZZED = {"db", "seed-demo", "status"}
# argv holds no NUL; undecodable bytes arrive as lone surrogates (surrogateescape).
ARGUMENTS = [v for v in HOSTILE if "\x00" not in v] + ["\udcff", "PRO-000001", "2026-0001",
                                                        "C-00001", "havnefronten-2026"]
argument = st.one_of(st.sampled_from(ARGUMENTS), st.text(max_size=30).filter(
    lambda t: "\x00" not in t))


def commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        if not prefix and name in NOT_FUZZED:
            continue
        if isinstance(command, click.Group):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


def _draw_args(data, command: click.Command) -> list[str]:
    args = []
    for param in command.params:
        if isinstance(param, click.Argument):
            args.append(data.draw(argument, label=param.name))
        elif param.is_flag:
            if data.draw(st.booleans(), label=param.name):
                args.append(param.opts[0])
        elif data.draw(st.booleans(), label=f"give {param.name}"):
            args += [param.opts[0], data.draw(argument, label=param.name)]
    return args


def _told(result) -> bool:
    """A refusal ends with its reason on one `Error:` line (import-data lists the problems
    by path before it); a usage error is click's (exit 2). Never a traceback."""
    said = (result.stderr or result.output).strip().splitlines()
    if "Traceback" in (result.stderr or result.output):
        return False
    return result.exit_code == 2 or bool(said) and said[-1].startswith("Error: ")


@pytest.fixture
def demo(app):
    seed_demo()
    db.session.remove()
    return app


def test_every_command_answers_hostile_arguments_in_one_line(demo, runner, capsys, tmp_path):
    exits, failures = Counter(), []
    every = list(commands(demo.cli))

    @settings(max_examples=40, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        for path, command in every:
            args = [*path, *_draw_args(data, command)]
            if path == ("audit", "verify") and "--anchor" in args:
                args[args.index("--anchor") + 1] = str(tmp_path / "anchor.json")
            before = fingerprint()
            result = runner.invoke(args=args, input="a long enough password\n" * 2)
            db.session.remove()
            exits[result.exit_code] += 1
            raised = result.exception if not isinstance(result.exception, SystemExit) else None
            if raised is not None or result.exit_code not in (0, 1, 2):
                failures.append((args, result.exit_code, repr(raised)[:200]))
            elif result.exit_code != 0 and (not _told(result) or fingerprint() != before):
                failures.append((args, result.exit_code, (result.stderr or result.output)[:300]))

    run()
    with capsys.disabled():
        print(f"\nCLI fuzz on {db.engine.dialect.name}: {sum(exits.values())} runs of "
              f"{len(every)} commands, exits {dict(sorted(exits.items()))}, "
              f"failures: {len(failures)}")
    assert failures == [], "\n".join(repr(f)[:500] for f in failures)


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _set(document, path, value):
    for key in path[:-1]:
        document = document[key]
    document[path[-1]] = value


leaf = st.one_of(st.sampled_from(HOSTILE + ["\ud800"]), st.integers(-(2 ** 80), 2 ** 80),
                 st.floats(allow_nan=False, allow_infinity=False), st.none(), st.booleans(),
                 st.just([]), st.just({}))


def test_import_data_refuses_hostile_values_in_one_line_and_writes_nothing(app, runner,
                                                                          capsys, tmp_path):
    original = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    paths = list(_leaves(original))
    exits, failures = Counter(), []

    @settings(max_examples=60, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        document = json.loads(json.dumps(original))
        seed = data.draw(st.integers(0, 2 ** 32), label="which leaves")
        for path in random.Random(seed).sample(paths, k=data.draw(st.integers(1, 4))):
            _set(document, path, data.draw(leaf, label=".".join(map(str, path))))
        file = tmp_path / "company.json"
        # ensure_ascii keeps a lone surrogate as the \ud800 escape a file would carry.
        file.write_text(json.dumps(document, ensure_ascii=True), encoding="utf-8")
        before = fingerprint()
        result = runner.invoke(args=["import-data", str(file)])
        db.session.remove()
        exits[result.exit_code] += 1
        raised = result.exception if not isinstance(result.exception, SystemExit) else None
        if raised is not None or result.exit_code not in (0, 1):
            failures.append((result.exit_code, repr(raised)[:300]))
        elif result.exit_code == 1 and fingerprint() != before:
            failures.append(("changed on refusal", result.output[:300]))
        if result.exit_code == 0:  # imported: start again from an empty database
            from tests.conftest import _empty_tables
            _empty_tables()

    run()
    with capsys.disabled():
        print(f"\nimport fuzz on {db.engine.dialect.name}: {sum(exits.values())} files, "
              f"exits {dict(sorted(exits.items()))}, failures: {len(failures)}")
    assert failures == [], "\n".join(repr(f)[:500] for f in failures)

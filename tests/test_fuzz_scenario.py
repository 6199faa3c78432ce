"""Fuzzing the scenario loader: random TOML, mutated bundled scenarios, junk bytes, odd
``extends`` chains and ``--set`` overrides. Every case must end as a valid scenario (that
assembles into an engine configuration and writes itself back as TOML) or as a
:class:`ScenarioError` whose every problem names the file and the key path; never another
exception.

The default run tries a few hundred examples (deterministic: ``derandomize``); the full run is
``pytest -m long tests/test_fuzz_scenario.py`` (over a thousand per property).
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import tomllib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine import distributions_for
from simulator.engine.operations import default_operations_dict
from simulator.scenario.assemble import engine_config
from simulator.scenario.bundled import bundled_dir
from simulator.scenario.load import load_scenario
from simulator.scenario.schema import ScenarioError, ScenarioModel
from simulator.scenario.write import to_toml
from simulator.treaty import load_registry

BASE = settings(
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)


def sizes(default: int, long: int) -> Any:
    """Parametrize a fuzz test: ``default`` examples normally, ``long`` under ``-m long``."""
    return pytest.mark.parametrize(
        "examples",
        [
            pytest.param(default, id="default"),
            pytest.param(long, id="long", marks=pytest.mark.long),
        ],
    )


OUTCOMES: Counter[str] = Counter()  # per property run: examples, loaded, refused


def run_property(examples: int, strategy: st.SearchStrategy[Any], check: Callable) -> None:
    """Run ``check`` on ``examples`` draws of ``strategy``; print how the examples ended."""
    OUTCOMES.clear()

    @settings(BASE, max_examples=examples)
    @given(strategy)
    def prop(value: Any) -> None:
        OUTCOMES["examples"] += 1
        check(value)

    prop()
    print(f"fuzz: {dict(OUTCOMES)}")


# ------------------------------------------------------------- what to draw
def _schema_keys(model: Any, out: set[str]) -> set[str]:
    from simulator.scenario.checks import _inner_model

    for name, info in model.model_fields.items():
        out.add(name)
        inner = _inner_model(info.annotation)
        if inner is not None and inner is not model:
            _schema_keys(inner, out)
    return out


def _ops_keys(node: dict[str, Any], out: set[str]) -> set[str]:
    for key, value in node.items():
        out.add(key)
        if isinstance(value, dict):
            _ops_keys(value, out)
    return out


REGISTRY = load_registry()
CODES = sorted(set(REGISTRY.state_codes) | set(REGISTRY.holder_codes))
KEYS = sorted(
    _schema_keys(ScenarioModel, set())
    | _ops_keys(default_operations_dict(), set())
    | {"breakdown_by_aircraft"}
)
WORDS = [
    *CODES,
    "XXX",
    "rus",
    "",
    " ",
    "BENELUX",
    "BY-RU",
    "historical",
    "explicit",
    "interest",
    "none",
    "treaty",
    "allies",
    "off",
    "transfers",
    "always",
    "each",
    "lead",
    "no_fly",
    "distance_cap",
    "kaliningrad",
    "2019-06-01",
    "2019-02-30",
    "0001-01-01",
    "9999-12-31",
    "2019",
    "é\u0000\u0007\n\t\"'\\",
]

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2, 12, 2001, 2002, 2019, 2100, 2101, 2**63 - 1, 2**63, -(2**63)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.5, 1e308, -1e308, 5e-324, math.inf, math.nan]),
    st.booleans(),
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.dates(),
    st.datetimes(timezones=st.none() | offsets),
    st.times(),
)
keys = st.one_of(st.sampled_from(KEYS), st.sampled_from(CODES), st.text(max_size=8))
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
documents = st.dictionaries(keys, values, max_size=8)

EXTENDS = [
    "_fuzz.toml",  # itself
    "_fuzz2.toml",  # a file that extends this one back
    "missing.toml",
    ".",
    "..",
    "",
    "   ",
    "/dev/null",
    "a\u0000b",
    "x" * 300,
    "../" * 40 + "tmp",  # far above the scenarios: a directory
    "baseline-2019.toml",
    "../baseline-2019.toml",
    "_binary.toml",
    "_empty.toml",
]
OVERRIDE_VALUES = [
    "false",
    "3",
    "-1",
    "nan",
    "inf",
    "1e400",
    "[1, 2]",
    "'RUS'",
    "{ a = 1 }",
    "2019-02-30",
    "2019-06-01",
    "1979-05-27T07:32:00+25:00",
    "[" * 60 + "]" * 60,
    "",
    '"unterminated',
    "1\n[x]",
    "99999999999999999999999999",
]
override_keys = st.lists(st.sampled_from([*KEYS, *CODES, "", " "]), min_size=1, max_size=4).map(
    ".".join
)
overrides = st.lists(
    st.builds(
        lambda k, v: f"{k}={v}",
        override_keys,
        st.sampled_from(OVERRIDE_VALUES) | st.text(max_size=10),
    )
    | st.text(max_size=12),
    max_size=3,
)


# -------------------------------------------------------------- the property
@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the bundled scenarios with a few helper files beside them."""
    root = tmp_path_factory.mktemp("fuzz") / "scenarios"
    shutil.copytree(bundled_dir(), root)
    for folder in (root, root / "counterfactual"):
        (folder / "_fuzz2.toml").write_text("extends = '_fuzz.toml'\n", encoding="utf-8")
        (folder / "_binary.toml").write_bytes(b"\x00\xff\xfe junk \x80")
        (folder / "_empty.toml").write_text("", encoding="utf-8")
    return root


BUNDLED = sorted(
    p.relative_to(bundled_dir()).as_posix()
    for p in bundled_dir().rglob("*.toml")
    if not p.name.startswith("_")
)


def check_loads_or_explains(path: Path, root: Path, sets: list[str] = ()) -> None:
    """The property: a valid, usable scenario, or a ScenarioError naming file and key path."""
    try:
        sc = load_scenario(path, sets)
    except ScenarioError as err:
        OUTCOMES["ScenarioError"] += 1
        assert err.problems, "a ScenarioError must list its problems"
        for problem in err.problems:
            assert "\n" not in problem, problem
            where, sep, message = problem.partition(": ")
            assert sep and message.strip(), problem
            assert (
                where == str(path) or where.startswith(str(root)) or where.startswith("--set ")
            ), problem
        return
    # a scenario that loads must write itself back, assemble and (if short) distribute
    OUTCOMES["valid scenario"] += 1
    again = path.with_name("_again.toml")
    again.write_text(sc.to_toml(), encoding="utf-8")
    assert load_scenario(again).model == sc.model
    config = engine_config(sc)
    if len(sc.years) <= 2:
        distributions_for(config)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def mutate(doc: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """Apply one to four random mutations to a scenario document."""
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        paths = _paths(doc)
        path = data.draw(st.sampled_from(paths), label="path")
        op = data.draw(
            st.sampled_from(["delete", "replace", "add", "typo", "number", "code", "extends"]),
            label="op",
        )
        node = _get(doc, path)
        parent = _get(doc, path[:-1]) if path else None
        if op == "extends":
            doc["extends"] = data.draw(st.sampled_from(EXTENDS) | scalars, label="extends")
        elif op == "delete" and path:
            del parent[path[-1]]
        elif op == "add":
            target = node if isinstance(node, dict) else parent if isinstance(parent, dict) else doc
            target[data.draw(keys, label="key")] = data.draw(values, label="value")
        elif op == "typo" and path and isinstance(path[-1], str) and isinstance(parent, dict):
            key = path[-1]
            pos = data.draw(st.integers(0, len(key)), label="pos")
            new = key[:pos] + data.draw(st.sampled_from("xs_-.é "), label="char") + key[pos + 1 :]
            parent[new] = parent.pop(key)
        elif op == "number" and path and isinstance(node, int | float):
            parent[path[-1]] = data.draw(
                st.sampled_from([-node, node * 10**9, -(2**64), 2**64, 0, -1, node + 0.5]),
                label="number",
            )
        elif op == "code" and path and isinstance(node, str):
            parent[path[-1]] = data.draw(
                st.sampled_from(CODES) | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ-", max_size=4),
                label="code",
            )
        elif path:
            parent[path[-1]] = data.draw(values, label="replacement")
        else:
            doc = data.draw(documents, label="document")
    return doc


def write_doc(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(to_toml(doc), encoding="utf-8")


@sizes(120, 1500)
def test_mutated_bundled_scenarios(workdir: Path, examples: int) -> None:
    def check(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(BUNDLED), label="scenario")
        source = workdir / name
        doc = tomllib.loads(source.read_text(encoding="utf-8"))
        doc = mutate(doc, data)
        target = source.with_name("_fuzz.toml")
        write_doc(target, doc)
        sets = data.draw(overrides, label="overrides") if data.draw(st.booleans()) else []
        check_loads_or_explains(target, workdir, sets)

    run_property(examples, st.data(), check)


@sizes(60, 1000)
def test_random_toml_documents(workdir: Path, examples: int) -> None:
    base = {"period": {"start": 2019, "end": 2019}}

    def check(args: tuple[dict[str, Any], bool]) -> None:
        doc, with_period = args
        if with_period:
            doc = {**base, **{k: v for k, v in doc.items() if k != "period"}}
        target = workdir / "_fuzz.toml"
        write_doc(target, doc)
        check_loads_or_explains(target, workdir)

    run_property(examples, st.tuples(documents, st.booleans()), check)


LINES = st.one_of(
    st.builds(
        lambda k, v: f"{k} = {v}",
        st.sampled_from(KEYS) | st.sampled_from(CODES),
        st.sampled_from(
            [
                "1",
                "-5",
                "2019",
                "nan",
                "-inf",
                "1e999",
                "0x7fffffffffffffffff",
                "true",
                "'RUS'",
                '"2019-06-01"',
                "2019-02-30",
                "2019-06-01",
                "1979-05-27T07:32:00Z",
                "1979-05-27T07:32:00+24:00",
                "07:32:61",
                "[]",
                "[1, 'a', 2019-01-01]",
                "{}",
                "{ x = 1 }",
                "[" * 50 + "]" * 50,
                '"\\u0000"',
                '"\\uD800"',
                "'''\nmulti\n'''",
            ]
        ),
    ),
    st.sampled_from(
        [
            "[period]",
            "[run]",
            "[membership.states.USA]",
            "[membership.states.XXX]",
            "[rules]",
            "[[rules.refusals]]",
            "[[requests.table]]",
            "[[restrictions]]",
            "[operations.weather]",
            "[operations.failures.breakdown_by_aircraft]",
            "[geometry]",
            "[sharing]",
            "[period]\nstart = 2019\nend = 2019",
            "extends = '_fuzz.toml'",
            "extends = 'baseline-2019.toml'",
            "[[period]]",
            "[a.b.c.d.e.f.g.h]",
            "# comment",
            "",
        ]
    ),
    st.text(max_size=20),
)


@sizes(60, 1000)
def test_random_toml_text(workdir: Path, examples: int) -> None:
    def check(lines: list[str]) -> None:
        target = workdir / "_fuzz.toml"
        target.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
        check_loads_or_explains(target, workdir)

    run_property(examples, st.lists(LINES, max_size=12), check)


@sizes(30, 500)
def test_binary_junk_and_empty_files(workdir: Path, examples: int) -> None:
    def check(raw: bytes) -> None:
        target = workdir / "_fuzz.toml"
        target.write_bytes(raw)
        check_loads_or_explains(target, workdir)

    run_property(examples, st.binary(max_size=200) | st.just(b""), check)


@sizes(30, 500)
def test_extends_chains(workdir: Path, examples: int) -> None:
    """Chains of files extending each other, some cyclic, some broken, some very long."""

    def check(links: list[int]) -> None:
        folder = workdir / "chain"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        for i, target in enumerate(links):
            text = f"extends = 'f{target}.toml'\n" if target >= 0 else "[period]\nstart = 2019\n"
            if target < -1:
                text += "end = 2019\n"
            (folder / f"f{i}.toml").write_text(text, encoding="utf-8")
        check_loads_or_explains(folder / "f0.toml", workdir)

    chains = st.one_of(
        st.lists(st.integers(-3, 40), min_size=1, max_size=40),
        st.integers(1, 60).map(lambda n: [*range(1, n), -2]),  # a long valid chain
    )
    run_property(examples, chains, check)


@sizes(30, 300)
def test_to_toml_round_trips(examples: int) -> None:
    """The writer behind ``scenario.toml`` in results: whatever TOML can hold, it writes back."""

    def same(a: Any, b: Any) -> bool:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
            return math.isnan(b)
        if isinstance(a, dict):
            return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, list):
            return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
        return type(a) is type(b) and a == b

    def check(doc: dict[str, Any]) -> None:
        assert same(doc, tomllib.loads(to_toml(doc)))

    run_property(examples, documents, check)


# --------------------------------------------------- the bugs fuzzing found
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
        ('extends = "a\\u0000b"\n', "extends: not a usable file name"),
        ("extends = '" + "a" * 5000 + "'\n", "cannot read"),
        ("extends = '/dev/zero'\n", "not a regular file"),
        ("[rules.no_agreement]\n'²' = []\n", 'rules.no_agreement."²": not a year'),
        ("[geometry]\nresolution_km = nan\n", "geometry.resolution_km: Input should be a finite"),
        (
            "[operations.taxi]\nprobability = nan\n",
            "operations.taxi.probability: expected a number",
        ),
        ("[operations.pauses]\nwindows = 5\n", "operations.pauses.windows: expected a list"),
        ("[operations.pauses]\nwindows = [[1, 2]]\n", "operations.pauses.windows.0: start and end"),
        ("[operations.failures]\nbreakdown_by_aircraft = 5\n", "breakdown_by_aircraft: expected"),
        (
            "[operations.weather]\nhold_probability = [1,1,1,1,1,1,1,1,1,1,1,2]\n",
            "hold_probability: expected 12 numbers >= 0 and <= 1",
        ),
        (
            "[membership.states.USA]\nwithdrawal_effective = 0001-01-01\n",
            "membership.states.USA.withdrawal_effective: Value error, 0001-01-01 is outside",
        ),
        (
            "[[rules.refusals]]\nobserved = 'RUS'\nobserver = 'USA'\nstart = 2019-01-01\n"
            "end = 2018-01-01\n",
            "rules.refusals.0.end: 2018-01-01 is not after start 2019-01-01",
        ),
        ('[run]\n"a\\nb" = 1\n', 'run."a\\nb": unknown key'),
    ],
    ids=[
        "deep-arrays",
        "nul-in-extends",
        "long-extends",
        "extends-device",
        "unicode-digit-year",
        "nan-float",
        "nan-operation",
        "pauses-not-a-list",
        "pauses-not-dates",
        "breakdown-not-a-table",
        "probability-above-1",
        "date-out-of-range",
        "refusal-ends-before-start",
        "newline-in-key",
    ],
)
def test_regressions_are_scenario_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "s.toml"
    period = "[period]\nstart = 2019\nend = 2019\n"
    path.write_text(period + text if text.startswith("[") else text + period, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert expected in str(info.value)
    assert all(p.startswith(f"{path}: ") for p in info.value.problems)


def test_odd_strings_and_keys_round_trip_through_results_toml(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'description = "a\\u0001\\"b"\n[period]\nstart = 2019\nend = 2019\n'
        '[operations.failures.breakdown_by_aircraft]\n"é x" = 0.1\n',
        encoding="utf-8",
    )
    sc = load_scenario(path)
    again = tmp_path / "again.toml"
    again.write_text(sc.to_toml(), encoding="utf-8")
    assert load_scenario(again).model == sc.model


@pytest.mark.parametrize("value", ["'\\udcff'", "[" * 60 + "]" * 60])
def test_set_values_that_cannot_be_written_are_refused(value: str) -> None:
    path = bundled_dir() / "baseline-2019.toml"
    text = "name=\udcff" if "udcff" in value else f"description={value}"
    with pytest.raises(ScenarioError):
        load_scenario(path, [text])

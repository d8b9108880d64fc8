"""Numbers given to commands are read like every number the product reads (commands.Number over
models.core.numbers.parse_int): a row id beyond what a database column holds, a negative one,
other digits or words are refused with exit code 2 and one line, never a traceback from the
database (``erase-person 99999999999999999999`` overflowed SQLite's INTEGER)."""

from __future__ import annotations

import click
import pytest

from commands import Number


@pytest.mark.parametrize("value", ["99999999999999999999", "2147483648", "0", "-1", "１２", "1e3", "0x10", " "])
@pytest.mark.parametrize(
    "command",
    [
        ["erase-person", "{}", "--reason", "x", "--yes"],
        ["person-data", "{}"],
        ["cancel-attendee", "{}", "--reason", "x"],
        ["restore-attendee", "{}"],
        ["exhibitor-link", "{}"],
    ],
)
def test_a_bad_id_is_refused_in_one_line(runner, event, command, value):
    args = [value if a == "{}" else a for a in command]
    if value.startswith("-"):
        args.insert(args.index(value), "--")
    result = runner.invoke(args=args)
    assert result.exit_code == 2, (args, result.output, result.exception)
    assert "Traceback" not in result.output and "Phải là số nguyên" in result.output


def test_every_number_option_of_every_command_is_checked(app):
    """No command takes a plain click int (it would pass any size on to the database)."""
    unchecked = [
        f"{name} {p.name}"
        for name, cmd in app.cli.commands.items()
        for p in cmd.params
        if isinstance(p.type, (click.types.IntParamType, click.types.FloatParamType))
        and not isinstance(p.type, click.IntRange)
    ]
    assert unchecked == []


def test_serve_ports_and_processes_are_bounded(runner):
    for args in (["--port", "70000"], ["--workers", "0"], ["--threads", "99999999999"]):
        result = runner.invoke(args=["serve", *args])
        assert result.exit_code == 2 and "Phải là số nguyên" in result.output, result.output
    assert Number(1, 10).convert("7", None, None) == 7

"""The command line itself: every command documented, errors never a traceback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from importer.cli.commands import main
from importer.cli.options import parse_rate
from importer.errors import ConfigError
from tests.conftest import CliRun


def _commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


@pytest.mark.parametrize(("name", "command"), list(_commands(main)))
def test_every_command_and_option_has_help(name: str, command: click.Command) -> None:
    """A command or option without help text fails here."""
    assert command.help, f"leadimport {name} has no help text"
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"leadimport {name} {param.opts[0]} has no help text"
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_rate_parsing() -> None:
    """--rate takes COUNT/SECONDS with or without the s, or a bare count per 5 s; nonsense is refused."""
    assert (parse_rate("100/5s").max_requests, parse_rate("100/5s").per_seconds) == (100, 5.0)
    assert parse_rate("20/1").per_seconds == 1.0 and parse_rate("50").per_seconds == 5.0
    for bad in ("fast", "0/5s", "10/-1"):
        with pytest.raises(ConfigError):
            parse_rate(bad)


def test_bad_rate_exits_2_without_traceback(run_cli: Callable[..., CliRun]) -> None:
    """A malformed --rate is a clear error with exit 2."""
    result = run_cli("validate", "x.csv", "--mapping", "mappings/dealer_leads.yaml", "--rate", "lots")
    assert result.exit_code == 2 and "--rate must look like 100/5s" in result.stderr


@pytest.mark.parametrize("target", ["input", "mapping"])
def test_report_never_overwrites_the_input_or_the_mapping(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path], target: str
) -> None:
    """--report naming the sheet (or the mapping) is refused with exit 2, and the file is left as it was."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Full Name,Mobile No.\nAsha,9822033445\n", encoding="utf-8")
    mapping = mapping_file()
    victim = sheet if target == "input" else mapping
    before = victim.read_bytes()
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(victim))
    assert result.exit_code == 2
    assert f"would overwrite the {'input file' if target == 'input' else 'mapping'}" in result.stderr
    assert victim.read_bytes() == before

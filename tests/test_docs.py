"""The README cannot drift: every setting and every command is documented there."""

from __future__ import annotations

from pathlib import Path

from exitmap import settings
from exitmap.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [s.env for s in settings.SETTINGS if f"`{s.env}`" not in README]
    assert missing == []


def test_every_command_is_documented():
    visible = [name for name, cmd in main.commands.items() if not cmd.hidden]
    missing = [name for name in visible if f"exitmap {name}" not in README]
    assert missing == []


def test_readme_opens_with_the_two_commands():
    block = README.split("```sh", 1)[1].split("```", 1)[0].split("\n")
    commands = [line.split("#")[0].strip() for line in block if line.strip()]
    assert commands == ["scripts/run", "scripts/test"]

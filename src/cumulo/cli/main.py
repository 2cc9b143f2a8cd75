"""Entry point: ``cumulo <command>``."""

from __future__ import annotations

import importlib

import click

from cumulo import __version__

# name -> module defining the command of that name. Imported when used: a
# `cumulo serve` need not load the lab, cluster and admin tooling (start-up time).
SUBCOMMANDS = {
    "serve": "cumulo.cli.serve",
    "db": "cumulo.cli.db",
    "admin": "cumulo.cli.admin",
    "api": "cumulo.cli.api",
    "cluster": "cumulo.cli.cluster",
    "lab": "cumulo.cli.lab",
    "doctor": "cumulo.cli.doctor",
    "zone": "cumulo.cli.zone",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *SUBCOMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = SUBCOMMANDS.get(cmd_name)
        if module is None:
            return super().get_command(ctx, cmd_name)
        command = getattr(importlib.import_module(module), cmd_name)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="cumulo")
def cli() -> None:
    """cumulo: a highly available cloud management platform (CloudStack API)."""


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

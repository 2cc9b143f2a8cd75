"""Entry point: ``cumulo <command>``."""

from __future__ import annotations

import click

from cumulo import __version__
from cumulo.cli.admin import admin
from cumulo.cli.api import api
from cumulo.cli.cluster import cluster
from cumulo.cli.db import db
from cumulo.cli.doctor import doctor
from cumulo.cli.lab import lab
from cumulo.cli.serve import serve
from cumulo.cli.zone import zone


@click.group()
@click.version_option(__version__, prog_name="cumulo")
def cli() -> None:
    """cumulo: a highly available cloud management platform (CloudStack API)."""


cli.add_command(serve)
cli.add_command(db)
cli.add_command(admin)
cli.add_command(api)
cli.add_command(cluster)
cli.add_command(lab)
cli.add_command(doctor)
cli.add_command(zone)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()

"""Command-line interface (SPEC 9): flask --app app …"""

import sys
from pathlib import Path

import click
from flask import Flask


def fail(message: str) -> None:
    """Exit non-zero with a one-line reason on stderr."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def register_cli(app: Flask) -> None:
    """Attach every command to the app."""

    @app.cli.command("import-data")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def import_data_command(path: Path) -> None:
        """Load a data file (JSON, SPEC 11) or a CSV file of actuals."""
        from app.services.importer import ImportRejected, import_file

        try:
            summary = import_file(path)
        except ImportRejected as rejected:
            for error in rejected.errors:
                click.echo(error, err=True)
            fail(f"{path}: rejected with {len(rejected.errors)} error(s); nothing was imported.")
        for warning in summary.warnings:
            click.echo(f"Warning: {warning}", err=True)
        click.echo(summary.describe())

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Create the demo company: customers, contracts, actuals and a draft invoice."""
        from app.services.demo import DemoExists, seed_demo

        try:
            result = seed_demo()
        except DemoExists as exists:
            click.echo(str(exists))
            return
        click.echo(result)

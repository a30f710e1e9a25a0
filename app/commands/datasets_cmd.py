"""`labelgate datasets`: the data register."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli import run_service
from app.models.datasets import MODALITIES, SOURCE_TYPES
from app.services import datasets as dataset_service


def register(cli: AppGroup) -> None:
    """Add the `datasets` group."""
    group = AppGroup("datasets", help="Register datasets and their provenance.")

    @group.command("register")
    @click.argument("name")
    @click.option("--modality", type=click.Choice(MODALITIES), default="text", show_default=True)
    @click.option("--source-type", type=click.Choice(SOURCE_TYPES), required=True)
    @click.option("--licence")
    @click.option("--collection-record")
    @click.option("--contract-reference")
    @click.option("--user-authorisation-reference")
    @click.option("--personal-information/--no-personal-information", default=False)
    @click.option("--notes")
    def register_cmd(name, modality, source_type, licence, collection_record,
                     contract_reference, user_authorisation_reference, personal_information,
                     notes) -> None:
        """Register dataset NAME."""
        run_service(lambda s: dataset_service.register_dataset(
            s, name=name, modality=modality, source_type=source_type, licence=licence,
            collection_record=collection_record, contract_reference=contract_reference,
            user_authorisation_reference=user_authorisation_reference,
            contains_personal_information=personal_information, notes=notes))
        click.echo(f"registered {name}")

    @group.command("list")
    def list_cmd() -> None:
        """List registered datasets."""
        rows = run_service(lambda s: dataset_service.list_datasets(s, per_page=100_000)[0])
        for d in rows:
            click.echo(f"{d.name}\t{d.modality}\t{d.source_type}\t{d.licence or '-'}")

    cli.add_command(group)

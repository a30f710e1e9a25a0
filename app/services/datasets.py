"""The data register (E1): datasets and their provenance."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Dataset
from app.models.datasets import MODALITIES, SOURCE_TYPES
from app.services import audit
from app.services.errors import Conflict, NotFound, ServiceError

_TEXT_LIMITS = {
    "licence": 200,
    "collection_record": 400,
    "contract_reference": 400,
    "user_authorisation_reference": 400,
    "notes": 10_000,
}


def _public(ds: Dataset) -> dict:
    return {
        "name": ds.name,
        "modality": ds.modality,
        "source_type": ds.source_type,
        "licence": ds.licence,
        "collection_record": ds.collection_record,
        "contract_reference": ds.contract_reference,
        "user_authorisation_reference": ds.user_authorisation_reference,
        "contains_personal_information": ds.contains_personal_information,
    }


def register_dataset(session: Session, *, name: str, modality: str, source_type: str,
                     licence: str | None = None, collection_record: str | None = None,
                     contract_reference: str | None = None,
                     user_authorisation_reference: str | None = None,
                     contains_personal_information: bool = False, notes: str | None = None,
                     created_by_id: int | None = None) -> Dataset:
    """Register a dataset with its provenance; personal information needs an authorisation."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ServiceError(_("Give the dataset a name of 1 to 120 characters."), field="name")
    if modality not in MODALITIES:
        raise ServiceError(_("Modality must be one of: %(values)s.",
                             values=", ".join(MODALITIES)), field="modality")
    if source_type not in SOURCE_TYPES:
        raise ServiceError(_("Source type must be one of: %(values)s.",
                             values=", ".join(SOURCE_TYPES)), field="source_type")
    texts = {
        "licence": licence,
        "collection_record": collection_record,
        "contract_reference": contract_reference,
        "user_authorisation_reference": user_authorisation_reference,
        "notes": notes,
    }
    for field, value in texts.items():
        if value is not None and len(value) > _TEXT_LIMITS[field]:
            raise ServiceError(_("%(field)s is longer than %(n)d characters.",
                                 field=field, n=_TEXT_LIMITS[field]), field=field)
        texts[field] = (value or "").strip() or None
    if contains_personal_information and not texts["user_authorisation_reference"]:
        # C §5.1c: personal information needs the individuals' authorisation on record.
        raise ServiceError(_("A dataset with personal information needs a user-authorisation "
                             "reference."), field="user_authorisation_reference")
    if session.scalar(select(Dataset.id).where(Dataset.name == name)) is not None:
        raise Conflict(_("A dataset named “%(name)s” exists already.", name=name), field="name")
    ds = Dataset(name=name, modality=modality, source_type=source_type,
                 contains_personal_information=contains_personal_information,
                 created_by_id=created_by_id, **texts)
    session.add(ds)
    session.flush()
    audit.record(session, "dataset.register", "dataset", ds.id, after=_public(ds))
    return ds


def dataset_by_name(session: Session, name: str) -> Dataset:
    """Return the dataset with this name or raise NotFound."""
    ds = session.scalar(select(Dataset).where(Dataset.name == name))
    if ds is None:
        raise NotFound(_("No dataset is named “%(name)s”.", name=name))
    return ds


def list_datasets(session: Session, *, page: int = 1, per_page: int = 50):
    """Return one page of datasets by name, and the total count."""
    total = session.scalar(select(func.count(Dataset.id))) or 0
    rows = session.scalars(select(Dataset).order_by(Dataset.name)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return rows, total

"""The data register: what each dataset is and where it came from (E1, C §5.1c)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow

MODALITIES = ("text", "image", "audio", "video", "multimodal")
SOURCE_TYPES = ("collected", "licensed", "user_provided", "synthetic", "open_source", "other")


class Dataset(Base):
    """A registered dataset with its provenance records."""

    __tablename__ = "datasets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    modality: Mapped[str] = mapped_column(String(20))
    source_type: Mapped[str] = mapped_column(String(20))
    licence: Mapped[str | None] = mapped_column(String(200))
    collection_record: Mapped[str | None] = mapped_column(String(400))
    contract_reference: Mapped[str | None] = mapped_column(String(400))
    user_authorisation_reference: Mapped[str | None] = mapped_column(String(400))
    contains_personal_information: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

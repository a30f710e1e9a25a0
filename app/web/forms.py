"""Web forms; labels and messages are lazily translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.models.datasets import MODALITIES, SOURCE_TYPES
from app.services.users import MIN_PASSWORD, ROLES


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class UserForm(FlaskForm):
    """A new account with its roles."""

    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(
        _l("Initial password"), validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)]
    )
    roles = SelectMultipleField(_l("Roles"), choices=list(ROLES))


class GrantForm(FlaskForm):
    """A role to grant or revoke, optionally for one rule set."""

    role = SelectField(_l("Role"), choices=list(ROLES))
    rule_set = StringField(_l("Rule set (empty = all)"), validators=[Optional(), Length(max=120)])


class ReasonForm(FlaskForm):
    """A confirmation with a reason."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=400)])


class TokenForm(FlaskForm):
    """A name for a new API token."""

    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=120)])


class EmptyForm(FlaskForm):
    """A form that only carries the CSRF token."""


class LanguageForm(FlaskForm):
    """The interface language."""

    locale = SelectField(_l("Language"), choices=["zh_CN", "en"])


class DatasetForm(FlaskForm):
    """A dataset and its provenance (E1)."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    modality = SelectField(_l("Modality"), choices=list(MODALITIES))
    source_type = SelectField(_l("Source type"), choices=list(SOURCE_TYPES))
    licence = StringField(_l("Licence"), validators=[Optional(), Length(max=200)])
    collection_record = StringField(_l("Collection record"),
                                    validators=[Optional(), Length(max=400)])
    contract_reference = StringField(_l("Contract reference"),
                                     validators=[Optional(), Length(max=400)])
    user_authorisation_reference = StringField(_l("User-authorisation reference"),
                                               validators=[Optional(), Length(max=400)])
    contains_personal_information = BooleanField(_l("Contains personal information"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10_000)])

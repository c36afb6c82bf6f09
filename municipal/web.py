"""What the municipal pages share (the dossier's, the providers' and the settings' routes): the posted form as a
dict of strings, a RuleError's complaints beside their fields, the notices after a save, and what a list of
versions (templates/municipal/_versions.html) needs to name sections and fields."""

from __future__ import annotations

from municipal.errors import RuleErrors
from municipal.versions import FIELD_LABELS, SECTION_TITLES
from shared.errors import RuleError
from shared.forms import FormErrors

SAVED = "De wijziging is opgeslagen. De vorige versie blijft in de geschiedenis."
UNCHANGED = "Er is niets veranderd: dit stond er al."
VERSION_LABELS = {"field_labels": FIELD_LABELS, "section_titles": SECTION_TITLES}


def form_dict(form) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def add_errors(errors: FormErrors, e: RuleError) -> None:
    for err in e.errors if isinstance(e, RuleErrors) else [e]:
        errors.add(err)

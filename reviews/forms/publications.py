"""The publication list an expert or programme staff import (conflicts by co-authorship)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PublicationImportForm(forms.Form):
    file = forms.FileField(
        label=_("Publication list (BibTeX)"),
        help_text=_(
            "A .bib file: HAL, ORCID, Google Scholar, Zotero and most reference managers "
            "export one. It replaces the publications imported before."
        ),
    )

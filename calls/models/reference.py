"""Reference data: CNRS institutes, research units and their parent institutions."""

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Institute(models.Model):
    """One of the ten CNRS institutes (created by a data migration)."""

    acronym = models.CharField(_("acronym"), max_length=10, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_fr = models.CharField(_("name (French)"), max_length=120)

    class Meta:
        verbose_name = _("institute")
        verbose_name_plural = _("institutes")
        ordering = ["acronym"]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})"

    @property
    def name(self) -> str:
        return self.name_fr if (get_language() or "en").startswith("fr") else self.name_en


class ParentInstitution(models.Model):
    """A university, school or other body that runs units with CNRS."""

    name = models.CharField(_("name"), max_length=250, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    email_domains = models.JSONField(
        _("e-mail domains"),
        default=list,
        blank=True,
        help_text=_("For example: sorbonne-universite.fr"),
    )

    class Meta:
        verbose_name = _("parent institution")
        verbose_name_plural = _("parent institutions")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class UnitType(models.TextChoices):
    UMR = "UMR", "UMR"
    UPR = "UPR", "UPR"
    UAR = "UAR", "UAR"
    IRL = "IRL", "IRL"
    EMR = "EMR", "EMR"
    FRE = "FRE", "FRE"
    UMI = "UMI", "UMI"
    USR = "USR", "USR"
    FR = "FR", "FR"


def plain_apostrophes(text: str) -> str:
    """The typographic apostrophe written as the straight one: to a person searching they
    are the same letter (« d’informatique » finds « d'informatique » and the reverse)."""
    return text.replace("’", "'")


def _plain(field: str) -> Replace:
    return Replace(field, Value("’"), Value("'"))


class UnitQuerySet(models.QuerySet):
    def active(self) -> "UnitQuerySet":
        return self.filter(is_active=True)

    def with_plain_text(self) -> "UnitQuerySet":
        """``name_plain`` and ``city_plain``: the name and city with straight apostrophes,
        compared with a query passed through ``plain_apostrophes`` (in the same query)."""
        return self.annotate(name_plain=_plain("name"), city_plain=_plain("city"))

    def search(self, text: str) -> "UnitQuerySet":
        """Units matching every word of ``text`` in label, number, acronym, name, city or RNSR."""
        queryset = self.with_plain_text()
        for word in plain_apostrophes(text).split():
            queryset = queryset.filter(
                Q(label__icontains=word)
                | Q(number__icontains=word)
                | Q(acronym__icontains=word)
                | Q(name_plain__icontains=word)
                | Q(city_plain__icontains=word)
                | Q(rnsr__iexact=word)
            )
        return queryset


class Unit(models.Model):
    """A research unit, labelled by type and number (``UMR 8223``).

    The RNSR identifier, when known, is the stable key: the same unit may carry other
    numbers with its other partners.
    """

    unit_type = models.CharField(_("type"), max_length=4, choices=UnitType.choices)
    number = models.CharField(_("number"), max_length=10)
    label = models.CharField(_("label"), max_length=20, editable=False, db_index=True)
    name = models.CharField(_("name"), max_length=300)
    acronym = models.CharField(_("acronym"), max_length=60, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    rnsr = models.CharField(_("RNSR identifier"), max_length=12, blank=True)
    main_institute = models.ForeignKey(
        Institute,
        verbose_name=_("main institute"),
        on_delete=models.PROTECT,
        related_name="main_units",
    )
    secondary_institutes = models.ManyToManyField(
        Institute,
        verbose_name=_("secondary institutes"),
        blank=True,
        related_name="secondary_units",
    )
    parent_institutions = models.ManyToManyField(
        ParentInstitution, verbose_name=_("parent institutions"), blank=True, related_name="units"
    )
    email_domains = models.JSONField(_("e-mail domains"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("research unit")
        verbose_name_plural = _("research units")
        ordering = ["unit_type", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit_type", "number"], name="calls_unit_type_number_unique"
            ),
            models.UniqueConstraint(
                fields=["rnsr"], condition=~Q(rnsr=""), name="calls_unit_rnsr_unique_when_present"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.label} {self.acronym}".strip() if self.acronym else f"{self.label} {self.name}"
        )

    def save(self, *args, **kwargs):
        self.label = self.make_label(self.unit_type, self.number)
        super().save(*args, **kwargs)

    @staticmethod
    def make_label(unit_type: str, number: str) -> str:
        """``UMR 8223``: set it yourself when writing in bulk (``save()`` does it otherwise)."""
        return f"{unit_type} {number}"

"""What conflict detection ignores: umbrella organisations, their domains and public
mail providers, and how similar two names must be."""

from dataclasses import dataclass

UMBRELLA_ORGANISATIONS = frozenset(
    {
        "CNRS",
        "Centre national de la recherche scientifique",
        "Centre national de recherche scientifique",
        "French National Centre for Scientific Research",
        "French National Center for Scientific Research",
        "National Centre for Scientific Research",
        "National Center for Scientific Research",
        "CNRS France",
    }
)
UMBRELLA_DOMAINS = frozenset({"cnrs.fr"})
# fmt: off
PUBLIC_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "icloud.com", "me.com", "mac.com", "aol.com", "msn.com",
    "mail.com", "proton.me", "pm.me", "zoho.com", "hey.com", "qq.com", "163.com", "126.com",
    "sina.com", "naver.com", "web.de", "mail.ru", "ya.ru", "orange.fr", "free.fr",
    "laposte.net", "wanadoo.fr", "sfr.fr", "neuf.fr", "club-internet.fr", "bbox.fr",
    "numericable.fr", "aliceadsl.fr",
})
# Providers that exist under many country domains: hotmail.fr, yahoo.co.uk...
PUBLIC_MAIL_BRANDS = frozenset({
    "hotmail", "outlook", "live", "yahoo", "ymail", "protonmail", "gmx", "yandex", "tutanota",
    "tuta", "fastmail",
})
# fmt: on


@dataclass(frozen=True)
class DetectionPolicy:
    umbrella_organisations: frozenset[str] = UMBRELLA_ORGANISATIONS
    umbrella_domains: frozenset[str] = UMBRELLA_DOMAINS
    public_mail_domains: frozenset[str] = PUBLIC_MAIL_DOMAINS
    public_mail_brands: frozenset[str] = PUBLIC_MAIL_BRANDS
    name_threshold: float = 0.85


DEFAULT_POLICY = DetectionPolicy()

import random
import time

import pytest

from reviews.conflicts.detection import (
    ApplicationInfo,
    Conflict,
    ExclusionInfo,
    ExpertInfo,
    Institution,
    PartnerInfo,
    Reason,
    Status,
    detect_conflicts,
    strongest_by_pair,
)
from reviews.conflicts.matching import (
    comparable_domain,
    institution_key,
    name_similarity,
    registrable_domain,
)
from reviews.conflicts.policy import DetectionPolicy

CNRS = Institution(id=1, name="CNRS", acronym="CNRS", email_domains=("cnrs.fr",))
TOULOUSE = Institution(
    id=2,
    name="Université Toulouse III - Paul Sabatier",
    acronym="UT3",
    email_domains=("univ-tlse3.fr",),
)


def application(*partners, exclusions=(), id="A1"):
    return ApplicationInfo(id=id, partners=tuple(partners), exclusions=tuple(exclusions))


def partner(unit_id=10, institutions=(CNRS, TOULOUSE), domains=(), lead_email="", lead_name=""):
    return PartnerInfo(
        unit_id=unit_id,
        institutions=tuple(institutions),
        unit_email_domains=tuple(domains),
        lead_email=lead_email,
        lead_name=lead_name,
        unit_label=f"UMR {unit_id}",
    )


def expert(id="E1", name="Ada Lovelace", email="ada@gmail.com", institution="", **kwargs):
    return ExpertInfo(id=id, name=name, email=email, institution=institution, **kwargs)


def found(applications, experts, **kwargs):
    return [
        (c.expert_id, c.application_id, c.reason, c.status)
        for c in detect_conflicts(applications=applications, experts=experts, **kwargs)
    ]


# ------------------------------------------------------------------ each rule


def test_same_unit_is_confirmed():
    conflicts = detect_conflicts(
        applications=[application(partner(unit_id=42))], experts=[expert(unit_id=42)]
    )
    assert conflicts == [Conflict("E1", "A1", Reason.SAME_UNIT, "UMR 42", Status.CONFIRMED)]


def test_other_unit_of_the_same_umbrella_is_no_conflict():
    apps = [application(partner(unit_id=42, institutions=(CNRS,)))]
    assert found(apps, [expert(unit_id=43, institution="CNRS")]) == []


@pytest.mark.parametrize(
    "institution",
    [
        "Université Toulouse III - Paul Sabatier",
        "University of Toulouse 3 Paul Sabatier",
        "UNIVERSITE TOULOUSE III PAUL SABATIER",
        "CNRS / Université Toulouse III - Paul Sabatier",
    ],
)
def test_same_parent_institution_by_name_is_confirmed(institution):
    assert found([application(partner())], [expert(institution=institution)]) == [
        ("E1", "A1", Reason.SAME_INSTITUTION, Status.CONFIRMED)
    ]


def test_same_parent_institution_by_id_is_confirmed():
    assert found([application(partner())], [expert(institution="Somewhere", institution_id=2)]) == [
        ("E1", "A1", Reason.SAME_INSTITUTION, Status.CONFIRMED)
    ]


def test_same_parent_institution_by_acronym_is_only_suspected():
    assert found([application(partner())], [expert(institution="UT3")]) == [
        ("E1", "A1", Reason.SAME_INSTITUTION, Status.SUSPECTED)
    ]


def test_email_under_a_parent_institution_domain_is_same_institution():
    conflicts = detect_conflicts(
        applications=[application(partner())],
        experts=[expert(email="x.y@math.univ-tlse3.fr", institution="Institut de Mathématiques")],
    )
    assert [(c.reason, c.status, c.detail) for c in conflicts] == [
        (
            Reason.SAME_INSTITUTION,
            Status.CONFIRMED,
            "Université Toulouse III - Paul Sabatier, univ-tlse3.fr",
        )
    ]


def test_lead_email_domain_matches_a_subdomain():
    apps = [application(partner(institutions=(), lead_email="lead@chu-lyon.fr"))]
    assert found(apps, [expert(email="someone@cardio.chu-lyon.fr")]) == [
        ("E1", "A1", Reason.SAME_EMAIL_DOMAIN, Status.CONFIRMED)
    ]


def test_unit_email_domain_matches():
    apps = [application(partner(institutions=(), domains=("@irap.omp.eu",)))]
    assert found(apps, [expert(email="a@omp.eu")]) == [
        ("E1", "A1", Reason.SAME_EMAIL_DOMAIN, Status.CONFIRMED)
    ]


def test_partner_lead_is_the_same_person():
    apps = [application(partner(lead_email="Jean.Dupont@gmail.com", lead_name="Jean Dupont"))]
    by_email = found(apps, [expert(name="J. Dupont", email="jean.dupont@gmail.com")])
    by_name = found(apps, [expert(name="Dupont Jean", email="jd@uni-bonn.de")])
    assert by_email == [("E1", "A1", Reason.SAME_PERSON, Status.CONFIRMED)]
    assert by_name == [("E1", "A1", Reason.SAME_PERSON, Status.SUSPECTED)]


def test_exclusion_by_exact_email_is_confirmed():
    excluded = ExclusionInfo(name="Someone Else", email="Rival@Uni-Bonn.de")
    apps = [application(partner(), exclusions=[excluded])]
    assert found(apps, [expert(name="Max Rival", email="rival@uni-bonn.de")]) == [
        ("E1", "A1", Reason.EXCLUDED, Status.CONFIRMED)
    ]


def test_exclusion_by_orcid_is_confirmed():
    excluded = ExclusionInfo(name="M. R.", orcid="https://orcid.org/0000-0002-1825-0097")
    apps = [application(partner(), exclusions=[excluded])]
    assert found(apps, [expert(name="Max Rival", orcid="0000000218250097")]) == [
        ("E1", "A1", Reason.EXCLUDED, Status.CONFIRMED)
    ]


@pytest.mark.parametrize(
    "written",
    [
        "Dupont Jean",
        "JEAN DUPONT",
        "J. Dupont",
        "Jean Dupond",
        "Prof. Jean Dupont",
        "Jean-Pierre Dupont",
        "DUPONT, Jean",
    ],
)
def test_exclusion_by_similar_name_is_suspected(written):
    apps = [application(partner(), exclusions=[ExclusionInfo(name=written)])]
    conflicts = detect_conflicts(
        applications=apps, experts=[expert(name="Jean Dupont", email="jd@uni-bonn.de")]
    )
    assert [(c.reason, c.status) for c in conflicts] == [(Reason.EXCLUDED, Status.SUSPECTED)]
    assert conflicts[0].detail.startswith(f"{written} ~ Jean Dupont (")


def test_exclusion_by_accented_name_and_same_institution_is_confirmed():
    excluded = ExclusionInfo(name="Hélène Müller", institution="Universität Bonn")
    apps = [application(partner(), exclusions=[excluded])]
    experts = [expert(name="Muller Helene", email="hm@uni-bonn.de", institution="University Bonn")]
    assert found(apps, experts) == [("E1", "A1", Reason.EXCLUDED, Status.CONFIRMED)]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jean Dupont", "Marie Dupont"),
        ("Jean Dupont", "Jean Durand"),
        ("Marie Martin", "Marie Morin"),
        ("Li Wei", "Li Na"),
        ("Jean Dupont", "Dupont"),
        ("Wang Wei", "Wang Wen"),
    ],
)
def test_different_people_are_not_matched(a, b):
    assert name_similarity(a, b) < DetectionPolicy().name_threshold


# ---------------------------------------------------- what must never count


@pytest.mark.parametrize(
    "name",
    [
        "CNRS",
        "Centre national de la recherche scientifique",
        "Centre National de la Recherche Scientifique (CNRS)",
        "National Center for Scientific Research",
    ],
)
def test_umbrella_organisation_is_never_a_conflict(name):
    cnrs = Institution(id=1, name=name, acronym="CNRS", email_domains=("cnrs.fr",))
    apps = [application(partner(institutions=(cnrs,), lead_email="lead@cnrs.fr"))]
    experts = [
        expert(id="E1", institution="CNRS", email="a@cnrs.fr", institution_id=1),
        expert(id="E2", institution=name, email="b@ibmc.cnrs.fr"),
        expert(id="E3", institution="Centre national de la recherche scientifique"),
    ]
    # institution_id=1 is CNRS itself: the id rule skips umbrella institutions too
    assert found(apps, experts) == []


@pytest.mark.parametrize(
    "provider",
    [
        "gmail.com",
        "hotmail.fr",
        "hotmail.co.uk",
        "outlook.com",
        "yahoo.fr",
        "yahoo.co.uk",
        "protonmail.com",
        "icloud.com",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "wanadoo.fr",
    ],
)
def test_public_mail_provider_is_never_a_conflict(provider):
    apps = [application(partner(institutions=(), lead_email=f"lead@{provider}"))]
    assert found(apps, [expert(email=f"someone@{provider}")]) == []


def test_a_country_or_academic_suffix_is_not_an_organisation():
    apps = [
        application(partner(institutions=(), lead_email="a@cs.ucl.ac.uk"), id="A1"),
        application(partner(institutions=(), lead_email="b@univ-lille.fr"), id="A2"),
        application(partner(institutions=(), lead_email="c@mit.edu"), id="A3"),
    ]
    experts = [
        expert(id="E1", email="x@cam.ac.uk"),
        expert(id="E2", email="y@univ-rennes.fr"),
        expert(id="E3", email="z@stanford.edu"),
        expert(id="E4", email="w@unimelb.edu.au"),
    ]
    assert found(apps, experts) == []


def test_two_hundred_cnrs_and_gmail_experts_give_no_conflict():
    rng = random.Random(7)
    apps = [
        application(
            partner(
                unit_id=u,
                institutions=(CNRS, Institution(id=100 + u, name=f"Université de Ville{u}")),
                domains=("cnrs.fr", f"lab{u}.cnrs.fr"),
                lead_email=rng.choice([f"lead{u}@cnrs.fr", f"lead{u}@gmail.com"]),
            ),
            id=f"A{u}",
        )
        for u in range(30)
    ]
    cnrs_names = ["CNRS", "Centre national de la recherche scientifique", "C.N.R.S."]
    experts = [
        expert(
            id=f"E{i}",
            name=f"Expert{i} Person{i}",
            email=rng.choice([f"e{i}@cnrs.fr", f"e{i}@gmail.com", f"e{i}@lab{i % 30}.cnrs.fr"]),
            institution=rng.choice(cnrs_names),
        )
        for i in range(200)
    ]
    assert found(apps, experts) == []


# ------------------------------------------------------------ domain helpers


@pytest.mark.parametrize(
    ("host", "registrable"),
    [
        ("lab.univ-x.fr", "univ-x.fr"),
        ("univ-x.fr", "univ-x.fr"),
        ("cs.ox.ac.uk", "ox.ac.uk"),
        ("ac.uk", None),
        ("fr", None),
        ("csail.mit.edu", "mit.edu"),
        ("physics.unimelb.edu.au", "unimelb.edu.au"),
        ("s.u-tokyo.ac.jp", "u-tokyo.ac.jp"),
        ("mails.tsinghua.edu.cn", "tsinghua.edu.cn"),
        ("Name@Lab.Univ-X.FR", "univ-x.fr"),
        ("*.univ-x.fr", "univ-x.fr"),
    ],
)
def test_registrable_domain(host, registrable):
    assert registrable_domain(host) == registrable


def test_umbrella_subdomains_are_not_comparable():
    assert comparable_domain("ibmc.cnrs.fr") is None
    assert comparable_domain("cnrs.fr") is None
    assert comparable_domain("cnrs-orleans.fr") == "cnrs-orleans.fr"


def test_institution_key_ignores_language_order_and_numbering():
    assert institution_key("Université Paris-Saclay") == institution_key("Paris-Saclay University")
    assert institution_key("Université Toulouse III") == institution_key("University of Toulouse 3")
    assert institution_key("Université Paris Cité") != institution_key("Université Paris")
    assert institution_key("University") == frozenset()


def test_strongest_by_pair_keeps_a_confirmed_finding_and_message_names_it():
    apps = [application(partner(unit_id=42, lead_name="Jean Dupont"))]
    conflicts = detect_conflicts(
        applications=apps, experts=[expert(name="Jean Dupont", email="jd@gmail.com", unit_id=42)]
    )
    assert [c.reason for c in conflicts] == [Reason.SAME_PERSON, Reason.SAME_UNIT]
    best = strongest_by_pair(conflicts)[("E1", "A1")]
    assert (best.reason, best.status, best.source) == (
        Reason.SAME_UNIT,
        Status.CONFIRMED,
        "detected",
    )
    assert best.message() == "The expert belongs to a partner unit (UMR 42)."


# --------------------------------------------------------- planted test set

FIRST = ["Astrid", "Bruno", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hiro", "Ingrid", "Joao"]
LAST = [
    *["Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rossi"],
    *["Sato", "Thorsen", "Umarov", "Vargas", "Whitfield", "Xavier", "Yilmaz", "Zanetti"],
]
TARGET_FIRST = ["Bérénice", "Gunnar", "Noémie", "Tobias", "Yuki", "Rafael"]
TARGET_LAST = ["Delacroix", "Haraldsen", "Fourcade", "Kirchner", "Tanabe", "Echeverría"]
STRANGERS = ["Olga Brandstetter", "Pierre Vasseur", "Kwame Mensah"]
CITIES = ["Brest", "Caen", "Dijon", "Metz", "Nancy", "Pau", "Reims", "Tours"]
HOSPITALS = ["chu-nimes.fr", "chu-angers.fr", "chu-amiens.fr"]


def _variant(first, last, k):
    """How applicants may write an expert's name."""
    return [
        f"{last} {first}",
        f"{first[0]}. {last}",
        f"{first} {last[:-1]}x",
        f"{last.upper()}, {first}",
        f"Pr {first} {last}",
    ][k % 5]


def _background_expert(i, rng):
    """Experts who conflict with nothing: CNRS, public mail, foreign universities."""
    return expert(
        id=f"B{i}",
        name=f"{FIRST[i % 10]} {LAST[(i // 10) % 16]}",
        email=rng.choice(
            [f"b{i}@gmail.com", f"b{i}@cnrs.fr", f"b{i}@uni-{i % 37}.de", f"b{i}@x{i}.ac.uk"]
        ),
        institution=rng.choice(
            ["CNRS", f"Universität {i % 37}", "Centre national de la recherche scientifique"]
        ),
    )


def _planted_call(seed=3):
    """60 applications over 40 units; 250 background experts who conflict with
    nothing; 30 planted experts, each with one conflict of a known kind. Returns the
    inputs and the exact expected (expert, application) pairs."""
    rng = random.Random(seed)
    universities = [
        Institution(id=200 + i, name=f"Université de {c}", email_domains=(f"univ-{c.lower()}.fr",))
        for i, c in enumerate(CITIES)
    ]
    units = {u: universities[u % len(universities)] for u in range(40)}
    apps, touching_university, touching_hospital = [], {}, {}
    for a in range(60):
        partners = []
        for u in rng.sample(sorted(units), 3):
            lead_domain = rng.choice(["cnrs.fr", "gmail.com", f"lab{u}.cnrs.fr", *HOSPITALS])
            partners.append(
                partner(
                    unit_id=u,
                    institutions=(CNRS, units[u]),
                    domains=(f"lab{u}.cnrs.fr",),
                    lead_email=f"lead.{a}.{u}@{lead_domain}",
                    lead_name=rng.choice(STRANGERS),
                )
            )
            touching_university.setdefault(units[u].id, set()).add(f"A{a}")
            if lead_domain in HOSPITALS:
                touching_hospital.setdefault(lead_domain, set()).add(f"A{a}")
        exclusions = (ExclusionInfo(name=rng.choice(STRANGERS)),)
        apps.append(ApplicationInfo(id=f"A{a}", partners=tuple(partners), exclusions=exclusions))

    experts = [_background_expert(i, rng) for i in range(250)]
    expected = set()
    for t in range(30):
        kind, a = t % 6, rng.randrange(60)
        app = apps[a]
        # 30 distinct names; kind 5 always gets the same first name, other surnames
        first, last = TARGET_FIRST[kind], TARGET_LAST[(t // 6 + t) % 6]
        eid, name = f"P{t}", f"{first} {last}"
        some = rng.choice(app.partners)
        university = some.institutions[1]
        if kind == 0:  # same unit
            experts.append(expert(id=eid, name=name, email=f"p{t}@gmail.com", unit_id=some.unit_id))
            expected |= {
                (eid, x.id) for x in apps if any(p.unit_id == some.unit_id for p in x.partners)
            }
        elif kind == 1:  # parent institution, written another way
            written = university.name.replace("Université de", "University of").upper()
            experts.append(expert(id=eid, name=name, email=f"p{t}@gmail.com", institution=written))
            expected |= {(eid, x) for x in touching_university[university.id]}
        elif kind == 2:  # e-mail under the parent institution's domain
            email = f"p{t}@dept.{university.email_domains[0]}"
            experts.append(expert(id=eid, name=name, email=email))
            expected |= {(eid, x) for x in touching_university[university.id]}
        elif kind == 3:  # e-mail domain of a partner lead (a hospital)
            hospital = rng.choice(sorted(touching_hospital))
            experts.append(expert(id=eid, name=name, email=f"p{t}@service.{hospital}"))
            expected |= {(eid, x) for x in touching_hospital[hospital]}
        else:  # on the exclusion list, by e-mail or by a variant of the name
            email = f"p{t}@uni-oslo.no"
            experts.append(expert(id=eid, name=name, email=email))
            if kind == 4:
                excluded = ExclusionInfo(name="Someone", email=email)
            else:
                excluded = ExclusionInfo(name=_variant(first, last, t // 6))
            apps[a] = ApplicationInfo(app.id, app.partners, (*app.exclusions, excluded))
            expected.add((eid, app.id))
    return apps, experts, expected


def test_planted_conflicts_are_all_found_and_nothing_else():
    apps, experts, expected = _planted_call()
    conflicts = detect_conflicts(applications=apps, experts=experts)
    flagged = {(c.expert_id, c.application_id) for c in conflicts}
    assert len(expected) > 60
    assert expected - flagged == set()  # recall 100 %
    assert flagged - expected == set()  # no background expert flagged


def test_detection_at_full_size_is_fast():
    """1,000 applications (3 partners, 3 exclusions, all names distinct) x 300 experts."""
    rng = random.Random(11)
    letters = "aeiourstnlmcdpb"

    def random_name():
        def word():
            return rng.choice(FIRST)[0] + "".join(rng.choices(letters, k=rng.randint(3, 8)))

        return f"{word()} {word()}"

    universities = [
        Institution(id=i, name=f"Université {i}", email_domains=(f"u{i}.fr",)) for i in range(80)
    ]
    experts = [
        expert(
            id=f"E{i}",
            name=random_name(),
            email=f"e{i}@uni-{i % 50}.de",
            institution=f"Universität {i % 50}",
        )
        for i in range(300)
    ]

    def random_partner(a, p):
        return partner(
            unit_id=rng.randrange(900),
            institutions=(CNRS, rng.choice(universities)),
            lead_email=f"l{a}.{p}@u{rng.randrange(80)}.fr",
            lead_name=random_name(),
        )

    apps = [
        ApplicationInfo(
            id=f"A{a}",
            partners=tuple(random_partner(a, p) for p in range(3)),
            exclusions=tuple(ExclusionInfo(name=random_name()) for _ in range(3)),
        )
        for a in range(1000)
    ]
    started = time.perf_counter()
    detect_conflicts(applications=apps, experts=experts)
    elapsed = time.perf_counter() - started
    print(
        f"\nconflict detection, {len(apps)} applications x {len(experts)} experts: {elapsed:.2f} s"
    )
    assert elapsed < 10

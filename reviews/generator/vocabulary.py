"""Words the generator builds people, projects and reviews from.

Plain lists, no external data: names from several countries, the AI side and the science
side of projects (keywords per discipline, so that expertise affinity has signal), and a
few sentence templates. Everything is picked with a seeded ``random.Random``.
"""

FIRST_NAMES = (
    "Alice", "Bruno", "Camille", "Chloé", "Claire", "David", "Élise", "Emma", "Étienne",
    "Fatima", "Florian", "Gabriel", "Hélène", "Hugo", "Inès", "Jules", "Karim", "Laura",
    "Léa", "Louis", "Lucie", "Manon", "Marc", "Marie", "Mathieu", "Nadia", "Nicolas",
    "Olivier", "Pauline", "Pierre", "Quentin", "Rachid", "Sarah", "Sofia", "Thomas",
    "Valentin", "Yasmine", "Zoé", "Anna", "Ben", "Carlos", "Daniela", "Erik", "Freya",
    "Giulia", "Hans", "Ingrid", "Jonas", "Katarzyna", "Lars", "Mei", "Noah", "Olga",
    "Paolo", "Ravi", "Sven", "Tomás", "Ursula", "Wei", "Yuki",
)  # fmt: skip

LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
    "Benali", "Nguyen", "Haddad", "Rossi", "Russo", "Schmidt", "Müller", "Keller",
    "Fischer", "Weber", "Novak", "Kowalski", "Jensen", "Nielsen", "Andersson", "Virtanen",
    "Silva", "Santos", "Fernández", "López", "O'Brien", "Murphy", "Smith", "Johnson",
    "Brown", "Taylor", "Tanaka", "Suzuki", "Chen", "Wang", "Kim", "Patel", "Singh",
)  # fmt: skip

# (institution, country, e-mail domain): where external experts work.
INSTITUTIONS = (
    ("ETH Zürich", "Switzerland", "ethz.ch"),
    ("EPFL", "Switzerland", "epfl.ch"),
    ("University of Cambridge", "United Kingdom", "cam.ac.uk"),
    ("University of Edinburgh", "United Kingdom", "ed.ac.uk"),
    ("Imperial College London", "United Kingdom", "imperial.ac.uk"),
    ("Max Planck Institute for Intelligent Systems", "Germany", "mpg.de"),
    ("Technical University of Munich", "Germany", "tum.de"),
    ("University of Amsterdam", "Netherlands", "uva.nl"),
    ("KU Leuven", "Belgium", "kuleuven.be"),
    ("University of Copenhagen", "Denmark", "ku.dk"),
    ("KTH Royal Institute of Technology", "Sweden", "kth.se"),
    ("University of Helsinki", "Finland", "helsinki.fi"),
    ("Politecnico di Milano", "Italy", "polimi.it"),
    ("Universitat Pompeu Fabra", "Spain", "upf.edu"),
    ("University of Lisbon", "Portugal", "ulisboa.pt"),
    ("McGill University", "Canada", "mcgill.ca"),
    ("University of Toronto", "Canada", "utoronto.ca"),
    ("Massachusetts Institute of Technology", "United States", "mit.edu"),
    ("Stanford University", "United States", "stanford.edu"),
    ("University of Tokyo", "Japan", "u-tokyo.ac.jp"),
    ("National University of Singapore", "Singapore", "nus.edu.sg"),
    ("University of São Paulo", "Brazil", "usp.br"),
    ("Sorbonne Université", "France", "sorbonne-universite.fr"),
    ("Université Grenoble Alpes", "France", "univ-grenoble-alpes.fr"),
    ("Aix-Marseille Université", "France", "univ-amu.fr"),
)

AI_KEYWORDS = (
    "machine learning", "deep learning", "neural networks", "graph neural networks",
    "reinforcement learning", "bayesian inference", "probabilistic programming",
    "computer vision", "natural language processing", "large language models",
    "generative models", "diffusion models", "active learning", "causal inference",
    "explainable AI", "federated learning", "symbolic regression", "surrogate models",
    "physics-informed neural networks", "uncertainty quantification", "transformers",
    "anomaly detection", "time series forecasting", "representation learning",
)  # fmt: skip

# Discipline (English name, as in calls.demo.DISCIPLINES) -> science keywords.
SCIENCE_KEYWORDS = {
    "Mathematics": (
        "stochastic processes", "optimal transport", "partial differential equations",
        "numerical analysis", "topology", "statistics",
    ),
    "Physics": (
        "condensed matter", "quantum optics", "statistical physics", "turbulence",
        "photonics", "soft matter",
    ),
    "Nuclear and particle physics": (
        "particle detectors", "neutrino physics", "nuclear structure", "collider data",
        "cosmic rays", "lattice QCD",
    ),
    "Chemistry": (
        "catalysis", "molecular dynamics", "spectroscopy", "materials discovery",
        "retrosynthesis", "electrochemistry",
    ),
    "Biology and health": (
        "genomics", "protein structure", "single-cell transcriptomics", "neuroscience",
        "cell imaging", "epidemiology",
    ),
    "Ecology and environment": (
        "biodiversity", "species distribution", "ecosystem dynamics", "bioacoustics",
        "remote sensing", "coastal ecology",
    ),
    "Earth and universe sciences": (
        "climate modelling", "seismology", "oceanography", "exoplanets",
        "atmospheric chemistry", "glaciology",
    ),
    "Engineering": (
        "robotics", "fluid mechanics", "control theory", "sensors", "additive manufacturing",
        "energy systems",
    ),
    "Computer science": (
        "distributed systems", "formal verification", "compilers", "databases",
        "human-computer interaction", "algorithms",
    ),
    "Humanities and social sciences": (
        "digital humanities", "computational linguistics", "historical archives",
        "social networks", "economics", "cognitive science",
    ),
}  # fmt: skip

TITLE_TEMPLATES = (
    "{ai} for {science}",
    "Learning {science} with {ai}",
    "{ai} meets {science}: towards reliable predictions",
    "Interpretable {ai} for {science}",
    "Scaling {science} with {ai}",
    "From data to discovery: {ai} in {science}",
)

ABSTRACT_SENTENCES = (
    "This project brings {ai} to {science}, where current methods reach their limits.",
    "We will build open data sets and benchmarks shared by the partner units.",
    "The postdoc will work between the units and spend time in each laboratory.",
    "Models will be checked against experiments and against known physical constraints.",
    "We expect results that transfer to neighbouring questions in {science}.",
    "Uncertainty will be quantified so that predictions can be trusted by domain experts.",
    "Software will be released under an open licence with documentation and tutorials.",
    "The collaboration joins expertise in {ai} with long experience in {science}.",
)

STATEMENT_TEMPLATES = (
    "I work on {ai} and its applications to {science}.",
    "My research combines {science} with {ai}; I have reviewed for several agencies.",
    "Expert in {science}, with recent work using {ai}.",
)

CRITERION_COMMENTS = (
    "Convincing and well argued.",
    "Some parts remain vague; the work plan could be more precise.",
    "Strong team with complementary skills.",
    "The risks are identified but the mitigation is thin.",
    "Ambitious; the expected results are clearly stated.",
    "The link between the two sides of the project is not fully explained.",
)

APPLICANT_COMMENTS = (
    "A clear and ambitious proposal; the training plan for the postdoc is good.",
    "Interesting idea, but the methodology needs more detail.",
    "Solid project; the data access should be secured early.",
    "The interdisciplinary angle is the main strength of this application.",
)

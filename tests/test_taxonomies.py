import pytest
from django.urls import reverse

from lessons.library.models import Taxonomy, Technique

from .html import assert_in_fragment, select, text

# The IDs of /work/shared/TECHNIQUES.md, as the research corpora write them.
SEMEVAL_2020 = [
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Exaggeration,Minimisation",
    "Doubt",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
    "Causal_Oversimplification",
    "Slogans",
    "Appeal_to_Authority",
    "Black-and-White_Fallacy",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
    "Bandwagon,Reductio_ad_hitlerum",
]
SEMEVAL_2023 = {
    "Attack on reputation": [
        "Name_Calling-Labeling",
        "Guilt_by_Association",
        "Doubt",
        "Appeal_to_Hypocrisy",
        "Questioning_the_Reputation",
    ],
    "Justification": [
        "Flag_Waving",
        "Appeal_to_Authority",
        "Appeal_to_Popularity",
        "Appeal_to_Values",
        "Appeal_to_Fear-Prejudice",
    ],
    "Simplification": [
        "Causal_Oversimplification",
        "False_Dilemma-No_Choice",
        "Consequential_Oversimplification",
    ],
    "Distraction": ["Straw_Man", "Red_Herring", "Whataboutism"],
    "Call": ["Slogans", "Conversation_Killer", "Appeal_to_Time"],
    "Manipulative wording": [
        "Loaded_Language",
        "Obfuscation-Vagueness-Confusion",
        "Exaggeration-Minimisation",
        "Repetition",
    ],
}
IPA_1937 = [
    "Name Calling",
    "Glittering Generalities",
    "Transfer",
    "Testimonial",
    "Plain Folks",
    "Card Stacking",
    "Band Wagon",
]
EXPECTED = {
    "semeval-2020": SEMEVAL_2020,
    "semeval-2023": [code for codes in SEMEVAL_2023.values() for code in codes],
    "ipa-1937": IPA_1937,
}


def codes_of(slug: str) -> list[str]:
    return list(Technique.objects.filter(taxonomy__slug=slug).values_list("code", flat=True))


def test_the_migrations_load_the_three_taxonomies(db):
    assert sorted(Taxonomy.objects.values_list("slug", flat=True)) == sorted(EXPECTED)
    assert Technique.objects.count() == 14 + 23 + 7


@pytest.mark.parametrize(
    ("slug", "count"), [("semeval-2020", 14), ("semeval-2023", 23), ("ipa-1937", 7)]
)
def test_each_taxonomy_has_exactly_the_ids_of_the_research_corpora(db, slug, count):
    codes = codes_of(slug)
    assert len(codes) == count
    assert len(set(codes)) == count
    assert sorted(codes) == sorted(EXPECTED[slug])


def test_every_technique_has_a_name_a_definition_and_an_example(db):
    for technique in Technique.objects.all():
        assert technique.name.strip(), technique.code
        assert len(technique.definition.strip()) > 20, technique.code
        assert len(technique.example.strip()) > 10, technique.code
        assert technique.definition.strip() != technique.example.strip()


def test_every_taxonomy_has_a_name_a_source_and_a_description(db):
    for taxonomy in Taxonomy.objects.all():
        assert taxonomy.name.strip()
        assert taxonomy.source.strip()
        assert taxonomy.description.strip()


def test_semeval_2023_techniques_carry_their_six_categories(db):
    techniques = Technique.objects.filter(taxonomy__slug="semeval-2023")
    categories = {t.code: t.category for t in techniques}
    expected = {code: category for category, codes in SEMEVAL_2023.items() for code in codes}
    assert categories == expected
    assert len(set(categories.values())) == 6


def test_categories_come_in_unbroken_runs_so_pages_can_group_them(db):
    # The pages group techniques with {% regroup %}, which needs each category in one run.
    for taxonomy in Taxonomy.objects.all():
        runs = []
        for technique in taxonomy.techniques.order_by("position"):
            if not runs or runs[-1] != technique.category:
                runs.append(technique.category)
        assert len(runs) == len(set(runs)), taxonomy.slug


def test_the_older_taxonomies_have_no_categories(db):
    assert set(
        Technique.objects.exclude(taxonomy__slug="semeval-2023").values_list("category", flat=True)
    ) == {""}


def test_the_techniques_index_lists_every_taxonomy_for_anyone(client, db):
    response = client.get("/techniques/")
    assert response.status_code == 200
    content = response.content.decode()
    for taxonomy in Taxonomy.objects.all():
        card = f'.card:has(a[href="{reverse("library:taxonomy", args=[taxonomy.slug])}"])'
        assert text(content, f"{card} h2") == taxonomy.name
        assert_in_fragment(content, card, taxonomy.description)
        assert text(content, f"{card} .muted").startswith(
            f"{len(EXPECTED[taxonomy.slug])} techniques"
        )


@pytest.mark.parametrize("slug", ["semeval-2020", "semeval-2023", "ipa-1937"])
def test_a_taxonomy_page_lists_every_technique_with_its_definition(client, db, slug):
    response = client.get(f"/techniques/{slug}/")
    assert response.status_code == 200
    content = response.content.decode()
    techniques = Technique.objects.filter(taxonomy__slug=slug)
    assert len(techniques) == len(EXPECTED[slug])
    for technique in techniques:
        term = f'dt[id="{technique.anchor}"]'
        assert text(content, term) == f"{technique.name} {technique.code}"
        assert_in_fragment(content, f"{term} + dd", technique.definition, technique.example)


def test_the_semeval_2023_page_shows_each_category_once(client, db):
    content = client.get("/techniques/semeval-2023/").content.decode()
    headings = [h2.get_text() for h2 in select(content, "main h2")]
    for category in SEMEVAL_2023:
        assert headings.count(category) == 1


def test_an_unknown_taxonomy_page_is_not_found(client, db):
    assert client.get("/techniques/no-such-list/").status_code == 404

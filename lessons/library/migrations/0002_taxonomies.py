"""The propaganda-technique taxonomies a lesson can use, with student-facing wording, as
they stood when this migration was written: the data is frozen here, not imported from live
code, so that this migration gives the same rows whenever it runs. A later change to the
wording is a new data migration.

Each technique's ``code`` is the ID used by the research corpora (see TECHNIQUES.md), kept
exactly so that lessons and answer keys can be exchanged with them. Definitions and examples
are our own plain-words wording for students aged 12 to 18; every person, party, country and
product in the examples is invented.

The wording people read (names, categories, definitions, examples, and each taxonomy's name
and description) is wrapped in ``gettext_noop``, which returns it unchanged: the rows are
what they would be without it, and ``makemessages`` finds the strings so that they are
translated in the catalogue; Lens shows them in the reader's language when it reads the rows
(``Technique.display_name`` and the like in ``lessons/library/models.py``). The codes, slugs
and bibliographic sources are not translated.
"""

from django.db import migrations
from django.utils.translation import gettext_noop


TAXONOMIES: list[dict] = [
    {
        "slug": "semeval-2020",
        "name": gettext_noop("SemEval-2020 Task 11 (14 techniques)"),
        "source": (
            'Da San Martino et al., "Fine-Grained Analysis of Propaganda in News Articles", '
            'EMNLP 2019; Da San Martino et al., "SemEval-2020 Task 11: Detection of Propaganda '
            'Techniques in News Articles", SemEval 2020.'
        ),
        "description": gettext_noop(
            "The 14 techniques of the expert-annotated Propaganda Techniques Corpus of news "
            "articles, for older students. Use it when a lesson's answer key should be "
            "comparable with that corpus."
        ),
        "techniques": [
            {
                "code": "Loaded_Language",
                "name": gettext_noop("Loaded language"),
                "category": "",
                "definition": gettext_noop(
                    "Using words with strong emotional weight, good or bad, so that you react "
                    "with your feelings instead of weighing the facts."
                ),
                "example": gettext_noop(
                    "The reckless new parking rules are strangling our once-thriving town."
                ),
            },
            {
                "code": "Name_Calling,Labeling",
                "name": gettext_noop("Name calling / labelling"),
                "category": "",
                "definition": gettext_noop(
                    "Sticking a label on a person or group that the audience already hates, "
                    "fears or admires, so that the label does the work evidence should do."
                ),
                "example": gettext_noop(
                    "Only the Harbour Party's tax-crazed fanatics could vote for this budget."
                ),
            },
            {
                "code": "Repetition",
                "name": gettext_noop("Repetition"),
                "category": "",
                "definition": gettext_noop(
                    "Saying the same message again and again so that it starts to feel true, "
                    "even though no new reason is ever given."
                ),
                "example": gettext_noop(
                    "We need the new bridge. The bridge means jobs. The bridge means growth. "
                    "Build the bridge!"
                ),
            },
            {
                "code": "Exaggeration,Minimisation",
                "name": gettext_noop("Exaggeration / minimisation"),
                "category": "",
                "definition": gettext_noop(
                    "Making something seem much bigger, better or worse than it really is, or "
                    "brushing off something serious as if it hardly mattered."
                ),
                "example": gettext_noop(
                    "The Nova X is the greatest invention in human history, and those battery "
                    "fires were just a tiny hiccup."
                ),
            },
            {
                "code": "Doubt",
                "name": gettext_noop("Doubt"),
                "category": "",
                "definition": gettext_noop(
                    "Raising questions about whether someone or something can be trusted, to "
                    "make the audience lose confidence in them."
                ),
                "example": gettext_noop(
                    "Can we really trust a referee who used to play for the other team?"
                ),
            },
            {
                "code": "Appeal_to_fear-prejudice",
                "name": gettext_noop("Appeal to fear / prejudice"),
                "category": "",
                "definition": gettext_noop(
                    "Winning support for an idea by making people anxious or scared about the "
                    "alternative, sometimes by playing on prejudices they already hold."
                ),
                "example": gettext_noop(
                    "If the new shopping centre is not built, our town will empty out and "
                    "your parents will lose their jobs."
                ),
            },
            {
                "code": "Flag-Waving",
                "name": gettext_noop("Flag-waving"),
                "category": "",
                "definition": gettext_noop(
                    "Playing on strong pride in a nation or another group to make an idea or "
                    "action seem right, as if supporting it is what loyal members do."
                ),
                "example": gettext_noop(
                    "Every true patriot of Veldonia drives a car made in Veldonia."
                ),
            },
            {
                "code": "Causal_Oversimplification",
                "name": gettext_noop("Causal oversimplification"),
                "category": "",
                "definition": gettext_noop(
                    "Blaming a complicated problem on one single cause when, in reality, many "
                    "different things led to it."
                ),
                "example": gettext_noop(
                    "Test scores fell this year for one reason only: the new lunch menu."
                ),
            },
            {
                "code": "Slogans",
                "name": gettext_noop("Slogans"),
                "category": "",
                "definition": gettext_noop(
                    "A short, catchy phrase that is easy to remember and repeat, packing an "
                    "emotional message, often a label or stereotype, into a few words."
                ),
                "example": gettext_noop("Strong roads, strong Norland!"),
            },
            {
                "code": "Appeal_to_Authority",
                "name": gettext_noop("Appeal to authority"),
                "category": "",
                "definition": gettext_noop(
                    "Claiming something is true simply because an expert, leader or famous "
                    "person said so, with no other evidence. Sometimes the 'authority' is not "
                    "even an expert on the topic."
                ),
                "example": gettext_noop(
                    "A famous footballer says SlimFizz is the healthiest drink there is, so it "
                    "must be true."
                ),
            },
            {
                "code": "Black-and-White_Fallacy",
                "name": gettext_noop("Black-and-white fallacy"),
                "category": "",
                "definition": gettext_noop(
                    "Presenting two choices as the only possible ones when other options exist. "
                    "In its extreme form, it tells people there is only one thing they can do."
                ),
                "example": gettext_noop(
                    "Either we cancel the school trip, or we accept that students will be in "
                    "danger."
                ),
            },
            {
                "code": "Thought-terminating_Cliches",
                "name": gettext_noop("Thought-terminating cliche"),
                "category": "",
                "definition": gettext_noop(
                    "A short, ready-made phrase that offers an easy answer and shuts down "
                    "thinking and discussion, so that nobody asks further questions."
                ),
                "example": gettext_noop("Rules are rules. End of discussion."),
            },
            {
                "code": "Whataboutism,Straw_Men,Red_Herring",
                "name": gettext_noop("Whataboutism, straw man, red herring"),
                "category": "",
                "definition": gettext_noop(
                    "Dodging an argument instead of answering it: pointing at the critic's own "
                    "faults (whataboutism), twisting their view into a weaker one that is easy "
                    "to attack (straw man), or changing the subject (red herring)."
                ),
                "example": gettext_noop(
                    'Asked about the late buses, the transport chief said: "What about the '
                    'trains under the last manager? They were far worse."'
                ),
            },
            {
                "code": "Bandwagon,Reductio_ad_hitlerum",
                "name": gettext_noop("Bandwagon, reductio ad Hitlerum"),
                "category": "",
                "definition": gettext_noop(
                    "Pushing you to join in because everyone else already has (bandwagon), or "
                    "to reject an idea because a group the audience hates supports it "
                    "(reductio ad Hitlerum)."
                ),
                "example": gettext_noop(
                    "Everybody in your class already has a FlexPad, so what are you waiting for?"
                ),
            },
        ],
    },
    {
        "slug": "semeval-2023",
        "name": gettext_noop("SemEval-2023 Task 3 (23 persuasion techniques)"),
        "source": (
            'Piskorski et al., "News Categorization, Framing and Persuasion Techniques: '
            'Annotation Guidelines", European Commission Joint Research Centre, 2023; '
            'Piskorski et al., "SemEval-2023 Task 3: Detecting the Category, the Framing, and '
            'the Persuasion Techniques in Online News in a Multi-lingual Setup", SemEval 2023.'
        ),
        "description": gettext_noop(
            "The most detailed list: 23 persuasion techniques in 6 categories, for experienced "
            "students ready for fine distinctions such as straw man versus red herring. The "
            "categories also work as a first, easier question before students name a technique."
        ),
        "techniques": [
            {
                "code": "Name_Calling-Labeling",
                "name": gettext_noop("Name calling / labelling"),
                "category": gettext_noop("Attack on reputation"),
                "definition": gettext_noop(
                    "Describing a person or group with a label the audience will love or hate, "
                    "such as an insult or a flattering nickname, instead of discussing what "
                    "they actually did."
                ),
                "example": gettext_noop(
                    "The Sunnyvale councillors are nothing but a gang of penny-pinching "
                    "pen-pushers."
                ),
            },
            {
                "code": "Guilt_by_Association",
                "name": gettext_noop("Guilt by association"),
                "category": gettext_noop("Attack on reputation"),
                "definition": gettext_noop(
                    "Attacking a person, group or idea by linking it to someone or something "
                    "the audience already sees as very bad, such as a hated group or a "
                    "notorious dictator."
                ),
                "example": gettext_noop(
                    "Banning cars from the old town was first tried by the dictator of "
                    "Korvania, so the idea must be evil."
                ),
            },
            {
                "code": "Doubt",
                "name": gettext_noop("Doubt"),
                "category": gettext_noop("Attack on reputation"),
                "definition": gettext_noop(
                    "Questioning whether a person or organisation is capable or trustworthy, "
                    "to undermine their credibility rather than their argument."
                ),
                "example": gettext_noop(
                    "Is a coach who has never won a trophy really the right person to run our "
                    "national team?"
                ),
            },
            {
                "code": "Appeal_to_Hypocrisy",
                "name": gettext_noop("Appeal to hypocrisy"),
                "category": gettext_noop("Attack on reputation"),
                "definition": gettext_noop(
                    "Attacking someone by accusing them of hypocrisy: saying they do, or once "
                    "said, the opposite of what they now ask of others."
                ),
                "example": gettext_noop(
                    "The head teacher tells us to eat healthily, but she was seen buying "
                    "doughnuts last week."
                ),
            },
            {
                "code": "Questioning_the_Reputation",
                "name": gettext_noop("Questioning the reputation"),
                "category": gettext_noop("Attack on reputation"),
                "definition": gettext_noop(
                    "Making strong negative claims about someone's character or morals, to "
                    "damage their reputation in general instead of dealing with the issue "
                    "being discussed."
                ),
                "example": gettext_noop(
                    "Nobody should listen to Dr Ames about the river: she is a known liar who "
                    "only cares about fame."
                ),
            },
            {
                "code": "Flag_Waving",
                "name": gettext_noop("Flag-waving"),
                "category": gettext_noop("Justification"),
                "definition": gettext_noop(
                    "Justifying an idea by appealing to pride in a group, such as a nation, "
                    "city or team, or by claiming it is good for that group."
                ),
                "example": gettext_noop(
                    "As proud citizens of Estovia, we owe it to our ancestors to host the games."
                ),
            },
            {
                "code": "Appeal_to_Authority",
                "name": gettext_noop("Appeal to authority"),
                "category": gettext_noop("Justification"),
                "definition": gettext_noop(
                    "Backing a claim with the word of someone seen as an authority (an expert, "
                    "an official body, a celebrity or the speakers themselves) as if that alone "
                    "proved it."
                ),
                "example": gettext_noop(
                    "I have been a doctor for thirty years, so trust me: this diet works."
                ),
            },
            {
                "code": "Appeal_to_Popularity",
                "name": gettext_noop("Appeal to popularity"),
                "category": gettext_noop("Justification"),
                "definition": gettext_noop(
                    "Claiming something is true or good because lots of people, or 'everyone', "
                    "believe it or do it, or because nobody seems to disagree."
                ),
                "example": gettext_noop(
                    "Millions of fans cannot be wrong: BlazeBurger is the best food on earth."
                ),
            },
            {
                "code": "Appeal_to_Values",
                "name": gettext_noop("Appeal to values"),
                "category": gettext_noop("Justification"),
                "definition": gettext_noop(
                    "Presenting an idea as good by tying it to values the audience holds dear, "
                    "such as freedom, fairness, tradition or faith, instead of giving reasons "
                    "about the idea itself."
                ),
                "example": gettext_noop(
                    "Anyone who believes in fairness and tradition will support the new town "
                    "charter."
                ),
            },
            {
                "code": "Appeal_to_Fear-Prejudice",
                "name": gettext_noop("Appeal to fear / prejudice"),
                "category": gettext_noop("Justification"),
                "definition": gettext_noop(
                    "Promoting or rejecting an idea by stirring up fear of it or of the "
                    "alternative, or by playing on prejudices the audience already has."
                ),
                "example": gettext_noop(
                    "If we let kids from other schools join our chess club, it will be ruined "
                    "within a month."
                ),
            },
            {
                "code": "Causal_Oversimplification",
                "name": gettext_noop("Causal oversimplification"),
                "category": gettext_noop("Simplification"),
                "definition": gettext_noop(
                    "Pinning a problem on a single cause, or a single person to blame, when it "
                    "really has several causes."
                ),
                "example": gettext_noop(
                    "We lost the whole season because of one bad goalkeeper, and nothing else."
                ),
            },
            {
                "code": "False_Dilemma-No_Choice",
                "name": gettext_noop("False dilemma / no choice"),
                "category": gettext_noop("Simplification"),
                "definition": gettext_noop(
                    "Offering only two options as if nothing else were possible, or presenting "
                    "one option as the only choice, so that the audience feels forced to "
                    "accept it."
                ),
                "example": gettext_noop(
                    "Either you support the new factory, or you want our town to starve."
                ),
            },
            {
                "code": "Consequential_Oversimplification",
                "name": gettext_noop("Consequential oversimplification (slippery slope)"),
                "category": gettext_noop("Simplification"),
                "definition": gettext_noop(
                    "Claiming that one step will set off a chain of events ending in something "
                    "very bad (or very good), without showing why each step would follow."
                ),
                "example": gettext_noop(
                    "If we allow phones at lunch, soon they will be in every lesson, and then "
                    "nobody will ever learn anything again."
                ),
            },
            {
                "code": "Straw_Man",
                "name": gettext_noop("Straw man"),
                "category": gettext_noop("Distraction"),
                "definition": gettext_noop(
                    "Twisting what an opponent said into a weaker or more extreme version, "
                    "then attacking that version instead of their real point."
                ),
                "example": gettext_noop(
                    "My opponent wants shorter summer holidays, so clearly she thinks children "
                    "should never have any fun."
                ),
            },
            {
                "code": "Red_Herring",
                "name": gettext_noop("Red herring"),
                "category": gettext_noop("Distraction"),
                "definition": gettext_noop(
                    "Pulling attention away from the issue being discussed by bringing up an "
                    "unrelated topic, often one that stirs up emotions."
                ),
                "example": gettext_noop(
                    'Asked why the pool is still closed, the manager said: "Let me tell you '
                    'how proud I am of our new logo."'
                ),
            },
            {
                "code": "Whataboutism",
                "name": gettext_noop("Whataboutism"),
                "category": gettext_noop("Distraction"),
                "definition": gettext_noop(
                    "Answering criticism by pointing to something bad the critic, or someone "
                    "else, has done, instead of responding to the criticism itself."
                ),
                "example": gettext_noop(
                    'Told that his factory polluted the lake, the owner replied: "What about '
                    'the anglers who leave litter on the shore?"'
                ),
            },
            {
                "code": "Slogans",
                "name": gettext_noop("Slogans"),
                "category": gettext_noop("Call"),
                "definition": gettext_noop(
                    "A short, punchy phrase that is easy to chant or remember and works on "
                    "emotions, often standing in for a real argument."
                ),
                "example": gettext_noop("One city, one future, one vote!"),
            },
            {
                "code": "Conversation_Killer",
                "name": gettext_noop("Conversation killer"),
                "category": gettext_noop("Call"),
                "definition": gettext_noop(
                    "Words that shut down discussion and discourage further thinking, such as "
                    "a ready-made phrase telling people to stop asking questions."
                ),
                "example": gettext_noop("That is just how things are done here, end of story."),
            },
            {
                "code": "Appeal_to_Time",
                "name": gettext_noop("Appeal to time"),
                "category": gettext_noop("Call"),
                "definition": gettext_noop(
                    "Pushing for action by insisting that the time is now: a deadline, a "
                    "'now or never' moment, or a claim that waiting is not an option."
                ),
                "example": gettext_noop(
                    "The moment has come: join the Zentra plan today or lose your chance forever."
                ),
            },
            {
                "code": "Loaded_Language",
                "name": gettext_noop("Loaded language"),
                "category": gettext_noop("Manipulative wording"),
                "definition": gettext_noop(
                    "Using emotionally charged words and phrases, positive or negative, to push "
                    "the audience's feelings in one direction."
                ),
                "example": gettext_noop(
                    "Heroic volunteers saved our beloved library from the council's brutal cuts."
                ),
            },
            {
                "code": "Obfuscation-Vagueness-Confusion",
                "name": gettext_noop("Obfuscation, vagueness, confusion"),
                "category": gettext_noop("Manipulative wording"),
                "definition": gettext_noop(
                    "Using deliberately unclear or confusing wording, so that the audience can "
                    "read whatever it likes into it and the speaker never commits to anything."
                ),
                "example": gettext_noop(
                    "Going forward, appropriate measures will be taken at the right time to "
                    "address certain issues."
                ),
            },
            {
                "code": "Exaggeration-Minimisation",
                "name": gettext_noop("Exaggeration / minimisation"),
                "category": gettext_noop("Manipulative wording"),
                "definition": gettext_noop(
                    "Describing something as far bigger, better or worse than it is, or playing "
                    "down something serious so that it seems unimportant."
                ),
                "example": gettext_noop(
                    "Our new canteen menu is a miracle of cooking, and the food poisoning was "
                    "just a few upset stomachs."
                ),
            },
            {
                "code": "Repetition",
                "name": gettext_noop("Repetition"),
                "category": gettext_noop("Manipulative wording"),
                "definition": gettext_noop(
                    "Repeating the same word, phrase or idea many times, so that it sticks and "
                    "seems convincing simply because it is familiar."
                ),
                "example": gettext_noop(
                    "Safe streets. Safe parks. Safe schools. With Mayor Holt, safe is what we are."
                ),
            },
        ],
    },
    {
        "slug": "ipa-1937",
        "name": gettext_noop("Institute for Propaganda Analysis (7 devices, 1937)"),
        "source": (
            'Institute for Propaganda Analysis, "How to Detect Propaganda", 1937; '
            'A. M. Lee and E. B. Lee (eds.), "The Fine Art of Propaganda", 1939.'
        ),
        "description": gettext_noop(
            "Seven classic devices with simple names, best for younger classes or a first "
            "lesson on propaganda. They work especially well with adverts, posters and speeches."
        ),
        "techniques": [
            {
                "code": "Name Calling",
                "name": gettext_noop("Name calling"),
                "category": "",
                "definition": gettext_noop(
                    "Giving a person or idea a bad name, so that people reject it without "
                    "looking at the evidence."
                ),
                "example": gettext_noop(
                    "Only a troublemaker would complain about the new homework rules."
                ),
            },
            {
                "code": "Glittering Generalities",
                "name": gettext_noop("Glittering generalities"),
                "category": "",
                "definition": gettext_noop(
                    "Using shiny, feel-good words like freedom, honour or progress that "
                    "everyone likes but that mean nothing definite, so that people accept an "
                    "idea without checking it."
                ),
                "example": gettext_noop(
                    "Vote for Priya for class president: she stands for freedom, fairness and "
                    "a brighter tomorrow."
                ),
            },
            {
                "code": "Transfer",
                "name": gettext_noop("Transfer"),
                "category": "",
                "definition": gettext_noop(
                    "Linking an idea or product to something people already respect, like a "
                    "flag or a famous symbol, so that the good feeling carries over to it (or "
                    "to something disliked, so that the bad feeling does)."
                ),
                "example": gettext_noop(
                    "A poster shows the flag of Dalvia waving proudly behind a jar of Sunny "
                    "peanut butter."
                ),
            },
            {
                "code": "Testimonial",
                "name": gettext_noop("Testimonial"),
                "category": "",
                "definition": gettext_noop(
                    "Getting a famous or respected person (or a disliked one) to say that an "
                    "idea or product is good or bad, so that people copy their opinion."
                ),
                "example": gettext_noop(
                    'Champion skater Mia Lund says: "I only ever wear Glide trainers, and so '
                    'should you."'
                ),
            },
            {
                "code": "Plain Folks",
                "name": gettext_noop("Plain folks"),
                "category": "",
                "definition": gettext_noop(
                    "A speaker acting like an ordinary person, just like the audience, so "
                    "that people trust them and their ideas."
                ),
                "example": gettext_noop(
                    "I grew up on a farm just like yours, so you know I will look after "
                    "people like us."
                ),
            },
            {
                "code": "Card Stacking",
                "name": gettext_noop("Card stacking"),
                "category": "",
                "definition": gettext_noop(
                    "Showing only the facts that help one side and leaving out the ones that "
                    "do not, so that a one-sided story looks like the whole truth."
                ),
                "example": gettext_noop(
                    'An advert says "Crunchos contain ten vitamins!" but never mentions that '
                    "they are half sugar."
                ),
            },
            {
                "code": "Band Wagon",
                "name": gettext_noop("Band wagon"),
                "category": "",
                "definition": gettext_noop(
                    "Persuading people to do or believe something because 'everybody' is "
                    "doing it, so that they follow the crowd and fear being left out."
                ),
                "example": gettext_noop(
                    "The whole school is wearing Zappo wristbands, so do not be the only one "
                    "without one."
                ),
            },
        ],
    },
]


def load_taxonomies(taxonomy_model, technique_model) -> None:
    """Create or update the taxonomies above, with the models of this migration's state."""
    for entry in TAXONOMIES:
        taxonomy, _ = taxonomy_model.objects.update_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "source": entry["source"],
                "description": entry["description"],
            },
        )
        for position, technique in enumerate(entry["techniques"], start=1):
            technique_model.objects.update_or_create(
                taxonomy=taxonomy,
                code=technique["code"],
                defaults={
                    "name": technique["name"],
                    "category": technique["category"],
                    "definition": technique["definition"],
                    "example": technique["example"],
                    "position": position,
                },
            )


def load(apps, schema_editor):
    load_taxonomies(apps.get_model("library", "Taxonomy"), apps.get_model("library", "Technique"))


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""The propaganda-technique taxonomies a lesson can use, with student-facing wording, as
they stood when this migration was written: the data is frozen here, not imported from live
code, so that this migration gives the same rows whenever it runs. A later change to the
wording is a new data migration.

Each technique's ``code`` is the ID used by the research corpora (see TECHNIQUES.md), kept
exactly so that lessons and answer keys can be exchanged with them. Definitions and examples
are our own plain-words wording for students aged 12 to 18; every person, party, country and
product in the examples is invented.
"""

from django.db import migrations


TAXONOMIES: list[dict] = [
    {
        "slug": "semeval-2020",
        "name": "SemEval-2020 Task 11 (14 techniques)",
        "source": (
            'Da San Martino et al., "Fine-Grained Analysis of Propaganda in News Articles", '
            'EMNLP 2019; Da San Martino et al., "SemEval-2020 Task 11: Detection of Propaganda '
            'Techniques in News Articles", SemEval 2020.'
        ),
        "description": (
            "The 14 techniques of the expert-annotated Propaganda Techniques Corpus of news "
            "articles, for older students. Use it when a lesson's answer key should be "
            "comparable with that corpus."
        ),
        "techniques": [
            {
                "code": "Loaded_Language",
                "name": "Loaded language",
                "category": "",
                "definition": (
                    "Using words with strong emotional weight, good or bad, so that you react "
                    "with your feelings instead of weighing the facts."
                ),
                "example": "The reckless new parking rules are strangling our once-thriving town.",
            },
            {
                "code": "Name_Calling,Labeling",
                "name": "Name calling / labelling",
                "category": "",
                "definition": (
                    "Sticking a label on a person or group that the audience already hates, "
                    "fears or admires, so that the label does the work evidence should do."
                ),
                "example": (
                    "Only the Harbour Party's tax-crazed fanatics could vote for this budget."
                ),
            },
            {
                "code": "Repetition",
                "name": "Repetition",
                "category": "",
                "definition": (
                    "Saying the same message again and again so that it starts to feel true, "
                    "even though no new reason is ever given."
                ),
                "example": (
                    "We need the new bridge. The bridge means jobs. The bridge means growth. "
                    "Build the bridge!"
                ),
            },
            {
                "code": "Exaggeration,Minimisation",
                "name": "Exaggeration / minimisation",
                "category": "",
                "definition": (
                    "Making something seem much bigger, better or worse than it really is, or "
                    "brushing off something serious as if it hardly mattered."
                ),
                "example": (
                    "The Nova X is the greatest invention in human history, and those battery "
                    "fires were just a tiny hiccup."
                ),
            },
            {
                "code": "Doubt",
                "name": "Doubt",
                "category": "",
                "definition": (
                    "Raising questions about whether someone or something can be trusted, to "
                    "make the audience lose confidence in them."
                ),
                "example": "Can we really trust a referee who used to play for the other team?",
            },
            {
                "code": "Appeal_to_fear-prejudice",
                "name": "Appeal to fear / prejudice",
                "category": "",
                "definition": (
                    "Winning support for an idea by making people anxious or scared about the "
                    "alternative, sometimes by playing on prejudices they already hold."
                ),
                "example": (
                    "If the new shopping centre is not built, our town will empty out and "
                    "your parents will lose their jobs."
                ),
            },
            {
                "code": "Flag-Waving",
                "name": "Flag-waving",
                "category": "",
                "definition": (
                    "Playing on strong pride in a nation or another group to make an idea or "
                    "action seem right, as if supporting it is what loyal members do."
                ),
                "example": "Every true patriot of Veldonia drives a car made in Veldonia.",
            },
            {
                "code": "Causal_Oversimplification",
                "name": "Causal oversimplification",
                "category": "",
                "definition": (
                    "Blaming a complicated problem on one single cause when, in reality, many "
                    "different things led to it."
                ),
                "example": "Test scores fell this year for one reason only: the new lunch menu.",
            },
            {
                "code": "Slogans",
                "name": "Slogans",
                "category": "",
                "definition": (
                    "A short, catchy phrase that is easy to remember and repeat, packing an "
                    "emotional message, often a label or stereotype, into a few words."
                ),
                "example": "Strong roads, strong Norland!",
            },
            {
                "code": "Appeal_to_Authority",
                "name": "Appeal to authority",
                "category": "",
                "definition": (
                    "Claiming something is true simply because an expert, leader or famous "
                    "person said so, with no other evidence. Sometimes the 'authority' is not "
                    "even an expert on the topic."
                ),
                "example": (
                    "A famous footballer says SlimFizz is the healthiest drink there is, so it "
                    "must be true."
                ),
            },
            {
                "code": "Black-and-White_Fallacy",
                "name": "Black-and-white fallacy",
                "category": "",
                "definition": (
                    "Presenting two choices as the only possible ones when other options exist. "
                    "In its extreme form, it tells people there is only one thing they can do."
                ),
                "example": (
                    "Either we cancel the school trip, or we accept that students will be in "
                    "danger."
                ),
            },
            {
                "code": "Thought-terminating_Cliches",
                "name": "Thought-terminating cliche",
                "category": "",
                "definition": (
                    "A short, ready-made phrase that offers an easy answer and shuts down "
                    "thinking and discussion, so that nobody asks further questions."
                ),
                "example": "Rules are rules. End of discussion.",
            },
            {
                "code": "Whataboutism,Straw_Men,Red_Herring",
                "name": "Whataboutism, straw man, red herring",
                "category": "",
                "definition": (
                    "Dodging an argument instead of answering it: pointing at the critic's own "
                    "faults (whataboutism), twisting their view into a weaker one that is easy "
                    "to attack (straw man), or changing the subject (red herring)."
                ),
                "example": (
                    'Asked about the late buses, the transport chief said: "What about the '
                    'trains under the last manager? They were far worse."'
                ),
            },
            {
                "code": "Bandwagon,Reductio_ad_hitlerum",
                "name": "Bandwagon, reductio ad Hitlerum",
                "category": "",
                "definition": (
                    "Pushing you to join in because everyone else already has (bandwagon), or "
                    "to reject an idea because a group the audience hates supports it "
                    "(reductio ad Hitlerum)."
                ),
                "example": (
                    "Everybody in your class already has a FlexPad, so what are you waiting for?"
                ),
            },
        ],
    },
    {
        "slug": "semeval-2023",
        "name": "SemEval-2023 Task 3 (23 persuasion techniques)",
        "source": (
            'Piskorski et al., "News Categorization, Framing and Persuasion Techniques: '
            'Annotation Guidelines", European Commission Joint Research Centre, 2023; '
            'Piskorski et al., "SemEval-2023 Task 3: Detecting the Category, the Framing, and '
            'the Persuasion Techniques in Online News in a Multi-lingual Setup", SemEval 2023.'
        ),
        "description": (
            "The most detailed list: 23 persuasion techniques in 6 categories, for experienced "
            "students ready for fine distinctions such as straw man versus red herring. The "
            "categories also work as a first, easier question before students name a technique."
        ),
        "techniques": [
            {
                "code": "Name_Calling-Labeling",
                "name": "Name calling / labelling",
                "category": "Attack on reputation",
                "definition": (
                    "Describing a person or group with a label the audience will love or hate, "
                    "such as an insult or a flattering nickname, instead of discussing what "
                    "they actually did."
                ),
                "example": (
                    "The Sunnyvale councillors are nothing but a gang of penny-pinching "
                    "pen-pushers."
                ),
            },
            {
                "code": "Guilt_by_Association",
                "name": "Guilt by association",
                "category": "Attack on reputation",
                "definition": (
                    "Attacking a person, group or idea by linking it to someone or something "
                    "the audience already sees as very bad, such as a hated group or a "
                    "notorious dictator."
                ),
                "example": (
                    "Banning cars from the old town was first tried by the dictator of "
                    "Korvania, so the idea must be evil."
                ),
            },
            {
                "code": "Doubt",
                "name": "Doubt",
                "category": "Attack on reputation",
                "definition": (
                    "Questioning whether a person or organisation is capable or trustworthy, "
                    "to undermine their credibility rather than their argument."
                ),
                "example": (
                    "Is a coach who has never won a trophy really the right person to run our "
                    "national team?"
                ),
            },
            {
                "code": "Appeal_to_Hypocrisy",
                "name": "Appeal to hypocrisy",
                "category": "Attack on reputation",
                "definition": (
                    "Attacking someone by accusing them of hypocrisy: saying they do, or once "
                    "said, the opposite of what they now ask of others."
                ),
                "example": (
                    "The head teacher tells us to eat healthily, but she was seen buying "
                    "doughnuts last week."
                ),
            },
            {
                "code": "Questioning_the_Reputation",
                "name": "Questioning the reputation",
                "category": "Attack on reputation",
                "definition": (
                    "Making strong negative claims about someone's character or morals, to "
                    "damage their reputation in general instead of dealing with the issue "
                    "being discussed."
                ),
                "example": (
                    "Nobody should listen to Dr Ames about the river: she is a known liar who "
                    "only cares about fame."
                ),
            },
            {
                "code": "Flag_Waving",
                "name": "Flag-waving",
                "category": "Justification",
                "definition": (
                    "Justifying an idea by appealing to pride in a group, such as a nation, "
                    "city or team, or by claiming it is good for that group."
                ),
                "example": (
                    "As proud citizens of Estovia, we owe it to our ancestors to host the games."
                ),
            },
            {
                "code": "Appeal_to_Authority",
                "name": "Appeal to authority",
                "category": "Justification",
                "definition": (
                    "Backing a claim with the word of someone seen as an authority (an expert, "
                    "an official body, a celebrity or the speakers themselves) as if that alone "
                    "proved it."
                ),
                "example": "I have been a doctor for thirty years, so trust me: this diet works.",
            },
            {
                "code": "Appeal_to_Popularity",
                "name": "Appeal to popularity",
                "category": "Justification",
                "definition": (
                    "Claiming something is true or good because lots of people, or 'everyone', "
                    "believe it or do it, or because nobody seems to disagree."
                ),
                "example": (
                    "Millions of fans cannot be wrong: BlazeBurger is the best food on earth."
                ),
            },
            {
                "code": "Appeal_to_Values",
                "name": "Appeal to values",
                "category": "Justification",
                "definition": (
                    "Presenting an idea as good by tying it to values the audience holds dear, "
                    "such as freedom, fairness, tradition or faith, instead of giving reasons "
                    "about the idea itself."
                ),
                "example": (
                    "Anyone who believes in fairness and tradition will support the new town "
                    "charter."
                ),
            },
            {
                "code": "Appeal_to_Fear-Prejudice",
                "name": "Appeal to fear / prejudice",
                "category": "Justification",
                "definition": (
                    "Promoting or rejecting an idea by stirring up fear of it or of the "
                    "alternative, or by playing on prejudices the audience already has."
                ),
                "example": (
                    "If we let kids from other schools join our chess club, it will be ruined "
                    "within a month."
                ),
            },
            {
                "code": "Causal_Oversimplification",
                "name": "Causal oversimplification",
                "category": "Simplification",
                "definition": (
                    "Pinning a problem on a single cause, or a single person to blame, when it "
                    "really has several causes."
                ),
                "example": (
                    "We lost the whole season because of one bad goalkeeper, and nothing else."
                ),
            },
            {
                "code": "False_Dilemma-No_Choice",
                "name": "False dilemma / no choice",
                "category": "Simplification",
                "definition": (
                    "Offering only two options as if nothing else were possible, or presenting "
                    "one option as the only choice, so that the audience feels forced to "
                    "accept it."
                ),
                "example": "Either you support the new factory, or you want our town to starve.",
            },
            {
                "code": "Consequential_Oversimplification",
                "name": "Consequential oversimplification (slippery slope)",
                "category": "Simplification",
                "definition": (
                    "Claiming that one step will set off a chain of events ending in something "
                    "very bad (or very good), without showing why each step would follow."
                ),
                "example": (
                    "If we allow phones at lunch, soon they will be in every lesson, and then "
                    "nobody will ever learn anything again."
                ),
            },
            {
                "code": "Straw_Man",
                "name": "Straw man",
                "category": "Distraction",
                "definition": (
                    "Twisting what an opponent said into a weaker or more extreme version, "
                    "then attacking that version instead of their real point."
                ),
                "example": (
                    "My opponent wants shorter summer holidays, so clearly she thinks children "
                    "should never have any fun."
                ),
            },
            {
                "code": "Red_Herring",
                "name": "Red herring",
                "category": "Distraction",
                "definition": (
                    "Pulling attention away from the issue being discussed by bringing up an "
                    "unrelated topic, often one that stirs up emotions."
                ),
                "example": (
                    'Asked why the pool is still closed, the manager said: "Let me tell you '
                    'how proud I am of our new logo."'
                ),
            },
            {
                "code": "Whataboutism",
                "name": "Whataboutism",
                "category": "Distraction",
                "definition": (
                    "Answering criticism by pointing to something bad the critic, or someone "
                    "else, has done, instead of responding to the criticism itself."
                ),
                "example": (
                    'Told that his factory polluted the lake, the owner replied: "What about '
                    'the anglers who leave litter on the shore?"'
                ),
            },
            {
                "code": "Slogans",
                "name": "Slogans",
                "category": "Call",
                "definition": (
                    "A short, punchy phrase that is easy to chant or remember and works on "
                    "emotions, often standing in for a real argument."
                ),
                "example": "One city, one future, one vote!",
            },
            {
                "code": "Conversation_Killer",
                "name": "Conversation killer",
                "category": "Call",
                "definition": (
                    "Words that shut down discussion and discourage further thinking, such as "
                    "a ready-made phrase telling people to stop asking questions."
                ),
                "example": "That is just how things are done here, end of story.",
            },
            {
                "code": "Appeal_to_Time",
                "name": "Appeal to time",
                "category": "Call",
                "definition": (
                    "Pushing for action by insisting that the time is now: a deadline, a "
                    "'now or never' moment, or a claim that waiting is not an option."
                ),
                "example": (
                    "The moment has come: join the Zentra plan today or lose your chance forever."
                ),
            },
            {
                "code": "Loaded_Language",
                "name": "Loaded language",
                "category": "Manipulative wording",
                "definition": (
                    "Using emotionally charged words and phrases, positive or negative, to push "
                    "the audience's feelings in one direction."
                ),
                "example": (
                    "Heroic volunteers saved our beloved library from the council's brutal cuts."
                ),
            },
            {
                "code": "Obfuscation-Vagueness-Confusion",
                "name": "Obfuscation, vagueness, confusion",
                "category": "Manipulative wording",
                "definition": (
                    "Using deliberately unclear or confusing wording, so that the audience can "
                    "read whatever it likes into it and the speaker never commits to anything."
                ),
                "example": (
                    "Going forward, appropriate measures will be taken at the right time to "
                    "address certain issues."
                ),
            },
            {
                "code": "Exaggeration-Minimisation",
                "name": "Exaggeration / minimisation",
                "category": "Manipulative wording",
                "definition": (
                    "Describing something as far bigger, better or worse than it is, or playing "
                    "down something serious so that it seems unimportant."
                ),
                "example": (
                    "Our new canteen menu is a miracle of cooking, and the food poisoning was "
                    "just a few upset stomachs."
                ),
            },
            {
                "code": "Repetition",
                "name": "Repetition",
                "category": "Manipulative wording",
                "definition": (
                    "Repeating the same word, phrase or idea many times, so that it sticks and "
                    "seems convincing simply because it is familiar."
                ),
                "example": (
                    "Safe streets. Safe parks. Safe schools. With Mayor Holt, safe is what we are."
                ),
            },
        ],
    },
    {
        "slug": "ipa-1937",
        "name": "Institute for Propaganda Analysis (7 devices, 1937)",
        "source": (
            'Institute for Propaganda Analysis, "How to Detect Propaganda", 1937; '
            'A. M. Lee and E. B. Lee (eds.), "The Fine Art of Propaganda", 1939.'
        ),
        "description": (
            "Seven classic devices with simple names, best for younger classes or a first "
            "lesson on propaganda. They work especially well with adverts, posters and speeches."
        ),
        "techniques": [
            {
                "code": "Name Calling",
                "name": "Name calling",
                "category": "",
                "definition": (
                    "Giving a person or idea a bad name, so that people reject it without "
                    "looking at the evidence."
                ),
                "example": "Only a troublemaker would complain about the new homework rules.",
            },
            {
                "code": "Glittering Generalities",
                "name": "Glittering generalities",
                "category": "",
                "definition": (
                    "Using shiny, feel-good words like freedom, honour or progress that "
                    "everyone likes but that mean nothing definite, so that people accept an "
                    "idea without checking it."
                ),
                "example": (
                    "Vote for Priya for class president: she stands for freedom, fairness and "
                    "a brighter tomorrow."
                ),
            },
            {
                "code": "Transfer",
                "name": "Transfer",
                "category": "",
                "definition": (
                    "Linking an idea or product to something people already respect, like a "
                    "flag or a famous symbol, so that the good feeling carries over to it (or "
                    "to something disliked, so that the bad feeling does)."
                ),
                "example": (
                    "A poster shows the flag of Dalvia waving proudly behind a jar of Sunny "
                    "peanut butter."
                ),
            },
            {
                "code": "Testimonial",
                "name": "Testimonial",
                "category": "",
                "definition": (
                    "Getting a famous or respected person (or a disliked one) to say that an "
                    "idea or product is good or bad, so that people copy their opinion."
                ),
                "example": (
                    'Champion skater Mia Lund says: "I only ever wear Glide trainers, and so '
                    'should you."'
                ),
            },
            {
                "code": "Plain Folks",
                "name": "Plain folks",
                "category": "",
                "definition": (
                    "A speaker acting like an ordinary person, just like the audience, so "
                    "that people trust them and their ideas."
                ),
                "example": (
                    "I grew up on a farm just like yours, so you know I will look after "
                    "people like us."
                ),
            },
            {
                "code": "Card Stacking",
                "name": "Card stacking",
                "category": "",
                "definition": (
                    "Showing only the facts that help one side and leaving out the ones that "
                    "do not, so that a one-sided story looks like the whole truth."
                ),
                "example": (
                    'An advert says "Crunchos contain ten vitamins!" but never mentions that '
                    "they are half sugar."
                ),
            },
            {
                "code": "Band Wagon",
                "name": "Band wagon",
                "category": "",
                "definition": (
                    "Persuading people to do or believe something because 'everybody' is "
                    "doing it, so that they follow the crowd and fear being left out."
                ),
                "example": (
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

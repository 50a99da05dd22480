"""Realistic mention texts for the AirDemo demo brand (@AirDemo).

Used by the demo seeding, the live traffic generator and the benchmarks, so
it must be cheap (well over 50k texts/s) and reproducible: everything comes
from one ``random.Random(seed)``, never from the global generator.

About 60 % of mentions are French, like a French carrier's real inbox.
Texts are assembled from independent slots (opening, situation, detail,
ending, emoji, hashtag) so that 100,000 texts are mostly distinct.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

__all__ = ["BRAND_HANDLE", "BRAND_NAME", "MentionTextGenerator"]

BRAND_NAME = "AirDemo"
BRAND_HANDLE = "@AirDemo"

FRENCH_SHARE = 0.6

AIRPORTS = ("CDG", "ORY", "NCE", "LYS", "MRS", "TLS", "BOD", "NTE", "JFK", "LHR", "FCO", "BCN", "LIS", "MAD",
            "AMS", "FRA", "DXB", "YUL", "BKK", "PTP", "FDF", "RUN", "BIQ", "AJA")
CITIES_FR = ("Paris", "Nice", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Nantes", "Montréal", "New York",
             "Londres", "Rome", "Barcelone", "Lisbonne", "Pointe-à-Pitre", "La Réunion", "Ajaccio")
CITIES_EN = ("Paris", "Nice", "London", "New York", "Rome", "Barcelona", "Lisbon", "Dubai", "Montreal",
             "Bangkok", "Amsterdam", "Frankfurt", "Madrid")
HOURS = ("6h", "7h30", "9h15", "11h", "13h40", "15h", "17h25", "19h", "21h10", "23h")
HOURS_EN = ("6am", "7:30", "9:15", "11am", "1:40pm", "3pm", "5:25pm", "7pm", "9:10pm", "11pm")
DURATIONS_FR = ("2h", "3 heures", "45 min", "4h", "1h30", "6 heures", "toute la nuit", "deux jours")
DURATIONS_EN = ("2 hours", "3 hours", "45 minutes", "4 hours", "90 minutes", "6 hours", "all night",
                "two days")

NEGATIVE_EMOJI = ("😡", "🤬", "😤", "😭", "😩", "🙄", "👎", "🤦‍♂️", "🤦‍♀️", "😞", "😠", "💩", "🤡")
POSITIVE_EMOJI = ("🙏", "👍", "👏", "😊", "❤️", "😍", "🥳", "✨", "✈️", "💙", "🙂", "😎")
NEUTRAL_EMOJI = ("✈️", "🧳", "🤔", "🐶", "🐱", "👶", "📱", "🎫", "⏰")

HASHTAGS_ANGRY = ("#AirDemoFail", "#AirDemo", "#honte", "#scandale", "#neverAgain", "#boycottAirDemo",
                  "#grève", "#stranded", "#CDG", "#ORY", "#AirDemoHonte", "#chaos", "#remboursement",
                  "#travel", "#aviation")
HASHTAGS_HAPPY = ("#AirDemo", "#travel", "#voyage", "#merci", "#avgeek", "#vacances", "#holidays",
                  "#AirDemoLove", "#crew")

FIRST_NAMES_FR = ("Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Emma", "Louise", "Zoé",
                  "Lucas", "Hugo", "Thomas", "Nicolas", "Julien", "Maxime", "Antoine", "Karim", "Mehdi",
                  "Yanis", "Sophie", "Nathalie", "Isabelle", "Sandrine", "Olivier", "Pierre", "Aurélie",
                  "Mamadou", "Fatou", "Kevin", "Élodie", "Baptiste", "Mathilde", "Romain", "Amina")
LAST_NAMES_FR = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
                 "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
                 "Vincent", "Fournier", "Morel", "Girard", "Benali", "Nguyen", "Diallo", "Mercier",
                 "Faure", "Blanc", "Guerin", "Boyer", "Lemaire", "Chevalier")
FIRST_NAMES_EN = ("James", "Emily", "Oliver", "Sophie", "Jack", "Amelia", "Harry", "Olivia", "Noah",
                  "Chloe", "Liam", "Emma", "Ethan", "Ava", "Mason", "Mia", "Daniel", "Grace", "Ryan",
                  "Hannah", "Priya", "Raj", "Aisha", "Connor", "Megan", "Tom", "Kate", "Ben", "Zoe")
LAST_NAMES_EN = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor",
                 "Anderson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young",
                 "King", "Wright", "Patel", "Khan", "O'Brien", "Murphy", "Kelly", "Evans", "Hughes")
HANDLE_SUFFIXES = ("", "", "", "_", "75", "13", "06", "69", "33", "_off", "_pro", "92", "01", "x", "_fr",
                   "_uk", "88", "2024", "_travels", "_voyage", "_bzh", "_paris", "_nyc", "99", "_")
DISPLAY_DECORATIONS = ("", "", "", "", " ✈️", " 🌍", " 🇫🇷", " 🇬🇧", " 🇺🇸", " 🐶", " ☕", " 🏃‍♀️", " 📸")


# Each template slot is filled with format(); placeholders: {flight} {from_}
# {to} {city} {hour} {duration} {gate} {seat} {miles} {ref}.
FR_NORMAL_NEGATIVE = (
    "{flight} {from_}-{to} retardé de {duration}, aucune info à la porte {gate}",
    "mon vol {flight} pour {city} a encore {duration} de retard, c'est la 3e fois ce mois-ci",
    "valise perdue à {to} depuis {duration_long}, le suivi en ligne ne marche pas",
    "bagage toujours pas arrivé après le vol {flight}, dossier {ref}, personne ne répond au téléphone",
    "impossible de faire l'enregistrement en ligne pour le {flight}, l'appli plante",
    "j'attends mon remboursement depuis {weeks} semaines pour le {flight} annulé",
    "on nous a changé de siège sans prévenir, j'avais payé le {seat}",
    "{duration} d'attente au comptoir à {from_}, un seul agent pour tout le monde",
    "ma poussette est arrivée cassée à {to}, qui je contacte ?",
    "les miles de mon vol {flight} n'ont jamais été crédités, dossier {ref}",
    "surbooking sur le {flight}, débarqué sans explication",
    "wifi payant et qui ne marche pas sur le {flight}, bof",
    "le repas du {flight} était immangeable, franchement décevant",
    "correspondance ratée à {from_} à cause du retard du {flight}, et maintenant ?",
    "service client injoignable, ça fait {duration} que j'attends",
)
FR_NORMAL_POSITIVE = (
    "merci à l'équipage du {flight} {from_}-{to}, super accueil",
    "vol {flight} parfait, à l'heure et équipage adorable",
    "merci pour votre aide rapide ! bagage retrouvé à {to}",
    "bravo à l'équipe de {from_} qui a géré le retard avec le sourire",
    "première fois avec vous pour aller à {city}, très bonne expérience",
    "personnel au top sur le {flight}, merci pour le surclassement",
    "super vol vers {city}, atterrissage tout en douceur",
    "remboursement reçu en {days} jours, merci",
    "merci à l'hôtesse du {flight} qui a pris soin de ma fille",
    "génial le nouveau salon à {from_}",
)
FR_NORMAL_QUESTIONS = (
    "mon vol {flight} est-il à l'heure ?",
    "est-ce que je peux voyager avec mon chat en cabine sur le {flight} ?",
    "bonjour, la poussette est-elle acceptée en cabine vers {city} ?",
    "combien de miles pour un aller {from_}-{to} ?",
    "quelle est la franchise bagage sur le {flight} ?",
    "bonjour, comment choisir mon siège pour le vol {flight} ?",
    "l'enregistrement ouvre à quelle heure pour le {flight} de {hour} ?",
    "peut-on ajouter un bagage en soute après la réservation ?",
    "je voyage avec un chien d'assistance, que dois-je prévoir pour {city} ?",
    "le terminal à {from_} pour le {flight}, c'est le 2E ou le 2F ?",
)
EN_NORMAL_NEGATIVE = (
    "flight {flight} {from_} to {to} delayed {duration}, zero info at gate {gate}",
    "my bag didn't make it to {to}, file ref {ref}, nobody answers the phone",
    "been waiting {weeks} weeks for my refund for {flight}, still nothing",
    "online check-in keeps failing for {flight}, app just crashes",
    "they moved me from {seat} without asking, I paid for that seat",
    "{duration} queue at the {from_} desk with one agent, awful",
    "stroller arrived broken at {to}, who do I talk to?",
    "missed my connection at {from_} because {flight} was late",
    "miles from {flight} never credited, not happy",
    "overbooked on {flight} and bumped with no explanation",
)
EN_NORMAL_POSITIVE = (
    "huge thanks to the crew of {flight} {from_}-{to}, lovely service",
    "smooth flight to {city}, landed early, great job",
    "thank you for the quick help with my bag at {to}!",
    "shoutout to the {from_} team for handling the delay so well",
    "first time flying with you to {city}, really good experience",
    "refund came through in {days} days, thanks",
    "the new lounge at {from_} is amazing",
)
EN_NORMAL_QUESTIONS = (
    "is my flight {flight} on time?",
    "can I bring my cat in the cabin on {flight}?",
    "what's the baggage allowance on {flight} to {city}?",
    "how many miles for a one way {from_}-{to}?",
    "can I add a checked bag after booking?",
    "what time does check-in open for the {hour} {flight}?",
    "do you allow strollers at the gate for {city}?",
)
FR_ANGRY = (
    "vol {flight} annulé à {hour_night} du matin par SMS, on dort par terre à {from_}",
    "{flight} ANNULÉ, personne ne répond, on est {stranded} bloqués à {from_}",
    "grève ou pas, c'est inadmissible de nous laisser sans info depuis {duration}",
    "panne informatique mon œil, {duration} qu'on attend à la porte {gate}",
    "tempête = excuse, aucun hôtel, aucun repas, aucune info. Honteux",
    "3e annulation en 2 jours, enfants épuisés, hotline saturée",
    "{flight} annulé, remboursement refusé, vous vous moquez de nous",
    "on nous a débarqués du {flight} à {hour_night} du matin, aucun agent",
    "bloqué à {from_} avec un bébé, personne pour répondre, scandale",
    "c'est un scandale, plus de {stranded} passagers abandonnés à {from_}",
    "vols annulés après la tempête et l'appli affiche toujours à l'heure, n'importe quoi",
)
EN_ANGRY = (
    "flight {flight} cancelled at {hour_night}am by text, sleeping on the floor at {from_}",
    "{flight} CANCELLED again, nobody answers, {stranded} of us stranded at {from_}",
    "strike or not, leaving us with no info for {duration} is unacceptable",
    "IT outage my foot, {duration} stuck at gate {gate}",
    "storm is no excuse, no hotel, no food, no updates. Disgraceful",
    "third cancellation in two days, kids exhausted, hotline dead",
    "{flight} cancelled and refund denied, are you kidding me",
    "stranded at {from_} with a baby and no one is answering, absolute shambles",
    "worst airline ever, {stranded} passengers abandoned at {from_}",
)
FR_OPENINGS = ("", "", "", "bonjour, ", "Bonjour {brand}, ", "{brand} ", "sérieusement {brand} ", "allô ",
               "{brand} ", "help ", "coucou {brand} ")
EN_OPENINGS = ("", "", "", "hi ", "Hey {brand} ", "{brand} ", "seriously {brand} ", "{brand} ")
FR_ANGRY_ENDINGS = ("", " !!!", " !", " 😡", " c'est une honte", " on fait quoi ?", " bravo...",
                    " plus jamais", " merci pour rien", " inadmissible", " vraiment nul", " ?!")
EN_ANGRY_ENDINGS = ("", "!!!", "!", " 😡", " disgraceful", " what now?", " never again", " thanks for nothing",
                    " unbelievable", " ?!")
FR_REPLIES = (
    "toujours rien ?", "des nouvelles ?", "toujours pas de réponse...", "j'ai envoyé mon numéro de dossier en DM",
    "merci, c'est réglé", "ok merci pour le retour", "c'est fait, dossier {ref}", "vous pouvez regarder en DM ?",
    "ça fait {duration} que j'attends votre réponse", "toujours bloqué à {from_}", "merci beaucoup !",
    "relance : toujours aucune nouvelle", "quelqu'un va me répondre un jour ?", "parfait, merci 🙏",
    "vous avez mon dossier {ref}", "et le remboursement ?",
)
EN_REPLIES = (
    "any update?", "still nothing?", "sent you my booking ref in DM", "thanks, sorted", "ok thanks",
    "done, ref {ref}", "can you check my DM?", "been waiting {duration} for a reply", "still stuck at {from_}",
    "thank you so much!", "hello?? anyone?", "perfect, thanks 🙏", "what about the refund?",
)

# Phone-keyboard slips: swapped or doubled letters, missing accents.
_ACCENT_DROPS = str.maketrans("éèêàçù", "eeeacu")


class MentionTextGenerator:
    """Deterministic mention texts for the AirDemo demo brand.

    ``MentionTextGenerator(seed=42).normal()`` always yields the same sequence
    for the same seed; instances are not thread-safe (one per thread).
    """

    def __init__(self, seed: int, *, french_share: float = FRENCH_SHARE) -> None:
        self._random = random.Random(seed)
        self.french_share = french_share

    # -- public API ---------------------------------------------------------

    def normal(self) -> tuple[str, str]:
        """A normal-day mention: (text, "fr" | "en")."""
        r = self._random.random
        french = r() < self.french_share
        kind = r()
        if french:
            pool = FR_NORMAL_NEGATIVE if kind < 0.45 else FR_NORMAL_POSITIVE if kind < 0.7 else FR_NORMAL_QUESTIONS
            emoji = NEGATIVE_EMOJI if kind < 0.45 else POSITIVE_EMOJI if kind < 0.7 else NEUTRAL_EMOJI
            text = self._compose(pool, FR_OPENINGS, emoji, HASHTAGS_HAPPY, french=True)
        else:
            pool = EN_NORMAL_NEGATIVE if kind < 0.45 else EN_NORMAL_POSITIVE if kind < 0.7 else EN_NORMAL_QUESTIONS
            emoji = NEGATIVE_EMOJI if kind < 0.45 else POSITIVE_EMOJI if kind < 0.7 else NEUTRAL_EMOJI
            text = self._compose(pool, EN_OPENINGS, emoji, HASHTAGS_HAPPY, french=False)
        return text, "fr" if french else "en"

    def angry(self) -> tuple[str, str]:
        """A crisis-storm mention (mass cancellations, stranded passengers)."""
        french = self._random.random() < self.french_share
        if french:
            text = self._compose(FR_ANGRY, FR_OPENINGS, NEGATIVE_EMOJI, HASHTAGS_ANGRY, french=True,
                                 endings=FR_ANGRY_ENDINGS, hashtag_rate=0.55)
        else:
            text = self._compose(EN_ANGRY, EN_OPENINGS, NEGATIVE_EMOJI, HASHTAGS_ANGRY, french=False,
                                 endings=EN_ANGRY_ENDINGS, hashtag_rate=0.55)
        return text, "fr" if french else "en"

    def reply(self, *, language: str | None = None) -> tuple[str, str]:
        """A follow-up inside an existing thread, in the thread's language if given."""
        french = language == "fr" if language in ("fr", "en") else self._random.random() < self.french_share
        pool = FR_REPLIES if french else EN_REPLIES
        text = self._fill(self._random.choice(pool), french=french)
        if self._random.random() < 0.5:
            text = f"{BRAND_HANDLE} {text}"
        return text, "fr" if french else "en"

    def author(self, *, language: str | None = None) -> tuple[str, str]:
        """(handle without "@", display name), French or English by default share."""
        choice = self._random.choice
        french = language == "fr" if language in ("fr", "en") else self._random.random() < self.french_share
        first = choice(FIRST_NAMES_FR if french else FIRST_NAMES_EN)
        last = choice(LAST_NAMES_FR if french else LAST_NAMES_EN)
        style = self._random.randrange(5)
        plain_first = first.lower().translate(_ACCENT_DROPS).replace("ï", "i").replace("ë", "e")
        plain_last = last.lower().replace("'", "")
        if style == 0:
            handle = f"{plain_first}{plain_last}"
        elif style == 1:
            handle = f"{plain_first}_{plain_last}"
        elif style == 2:
            handle = f"{plain_first[0]}{plain_last}"
        elif style == 3:
            handle = f"{plain_first}.{plain_last[:1]}"
        else:
            handle = f"{plain_first}{plain_last[:3]}"
        handle = (handle + choice(HANDLE_SUFFIXES))[:15].replace(".", "_")
        display = f"{first} {last}" if self._random.random() < 0.7 else first
        return handle, display + choice(DISPLAY_DECORATIONS)

    def followers(self) -> int:
        """Follower count: log-normal body (median ~300) with a Pareto tail.

        Most accounts have a few hundred followers; about 1 in 100 has tens of
        thousands, a handful of journalists/influencers have millions: the
        reach weighting in crisis scoring depends on that tail existing.
        """
        r = self._random
        if r.random() < 0.01:
            return min(int(20_000 * r.paretovariate(1.1)), 15_000_000)
        return max(0, int(r.lognormvariate(5.7, 1.6)))

    def many(self, count: int, *, angry_share: float = 0.0) -> list[tuple[str, str]]:
        """``count`` mentions, with ``angry_share`` of them from a crisis storm."""
        r = self._random.random
        return [self.angry() if r() < angry_share else self.normal() for _ in range(count)]

    # -- building blocks -----------------------------------------------------

    def _compose(
        self,
        pool: Sequence[str],
        openings: Sequence[str],
        emoji: Sequence[str],
        hashtags: Sequence[str],
        *,
        french: bool,
        endings: Sequence[str] = ("",),
        hashtag_rate: float = 0.2,
    ) -> str:
        rand = self._random
        r = rand.random
        choice = rand.choice
        body = self._fill(choice(pool), french=french)
        opening = choice(openings).replace("{brand}", BRAND_HANDLE)
        text = opening + body + choice(endings)
        if r() < 0.45:
            text += " " + choice(emoji) * (1 + (r() < 0.3) + (r() < 0.15))
        if r() < hashtag_rate:
            text += " " + choice(hashtags)
            if r() < 0.3:
                text += " " + choice(hashtags)
        if BRAND_HANDLE not in text and r() < 0.75:
            text = f"{BRAND_HANDLE} {text}" if r() < 0.6 else f"{text} {BRAND_HANDLE}"
        roll = r()
        if roll < 0.08:
            text = self._typo(text)
        elif french and roll < 0.16:
            text = text.translate(_ACCENT_DROPS)  # typed on a phone without accents
        elif roll < 0.2:
            text = text.capitalize()
        return text

    def _fill(self, template: str, *, french: bool) -> str:
        if "{" not in template:
            return template
        rand = self._random
        choice = rand.choice
        randint = rand.randint
        from_, to = rand.sample(AIRPORTS, 2)
        return template.format(
            flight=f"AD{randint(100, 9899)}",
            from_=from_,
            to=to,
            city=choice(CITIES_FR if french else CITIES_EN),
            hour=choice(HOURS if french else HOURS_EN),
            hour_night=choice(("1", "2", "2", "3", "4", "5")),
            duration=choice(DURATIONS_FR if french else DURATIONS_EN),
            duration_long=choice(("3 jours", "une semaine", "10 jours", "48h", "5 jours")),
            gate=f"{choice('ABCDEFGKLM')}{randint(1, 60)}",
            seat=f"{randint(1, 42)}{choice('ABCDEFJK')}",
            ref=f"{choice(('CDG', 'ORY', 'NCE', 'LHR', 'JFK'))}AD{randint(10000, 99999)}",
            weeks=randint(2, 12),
            days=randint(2, 21),
            stranded=choice(("200", "300", "150", "400", "500", "des centaines de" if french else "hundreds of")),
            miles=randint(5, 80) * 1000,
        )

    def _typo(self, text: str) -> str:
        """Swap two adjacent letters somewhere in the text."""
        if len(text) < 8:
            return text
        i = self._random.randrange(1, len(text) - 2)
        if not (text[i].isalpha() and text[i + 1].isalpha()):
            return text
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]

"""Real-looking public replies, each labelled: must the personal-data rule catch it?

Written for the personal_data_request rule (issue 12). "caught" replies ask for personal data in
public; "not caught" ones move to private messages, give the brand's own public contact, talk about
a flight or order without asking for anything personal, or warn people not to share data.
Informal replies that ask for the data *in* private messages ("DM-nous ton mail") are what the
guides recommend, so they must not be caught.
"""

CAUGHT = [
    # French, formal
    ("fr", "Bonjour, pouvez-vous nous communiquer votre numéro de réservation ?"),
    ("fr", "Merci de nous indiquer votre numéro de téléphone afin qu'un conseiller vous rappelle."),
    ("fr", "Pourriez-vous nous transmettre votre adresse e-mail ?"),
    ("fr", "Veuillez nous préciser votre date de naissance et votre numéro de dossier."),
    ("fr", "Afin de traiter votre demande, indiquez-nous votre adresse postale complète."),
    ("fr", "Quel est votre numéro de commande ?"),
    ("fr", "Pouvez-vous nous donner les 4 derniers chiffres de votre carte bancaire ?"),
    ("fr", "Merci de nous communiquer votre numéro de passeport pour vérifier votre dossier."),
    ("fr", "Bonjour Marie, auriez-vous votre référence de réservation ?"),
    ("fr", "Nous avons besoin de votre numéro de portable pour le suivi."),
    ("fr", "Laissez-nous vos coordonnées en commentaire, nous vous recontactons."),
    ("fr", "Pouvez-vous nous confirmer votre code postal ?"),
    ("fr", "Merci de renseigner votre IBAN pour le remboursement."),
    # French, informal and abbreviated
    ("fr", "Donne-nous ton num et on te rappelle !"),
    ("fr", "Tu peux nous filer ton mail stp ?"),
    ("fr", "C'est quoi ton num de résa ?"),
    ("fr", "Envoie ton tel en réponse, on s'en occupe"),
    ("fr", "Balance ta ref de dossier ici et on regarde 👀"),
    ("fr", "Mets ton adresse ci-dessous pour l'envoi du bon"),
    ("fr", "Laisse ton 06 on te rappelle"),
    ("fr", "ton n° de commande stp ?"),
    ("fr", "Tu peux nous donner ton PNR ?"),
    ("fr", "Ecris ton adresse mail ici et on t'envoie le formulaire de remboursement"),
    ("fr", "Il nous faut ta date de naissance pour retrouver ton dossier"),
    # English, formal
    ("en", "Could you please share your booking reference with us?"),
    ("en", "Please provide your phone number so that our team can call you back."),
    ("en", "Can you tell us your email address?"),
    ("en", "Kindly send us your full address and postcode."),
    ("en", "What is your order number?"),
    ("en", "Please reply with the last 4 digits of your card."),
    ("en", "We will need your passport number and date of birth to look into this."),
    ("en", "Could you confirm your confirmation code please?"),
    ("en", "Please let us know your case number."),
    ("en", "To process the refund, please send your bank details."),
    ("en", "Would you mind sharing your mobile number?"),
    ("en", "Please post your ticket number here and we'll check it."),
    # English, informal and abbreviated
    ("en", "drop your email below and we'll sort it 🙌"),
    ("en", "what's ur phone number? we'll call u"),
    ("en", "pls send ur booking ref"),
    ("en", "Leave your number in the comments and we'll ring you"),
    ("en", "can u share your PNR real quick?"),
    ("en", "Type your zip code here and we'll find your nearest store"),
    ("en", "plz give us ur DOB so we can check"),
    ("en", "Hey! Reply with your order # and we'll chase it"),
]

NOT_CAUGHT = [
    # Moving to private messages, formal and informal
    ("fr", "Bonjour, envoyez-nous un message privé avec votre numéro de réservation, nous regardons."),
    ("fr", "DM-nous ton mail, on s'en occupe !"),
    ("fr", "Écris-nous en MP avec ta réf de dossier stp"),
    ("fr", "Nous vous avons écrit en message privé pour la suite."),
    ("fr", "Pouvez-vous nous envoyer votre numéro de dossier par message privé ?"),
    ("fr", "On continue en privé ? Envoie-nous un DM 🙂"),
    ("en", "Please DM us your booking reference and we'll look into it."),
    ("en", "Could you send us a private message with your order number?"),
    ("en", "We've sent you a direct message, let's continue there."),
    ("en", "Slide into our DMs with your email and we'll sort it"),
    ("en", "Can you send your case number privately via Messenger?"),
    # The brand's own public contact
    ("fr", "Notre service client est joignable au 3654, 7j/7."),
    ("fr", "Vous pouvez aussi écrire à contact@airdemo.fr, nous répondons sous 24h."),
    ("fr", "Appelez notre numéro vert, le 0 800 123 456 !"),
    ("en", "You can reach our team at help.airdemo.com or call 3654."),
    ("en", "Our phone number is on airdemo.com/contact if you prefer to call."),
    # Flight or order status, no personal data
    ("fr", "Votre vol AD1234 est retardé de 2h, nouveau départ prévu à 16h10."),
    ("fr", "Quel est votre numéro de vol ? Nous vérifions son statut."),
    ("fr", "Votre commande est partie ce matin, livraison prévue demain."),
    ("fr", "Le remboursement sera effectué sous 7 jours sur le moyen de paiement utilisé."),
    ("fr", "Nous sommes désolés pour l'attente, nos équipes font le maximum."),
    ("en", "Your flight AD1234 is delayed by 2 hours, new departure 4:10pm."),
    ("en", "What's your flight number? We'll check its status for you."),
    ("en", "Your order has shipped and should arrive tomorrow."),
    ("en", "Sorry for the wait, the outage is fixed and the app works again."),
    ("en", "Check the live status of your flight on airdemo.com/status."),
    # Warnings not to share
    ("fr", "Pour votre sécurité, ne partagez jamais votre numéro de carte ici."),
    ("fr", "Pas besoin de nous donner votre adresse, on a tout ce qu'il faut."),
    ("en", "Please never post your card details publicly."),
    ("en", "Don't share your booking reference in public, we'll DM you."),
]

# Written after the rule, and never used to tune it: the figures measured on these are the honest
# ones (see the closing note of issue 12 and test_personal_data.py).
HELD_OUT_CAUGHT = [
    ("fr", "Bonsoir, vous pouvez nous redonner votre téléphone pour qu'on vous rappelle demain ?"),
    ("fr", "Envoyez-nous votre e-mail en réponse à ce tweet."),
    ("fr", "Indique-nous ton adresse de livraison, on renvoie le colis."),
    ("fr", "Votre numéro client svp ?"),
    ("fr", "Tu nous files ton numéro ? On t'appelle dans 5 min"),
    ("fr", "Quelle est votre date de naissance ? C'est pour vérifier votre identité."),
    ("fr", "Pour le remboursement, communiquez-nous votre RIB ici."),
    ("fr", "Précisez-nous votre numéro de billet et votre nom complet."),
    ("fr", "Dis-nous ton mail, on t'envoie le bon d'achat"),
    ("en", "Hi Sam, can we get your phone number to call you back?"),
    ("en", "Post your reservation number below and we'll take a look."),
    ("en", "Send over your email and we'll add you to the rebooking list."),
    ("en", "Please comment with your loyalty number so we can credit the miles."),
    ("en", "Could you give us your home address for the replacement bag?"),
    ("en", "What's the best number to reach you on?"),
    ("en", "We'll need the card number you paid with, could you share it?"),
]
HELD_OUT_NOT_CAUGHT = [
    ("fr", "Merci Julie ! Ravis que le vol se soit bien passé ✈️"),
    ("fr", "Nous vous contactons en message privé pour récupérer les détails."),
    ("fr", "Votre bagage a été localisé à CDG, il sera livré ce soir."),
    ("fr", "Tous les vols de l'après-midi sont maintenus, infos sur airdemo.fr/trafic."),
    ("fr", "Retrouvez le suivi de votre commande dans votre espace client."),
    ("fr", "Envoie-nous un MP avec ton numéro de résa, on regarde tout de suite."),
    ("en", "Thanks for flying with us, see you soon!"),
    ("en", "We've just DMed you to get the details, talk soon."),
    ("en", "The delay is due to weather at the destination airport."),
    ("en", "Please check your inbox, we've sent you the form."),
    ("en", "Your refund was issued today; it can take 5 business days to appear."),
    ("en", "Feel free to DM us your booking reference and we'll check the options."),
]

# Probes written to find the rule's weak spots after the sets above scored 100 %: tricky requests
# (no possessive, "best number to reach you") and look-alikes (a mailbox, a confirmation e-mail, the
# number of the flight). Measured before any change: recall 7/8, precision 7/11. The rule was then
# changed (generic words such as "mail" or "numéro" now need "your"/"votre" or "reach you"); see the
# closing note of issue 12 for the figures after.
PROBE_CAUGHT = [
    ("fr", "Pouvez-vous nous confirmer que votre adresse est bien à Lyon ?"),
    ("fr", "Envoyez votre RIB en réponse à ce message"),
    ("fr", "Quel numéro pour vous joindre ?"),
    ("en", "Your full name and DOB please"),
    ("en", "Comment with your booking code and we will check"),
    ("en", "Can we have your reservation number?"),
    ("fr", "Tu peux me redonner ton adresse email ?"),
    ("en", "Send your details and we will get back to you"),
]
PROBE_NOT_CAUGHT = [
    ("fr", "Merci de vérifier votre boîte mail, nous vous avons répondu."),
    ("en", "Did you receive our email?"),
    ("fr", "Le mail est bien parti ?"),
    ("fr", "Pouvez-vous vérifier vos spams ?"),
    ("en", "Your address for refunds is on the form at airdemo.com/refund"),
    ("fr", "Quel est le numéro de votre vol ?"),
    ("fr", "Nous vous avons envoyé un e-mail de confirmation, vous l'avez reçu ?"),
    ("en", "How old is the aircraft? It is 12 years old."),
    ("en", "Can you tell us which gate you are at?"),
    ("fr", "Le téléphone ne marche pas ? Essayez l'appli."),
]

# Written last, after the probe fixes, and measured once without changing the rule afterwards.
FRESH_CAUGHT = [
    ("fr", "Coucou ! Tu nous envoies ton numéro de portable qu'on te rappelle ?"),
    ("fr", "Pour vérifier, indiquez-nous ici les 4 derniers chiffres de la carte utilisée."),
    ("fr", "Merci de poster votre numéro de billet sous ce tweet."),
    ("fr", "Vous pouvez nous écrire votre adresse de livraison en commentaire ?"),
    ("fr", "Donnez-nous votre nom et votre date de naissance, on vérifie."),
    ("fr", "Ton mail stp, on t'envoie le bon"),
    ("en", "Hi Tom, please share your e-mail so we can send the voucher."),
    ("en", "Reply with your PNR and surname and we'll look into it."),
    ("en", "Could you post your order ref here?"),
    ("en", "What is the phone number on your booking?"),
    ("en", "Need your passport number to rebook you, can you send it?"),
    ("en", "Let us know your postcode and we'll check delivery options"),
]
FRESH_NOT_CAUGHT = [
    ("fr", "On vous a répondu par message privé, à tout de suite !"),
    ("fr", "Votre vol est confirmé, embarquement porte F32 à 14h."),
    ("fr", "Le formulaire de réclamation est ici : airdemo.fr/reclamation"),
    ("fr", "Envoyez-nous un DM avec votre référence de dossier, on s'en charge."),
    ("fr", "Nos conseillers sont joignables au 3654 de 7h à 22h."),
    ("en", "We're sorry! Our team will DM you in a moment."),
    ("en", "Gate changes are shown in the app and on airdemo.com/status."),
    ("en", "Please send us a private message with your booking reference."),
    ("en", "Never share your password with anyone, including us."),
    ("en", "Thanks Sarah, glad the crew took good care of you!"),
]

"""The demo organization's response guides: an airline's, in French and English. Idempotent.

Called by `seed_demo` (accounts/management/commands/seed_demo.py discovers `seed`).
"""

from __future__ import annotations

from django.db import transaction

from accounts.demo import DemoPeople
from accounts.roles import Role
from inbox import selectors as inbox_selectors

from . import services
from .models import Guide, Outcome, PerimeterRule, ReplyApproval

GUIDE_NAME = "Service client AirDemo"
STATUS = {"label": "Statut des vols / Flight status", "url": "https://www.airdemo.example/statut-vols"}
BAGGAGE = {"label": "Bagages / Baggage", "url": "https://www.airdemo.example/bagages"}
REFUNDS = {"label": "Remboursements / Refunds", "url": "https://www.airdemo.example/remboursement"}
INCIDENT = {"label": "Informations incident / Incident updates", "url": "https://www.airdemo.example/info"}

CONTENT = {"scenarios": [
    {"key": "delay", "name": "Retard de vol / Flight delay",
     "triggers": {"keywords": ["retard", "retardé", "en retard", "delay", "delayed", "late"]},
     "do": "- **S'excuser** une fois, sans se justifier longuement\n- Renvoyer vers le [statut des vols]"
           "(https://www.airdemo.example/statut-vols)\n- *EN*: apologise once, point to the flight status page",
     "dont": "- Ne jamais promettre une heure de départ\n- Ne pas parler d'indemnisation en public\n"
             "- *EN*: never promise a departure time, never discuss compensation in public",
     "escalation": "Retard de plus de 3 heures ou correspondance manquée : prévenir le responsable de service.",
     "sources": [STATUS],
     "templates": [
         {"key": "delay-fr", "language": "fr", "label": "Excuses et statut",
          "text": "Bonjour {first_name}, toutes nos excuses pour ce retard. L'horaire à jour de votre vol est ici : "
                  "{info_url}. Nous restons à votre écoute. {agent_first_name}"},
         {"key": "delay-en", "language": "en", "label": "Apology and status",
          "text": "Hello {first_name}, we are sorry for the delay. Your flight's latest time is here: {info_url}. "
                  "We are here if you need us. {agent_first_name}"}]},
    {"key": "baggage", "name": "Bagage perdu / Lost baggage",
     "triggers": {"keywords": ["bagage", "valise", "baggage", "luggage", "suitcase", "bag"]},
     "do": "- Proposer de continuer **en message privé** pour la référence du dossier bagage\n"
           "- *EN*: move to private messages for the baggage file reference",
     "dont": "- Ne jamais demander la référence du dossier ou l'adresse en public\n"
             "- *EN*: never ask for the file reference or the address in public",
     "escalation": "Bagage introuvable après 5 jours : transmettre au service bagages.",
     "sources": [BAGGAGE],
     "templates": [
         {"key": "baggage-fr", "language": "fr", "label": "Passer en privé",
          "text": "Bonjour {first_name}, nous sommes désolés pour votre bagage. Écrivez-nous en message privé, "
                  "nous retrouvons votre dossier ensemble. {agent_first_name}"},
         {"key": "baggage-en", "language": "en", "label": "Move to private",
          "text": "Hello {first_name}, we are sorry about your bag. Please send us a private message and we will "
                  "find your file together. {agent_first_name}"}]},
    {"key": "refund", "name": "Remboursement / Refund",
     "triggers": {"keywords": ["remboursement", "rembourser", "refund", "money back", "avoir"]},
     "do": "- Donner le lien du formulaire et le délai habituel (7 jours ouvrés)\n- *EN*: give the form and the usual delay",
     "dont": "- Ne jamais demander de coordonnées bancaires, ni en public ni en privé\n"
             "- *EN*: never ask for bank details, public or private",
     "escalation": "Remboursement en attente depuis plus de 30 jours : responsable de service.",
     "sources": [REFUNDS],
     "templates": [
         {"key": "refund-fr", "language": "fr", "label": "Formulaire de remboursement",
          "text": "Bonjour {first_name}, votre demande de remboursement se fait ici : {info_url}. Le délai habituel "
                  "est de 7 jours ouvrés. {agent_first_name}"},
         {"key": "refund-en", "language": "en", "label": "Refund form",
          "text": "Hello {first_name}, you can request your refund here: {info_url}. It usually takes 7 working "
                  "days. {agent_first_name}"}]},
    {"key": "outage", "name": "Panne site ou appli / Website or app outage",
     "triggers": {"keywords": ["panne", "bug", "appli", "site", "outage", "down", "app", "crash"]},
     "do": "- Dire publiquement que le problème est **pris en charge**\n- Renvoyer vers la page d'information\n"
           "- *EN*: say publicly that it is being handled",
     "dont": "- Ne pas donner de délai de rétablissement non confirmé\n- *EN*: no unconfirmed fix time",
     "escalation": "Plus de 20 mentions en 15 minutes : alerter l'astreinte.",
     "sources": [INCIDENT],
     "templates": [
         {"key": "outage-fr", "language": "fr", "label": "Incident pris en charge",
          "text": "Bonjour {first_name}, nos équipes sont sur l'incident en ce moment. Les mises à jour sont ici : "
                  "{info_url}. Merci de votre patience."},
         {"key": "outage-en", "language": "en", "label": "Incident being handled",
          "text": "Hello {first_name}, our teams are working on the incident right now. Updates are here: "
                  "{info_url}. Thank you for your patience."}]},
    {"key": "crisis", "name": "Crise : message d'attente / Crisis holding line", "crisis": True,
     "triggers": {"keywords": ["accident", "urgence", "sécurité", "emergency", "safety", "incident grave"]},
     "do": "- Utiliser **uniquement** le message d'attente validé\n- *EN*: use only the approved holding line",
     "dont": "- Aucune spéculation, aucun chiffre non officiel\n- *EN*: no speculation, no unofficial figures",
     "escalation": "Toute mention liée à la sécurité : cellule de crise immédiatement.",
     "sources": [INCIDENT],
     "templates": [
         {"key": "crisis-fr", "language": "fr", "label": "Message d'attente",
          "text": "Nous sommes informés de la situation et mobilisés. Les informations officielles sont publiées ici "
                  ": {info_url}."},
         {"key": "crisis-en", "language": "en", "label": "Holding line",
          "text": "We are aware of the situation and fully mobilised. Official information is published here: "
                  "{info_url}."}]},
]}

PENDING_REPLIES = [
    "Bonjour, on comprend votre colère, on regarde ce qui s'est passé avec votre vol et on revient vers vous.",
    "Désolés pour l'attente ! Un geste commercial est envisageable, on en parle très vite.",
    "Hello, we totally get it, this should not have happened. We are checking with the airport team now.",
]


@transaction.atomic
def seed(people: DemoPeople) -> None:
    organization = people.organization
    if Guide.objects.for_organization(organization).filter(name=GUIDE_NAME).exists():
        return
    admin, lead = people.users["admin"], people.users["lead"]
    guide = services.guide_create(organization=organization, actor=admin, name=GUIDE_NAME,
                                  description="Retards, bagages, remboursements, panne, crise — FR / EN",
                                  content=CONTENT)
    version = guide.versions.get()
    services.guide_version_submit(version=version, actor=admin)
    services.guide_version_publish(version=version, actor=lead)
    services.built_in_rule_set(organization=organization, actor=admin, code="personal_data_shared",
                               options={"allowed": ["3654", "aide@airdemo.example"]})
    rule = services.perimeter_rule_save(
        organization=organization, name="Nouveaux agents : réponses libres sensibles → responsable",
        outcome=Outcome.APPROVAL, approver_role=Role.LEAD,
        conditions={"free_text": True, "visibility": "public", "priority_at_least": 2, "author_roles": ["agent"],
                    "author_days_at_most": 90})
    _pending(people, rule)


def _pending(people: DemoPeople, rule: PerimeterRule) -> None:
    """A few replies from the new agent already waiting in the lead's queue."""
    filters = inbox_selectors.ConversationFilters(sort="sla")
    conversations = [c for c in inbox_selectors.conversation_list(organization=people.organization, filters=filters)
                     .select_related("channel")[:20] if not c.is_private and c.channel.platform != "web"][:3]
    for conversation, text in zip(conversations, PENDING_REPLIES, strict=False):
        if ReplyApproval.objects.for_organization(people.organization).filter(conversation=conversation).exists():
            continue
        services.approval_request(
            organization_id=people.organization.pk, conversation_id=conversation.pk,
            channel_id=conversation.channel_id, author_id=people.users["agent"].pk, text=text, is_private=False,
            confirm_other_channel=False, rule=_as_rule(rule), findings=[], override_reason="", guide_version=None,
            template_key="")


def _as_rule(rule: PerimeterRule):
    from .perimeter import Rule

    return Rule(id=rule.pk, name=rule.name, conditions=rule.conditions, outcome=rule.outcome,
                approver_role=rule.approver_role)

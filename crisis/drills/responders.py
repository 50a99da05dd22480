"""The drill's people, scripted: they acknowledge, declare, draft, approve, publish and answer.

Each acts through the product's own services, at a delay drawn (seeded) from what people take at
2 a.m.: the person paged acknowledges 2 to 4 minutes later, declares 3 to 5 minutes after that
from the alert, the community lead drafts the holding statements from the guide's crisis templates
a minute or so later, two approvers (and an executive from severity 3) approve within minutes, the
lead publishes. Then the statement answers the crisis's mentions (cluster replies) while the desk
answers the rest one by one, at a person's pace.

The first part of this module is the one adapter to the statements and clusters services (agreed
names, written in parallel): if a signature moves, it is fixed here and nowhere else.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from inbox import selectors as inbox_selectors
from inbox.reply_guard import HeldReply
from inbox.services import reply_compose
from playbooks import selectors as playbook_selectors

from .. import selectors
from ..models import (
    EXECUTIVE_SIGN_OFF_FROM,
    Alert,
    AlertStatus,
    CellRole,
    Crisis,
    EscalationStepRun,
)
from ..services import alerts as alert_services
from ..services import cell, clusters, statements
from .desk import Desk
from .scenario import Scenario
from .timing import spent

# --- the statements and clusters services, as the drill's people use them --------------------------


def statement_draft(*, crisis: Crisis, author, text: str, channel_ids: list[int], template_name: str,
                    now: datetime) -> Any:
    """Draft a statement from the guide's template and submit it for approval."""
    statement = statements.statement_draft(crisis=crisis, actor=author, text=text, channel_ids=channel_ids,
                                           template_name=template_name, now=now)
    statements.statement_submit(statement=statement, actor=author, now=now)
    return statement


def statement_approve(*, statement: Any, approver, now: datetime) -> None:
    statements.statement_approve(statement=statement, actor=approver, now=now)


def _in_review(statement: Any) -> bool:
    from ..models import StatementStatus

    statement.refresh_from_db(fields=["status"])
    return statement.status == StatementStatus.IN_REVIEW


def statement_publish(*, statement: Any, publisher, now: datetime) -> None:
    statements.statement_publish(statement=statement, actor=publisher, now=now)


def cluster_replies_step(*, crisis: Crisis, actor, texts: dict[str, str], answered: dict[int, int],
                         now: datetime) -> set[int]:
    """Answer every cluster's people not answered yet with the statement, then send what is due at the
    platforms' pace. `answered` remembers each cluster's size when it was last answered: a cluster is
    answered again only when people joined it since. Returns the conversations the cluster replies
    hold (answered or on their way)."""
    for cluster in selectors.crisis_clusters(crisis=crisis):
        if answered.get(cluster.pk) == cluster.count:
            continue
        answered[cluster.pk] = cluster.count
        try:
            clusters.cluster_reply_start(cluster=cluster, actor=actor, now=now,
                                         text=texts.get(getattr(cluster, "language", "") or "fr", texts["fr"]))
        except ValidationError:
            continue  # everyone in it is answered already, or on their way
    clusters.cluster_replies_advance(now=now, organization_id=crisis.organization_id)
    return selectors.conversations_in_cluster_replies(crisis=crisis)


# --- the script ---------------------------------------------------------------------------------

ACK_AFTER = (120, 240)  # seconds after the page
DECLARE_AFTER = (180, 300)  # after the acknowledgment
JOIN_AFTER = (60, 240)  # cell members open the room after the declaration
DRAFT_AFTER = (60, 90)  # the community lead's draft, from the guide's template
APPROVE_AFTER = (45, 120)  # each approver, after submission
PUBLISH_AFTER = 15  # the lead publishes once the last approval is in
# Cluster replies' pace when the statement answers one conversation at a time (the exactly-once
# send, paced below the platforms' anti-spam limits): per minute.
STATEMENT_REPLIES_PER_MINUTE = 60


@dataclass
class Waiting:
    conversation: Any  # inbox Conversation, as the inbox's selectors return it
    in_scope: bool


@dataclass(order=True)
class _Action:
    at: datetime
    order: int
    label: str = field(compare=False)
    run: Callable[[datetime], None] = field(compare=False)


@dataclass
class Log:
    """What the responders did, for the progress lines and the report."""

    lines: list[tuple[datetime, str]] = field(default_factory=list)
    replies_sent: int = 0
    replies_refused: int = 0
    refusals: Counter = field(default_factory=Counter)  # why, in the guides' or the inbox's words


class Responders:
    def __init__(self, *, desk: Desk, scenario: Scenario, storm_start: datetime,
                 say: Callable[[datetime, str], None]) -> None:
        self.desk, self.scenario, self.storm_start = desk, scenario, storm_start
        self.people = desk.people
        self.rng = random.Random(scenario.seed + 1)
        self.say = say
        self.log = Log()
        self._actions: list[_Action] = []
        self._order = 0
        self.acknowledging: set[int] = set()
        self.crisis: Crisis | None = None
        self.declaring = False
        self.statements: dict[str, Any] = {}
        self.statement_texts: dict[str, str] = {}
        self.published = False
        self.clusters_answered: dict[int, int] = {}
        self.watermark = 0
        self.in_scope: deque[Waiting] = deque()
        self.other: deque[Waiting] = deque()
        self.desk_credit = 0.0
        self.statement_credit = 0.0

    # scheduling

    def later(self, at: datetime, label: str, run: Callable[[datetime], None]) -> None:
        self._order += 1
        heapq.heappush(self._actions, _Action(at, self._order, label, run))

    def delay(self, bounds: tuple[int, int]) -> timedelta:
        return timedelta(seconds=self.rng.randint(*bounds))

    def next_action_at(self) -> datetime | None:
        return self._actions[0].at if self._actions else None

    def run_due(self, now: datetime) -> None:
        """The people's actions due by `now` (the runner moves the clock to each one's time first)."""
        while self._actions and self._actions[0].at <= now:
            action = heapq.heappop(self._actions)
            action.run(now)

    def step(self, now: datetime, *, tick: timedelta) -> None:
        self.run_due(now)
        with spent("people: pages"):
            self._notice_pages()
        with spent("people: new conversations"):
            self._notice_conversations()
        with spent("people: replies"):
            self._answer(now, tick)

    # on call

    def _notice_pages(self) -> None:
        """Each page (an escalation step that reached someone) is acknowledged by its first target."""
        runs = (EscalationStepRun.objects.for_organization(self.desk.organization)
                .filter(alert__status=AlertStatus.TRIGGERED).exclude(alert_id__in=self.acknowledging)
                .exclude(targets=[]).select_related("alert").order_by("ran_at", "pk"))
        for run in runs:
            if run.alert_id in self.acknowledging:
                continue
            self.acknowledging.add(run.alert_id)
            person = self._user(run.targets[0])
            self.later(run.ran_at + self.delay(ACK_AFTER), f"ack {run.alert_id}",
                       lambda at, alert=run.alert, person=person: self._acknowledge(alert, person, at))

    def _user(self, user_id: int):
        return next(user for user in self.people.values() if user.pk == user_id)

    def _acknowledge(self, alert: Alert, person, at: datetime) -> None:
        alert_services.alert_acknowledge(alert=alert, actor=person, via="email")
        self.say(at, f"{person.full_name} acknowledges: {alert.title}")
        if self.crisis is None and not self.declaring:
            self.declaring = True
            self.later(at + self.delay(DECLARE_AFTER), "declare", lambda when: self._declare(person, when))

    def _storm_alert(self) -> Alert | None:
        """The alert to declare from: the first raised (a topic's before the overall one at the same time)."""
        raised = list(Alert.objects.for_organization(self.desk.organization).order_by("triggered_at", "pk"))
        if not raised:
            return None
        first = raised[0].triggered_at
        same_time = [alert for alert in raised if alert.triggered_at == first]
        return next((alert for alert in same_time if (alert.data or {}).get("topic_id")), same_time[0])

    def _declare(self, person, at: datetime) -> None:
        people = self.people
        cell_members = [(people["lead"].pk, CellRole.COMMUNITY_LEAD), (people["executive"].pk, CellRole.EXECUTIVE),
                        (people["legal"].pk, CellRole.LEGAL), (people["pr"].pk, CellRole.PR)]
        cell_members += [(user.pk, CellRole.CUSTOMER_CARE) for key, user in people.items()
                         if key in ("agent", "backup", "agent3") and user.pk != person.pk]
        language = self.desk.organization.language
        self.crisis = cell.crisis_declare(
            organization=self.desk.organization, actor=person, title=self.scenario.title[language],
            severity=self.scenario.severity, cell=cell_members, from_alert=self._storm_alert(), now=at,
            is_drill=True)
        self.say(at, f"{person.full_name} declares the crisis (severity {self.scenario.severity})")
        # From now on the crisis queue's conversations wait for the statement (crisis rules allow
        # nothing else there), the desk takes the rest.
        queue = self._queue_ids()
        everything = [*self.other, *self.in_scope]
        for waiting in everything:
            waiting.in_scope = waiting.conversation.pk in queue
        self.in_scope = deque(w for w in everything if w.in_scope)
        self.other = deque(w for w in everything if not w.in_scope)
        for user_id, _role in cell_members:
            user = self._user(user_id)
            self.later(at + self.delay(JOIN_AFTER), "join",
                       lambda when, user=user: cell.member_join(crisis=self.crisis, user=user, now=when))
        self.later(at + self.delay(DRAFT_AFTER), "draft", self._draft)

    # statements

    def _draft(self, at: datetime) -> None:
        lead = self.people["lead"]
        templates = {t["key"]: t for t in playbook_selectors.all_templates(
            organization=self.desk.organization, values={"info_url": self.scenario.info_url})}
        for language in ("fr", "en"):
            template = templates[f"crisis-{language}"]
            self.statement_texts[language] = template["filled"]
            self.statements[language] = statement_draft(
                crisis=self.crisis, author=lead, text=template["filled"], channel_ids=[self.desk.channel.pk],
                template_name=template["key"], now=at)
        self.say(at, f"{lead.full_name} drafts the holding statements (fr, en) from the guide and submits them")
        approvers = [self.people["legal"], self.people["pr"]]
        if self.crisis.severity >= EXECUTIVE_SIGN_OFF_FROM:
            approvers.append(self.people["executive"])
        last = at
        for approver in approvers:
            when = at + self.delay(APPROVE_AFTER)
            last = max(last, when)
            self.later(when, "approve", lambda moment, approver=approver: self._approve(approver, moment))
        self.later(last + timedelta(seconds=PUBLISH_AFTER), "publish", self._publish)

    def _approve(self, approver, at: datetime) -> None:
        waiting = [s for s in self.statements.values() if _in_review(s)]
        for statement in waiting:
            statement_approve(statement=statement, approver=approver, now=at)
        if waiting:  # the approvals already in were enough: nothing left to approve
            self.say(at, f"{approver.full_name} approves the statements")

    def _publish(self, at: datetime) -> None:
        lead = self.people["lead"]
        for language in self.statement_texts:
            statement_publish(statement=self.statements[language], publisher=lead, now=at)
        self.published = True
        self.say(at, f"{lead.full_name} publishes the holding statements")

    # answering

    def _notice_conversations(self) -> None:
        """New conversations, newest first down to the last one seen, queued oldest first."""
        filters = inbox_selectors.ConversationFilters.from_params({"status": "all", "sort": "created"})
        listing = inbox_selectors.conversation_list(organization=self.desk.organization, filters=filters)
        fresh: list = []
        page = 200
        while True:  # a page at a time: the list grows to thousands, the new ones are at its top
            rows = list(listing[len(fresh):len(fresh) + page])
            newer = [conversation for conversation in rows if conversation.pk > self.watermark]
            fresh += newer
            if len(newer) < len(rows) or len(rows) < page:
                break
        if fresh:
            self.watermark = fresh[0].pk
        queue = self._queue_ids() if fresh and self.crisis is not None else set()
        for conversation in reversed(fresh):
            waiting = Waiting(conversation, in_scope=conversation.pk in queue)
            (self.in_scope if waiting.in_scope else self.other).append(waiting)

    def _queue_ids(self) -> set[int]:
        """The conversations crisis mode put in the crisis queue (its scope, as the product decides it)."""
        if self.crisis is None:
            return set()
        return set(selectors.crisis_queue(crisis=self.crisis).values_list("pk", flat=True))

    def _reply(self, waiting: Waiting, author, text: str) -> None:
        try:
            outcome = reply_compose(conversation=waiting.conversation, author=author, text=text)
        except ValidationError as error:
            self.log.replies_refused += 1
            self.log.refusals[" ".join(error.messages)[:200]] += 1
            return
        if isinstance(outcome, HeldReply):
            self.log.replies_refused += 1
            self.log.refusals[outcome.message[:200]] += 1
        else:
            self.log.replies_sent += 1

    def _answer(self, now: datetime, tick: timedelta) -> None:
        minutes = tick.total_seconds() / 60
        if self.published:
            lead_agent = self.crisis.declared_by or self.people["agent"]
            # The storm's clusters are answered with the statement, each person once, at the platform's pace.
            in_replies = cluster_replies_step(crisis=self.crisis, actor=lead_agent, texts=self.statement_texts,
                                              answered=self.clusters_answered, now=now)
            self.in_scope = deque(w for w in self.in_scope if w.conversation.pk not in in_replies)
            # Whoever no cluster holds gets the statement from an agent, one by one.
            self.statement_credit += STATEMENT_REPLIES_PER_MINUTE * minutes
            while self.statement_credit >= 1 and self.in_scope:
                waiting = self.in_scope.popleft()
                language = "fr" if waiting.conversation.language == "fr" else "en"
                self._reply(waiting, lead_agent, self.statement_texts[language])
                self.statement_credit -= 1
        # The desk, one by one, oldest first: before a crisis is declared every conversation is the
        # desk's; once it is, the crisis's conversations wait for the statement.
        queue = self.other if self.crisis is not None else self._oldest_first()
        agents = [user for key, user in self.people.items() if key in ("agent", "backup", "agent3")]
        # At 2 a.m. the desk is the person on call; the declaration wakes the cell's customer care up.
        staff = self.scenario.desk["agents_in_crisis" if self.crisis is not None else "agents"]
        self.desk_credit += staff * self.scenario.desk["replies_per_agent_minute"] * minutes
        while self.desk_credit >= 1 and queue:
            waiting = queue.popleft()
            language = "fr" if waiting.conversation.language == "fr" else "en"
            self._reply(waiting, agents[self.log.replies_sent % len(agents)], self.scenario.answer[language])
            self.desk_credit -= 1
        if not queue:
            self.desk_credit = min(self.desk_credit, 1.0)  # idle time is not saved up

    def _oldest_first(self) -> deque[Waiting]:
        """Before the declaration: one queue of everything, oldest first."""
        if self.in_scope:
            merged = sorted([*self.in_scope, *self.other], key=lambda w: (w.conversation.created_at, w.conversation.pk))
            self.in_scope.clear()
            self.other = deque(merged)
        return self.other

    # the end

    def close(self, at: datetime) -> None:
        """The crisis lead closes the crisis; every alert still open is resolved."""
        lead = self.crisis.declared_by if self.crisis else self.people["lead"]
        if self.crisis is not None:
            cell.crisis_close(crisis=self.crisis, actor=lead, now=at,
                              summary=f"Drill {self.scenario.name} finished ({slugify(self.desk.organization.name)}).")
            self.say(at, f"{lead.full_name} closes the crisis")
        for alert in Alert.objects.for_organization(self.desk.organization).exclude(status=AlertStatus.RESOLVED):
            alert_services.alert_resolve(alert=alert, actor=lead, note="Drill over")

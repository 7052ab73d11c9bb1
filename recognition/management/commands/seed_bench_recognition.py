"""Points, reputation, badges, staff roles and super users for the `seed_bench` community.

`seed_bench` writes votes and accepted answers with bulk_create, so none of
the events that earn points ran. This command derives the ledger those events
would have written: a helpful vote on a reply or an opening post, a vote on
an idea, an accepted answer (to the answerer and to the asker who accepted
it) and a shipped idea, with the points of settings.RECOGNITION_POINTS, the
same exclusions as recognition.receivers (votes by members at trust level 0
earn nothing, nobody earns from their own action) and the daily caps of
recognition.ledger. The entries' times are the community's two years pressed
into the last year before the command runs, in the same order, so the
week's and month's leaderboards and the profile's chart have lines to show.

Then reputation is set to each member's ledger sum (recognition.ledger's
recount), the badges recognition.criteria says the members have earned are
awarded, the bench's staff get roles for the team page, and the members past
the super-user threshold become super users (with a few nominated when too
few are, as at a small scale).

Seeded history is not news: rows are bulk-inserted without publishing
events, so nobody is notified of two years of badges, as `seed_bench`'s
votes notify nobody. Running it again when the bench's ledger exists does
nothing; `--remove` takes it all away again (the ledger's rows as deleting
an account does, naming their members to the append-only trigger), which
`seed_bench --force` needs first on PostgreSQL.
"""

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from community.management.commands.seed_bench import CATEGORY_PREFIX, END, SPAN, USERNAME_PREFIX
from community.models import HelpfulVote, IdeaVote, StatusChange, Thread
from recognition import awarding, criteria
from recognition.ledger import CAPPED, day_start, points_for, recount_reputation
from recognition.models import Award, PointsEntry, SuperUserChange

Reason = PointsEntry.Reason
Source = PointsEntry.Source

# Every event id this command writes starts with it: how a rerun knows the work is done.
EVENT_PREFIX = "bench-"
BATCH = 5_000
# At least this many super users, nominated by staff when reputation alone makes fewer.
SUPER_USERS_AT_LEAST = 5
STAFF_ROLES = [
    ("Community manager", "Keeps the community friendly and answers questions about the forum itself."),
    ("Support engineer", "Hubs, bridges and connectivity: the problems that need logs."),
    ("Product manager", "Reads every idea and updates its status when the roadmap moves."),
    ("Firmware engineer", "Explains what each firmware release changes, and why."),
    ("Support engineer", "Lights, scenes and schedules."),
    ("Developer advocate", "The API, integrations and automations."),
]


@dataclass(frozen=True)
class Line:
    """A ledger entry before the caps: who earns, for what, from whom, and when."""

    member_id: int
    reason: str
    source_type: str
    source_id: int
    actor_id: int | None
    category_id: int
    event_id: str
    at: datetime


class Command(BaseCommand):
    help = "Derive the points ledger, reputation, badges, staff roles and super users for `seed_bench`'s data."

    def add_arguments(self, parser):
        parser.add_argument(
            "--remove", action="store_true", help="Remove what this command added (before `seed_bench --force`)."
        )

    def handle(self, *args, remove=False, **options):
        started = time.monotonic()
        if remove:
            self._remove()
            self._say("the benchmark's recognition data is removed", started)
            return
        if not Thread.objects.filter(category__slug__startswith=CATEGORY_PREFIX).exists():
            self.stdout.write("No benchmark data: run seed_bench first.")
            return
        if PointsEntry.objects.filter(source_event_id__startswith=EVENT_PREFIX).exists():
            self.stdout.write("The benchmark's recognition data is already present; nothing to do.")
            return
        now = timezone.now()
        members = dict(
            User.objects.filter(username__regex=rf"^{USERNAME_PREFIX}[0-9]{{4,}}$").values_list("pk", "trust_level")
        )
        with transaction.atomic():
            lines = self._lines(members, now)
            self._say(f"{len(lines):,} ledger lines derived", started)
            written = self._write(lines)
            self._say(f"{written:,} ledger entries written", started)
            corrected = recount_reputation()
            self._say(f"reputation set for {corrected:,} members", started)
            awards = self._badges(list(members), now)
            self._say(f"{awards:,} badges awarded", started)
            staff = self._staff()
            supers = self._super_users(list(members), now)
            self._say(f"{staff} staff given roles, {supers} super users", started)
        self.stdout.write(
            self.style.SUCCESS(f"Benchmark recognition data ready in {time.monotonic() - started:.0f}s.")
        )

    def _say(self, what, started):
        self.stdout.write(f"  {time.monotonic() - started:6.1f}s  {what}")

    def _remove(self):
        members = list(
            User.objects.filter(username__regex=rf"^{USERNAME_PREFIX}[0-9]{{4,}}$")
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        with transaction.atomic():
            # A chunk at a time: the trigger reads the named members for every row it is asked to delete.
            for start in range(0, len(members), 100):
                chunk = members[start : start + 100]
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute(
                            "SELECT set_config('recognition.erasing_members', %s, true)", [",".join(map(str, chunk))]
                        )
                # Reversals first: an entry that a reversal names cannot go before it.
                for reversals in (True, False):
                    rows = PointsEntry.objects.filter(member_id__in=chunk, reverses__isnull=not reversals)
                    rows._raw_delete(rows.db)
            Award.objects.filter(member_id__in=members).delete()
            SuperUserChange.objects.filter(member_id__in=members).delete()
            User.objects.filter(pk__in=members).update(reputation=0, super_user="", staff_role="", team_focus="")

    # The ledger ------------------------------------------------------------------

    def _lines(self, members: dict[int, int], now: datetime) -> list[Line]:
        def when(moment: datetime) -> datetime:
            # The seed's two years, ending at END, become the year ending now.
            return now - min(max((END - moment) / (SPAN / timedelta(days=365)), timedelta(0)), timedelta(days=365))

        def counts(voter_id: int) -> bool:
            # recognition.ledger.vote_counts: bench members are active and never suspended.
            return members.get(voter_id, 0) > User.TrustLevel.NEW

        bench = {"thread__category__slug__startswith": CATEGORY_PREFIX, "thread__is_deleted": False}
        lines = []
        votes = HelpfulVote.objects.filter(
            **{f"post__{key}": value for key, value in bench.items()}, post__is_deleted=False
        ).values_list(
            "pk",
            "voter_id",
            "post_id",
            "post__author_id",
            "post__parent_id",
            "post__thread__category_id",
            "created_at",
        )
        for pk, voter, post, author, parent, category, at in votes.order_by().iterator(chunk_size=BATCH):
            if voter != author and counts(voter):
                reason = Reason.HELPFUL_QUESTION if parent is None else Reason.HELPFUL_ANSWER
                event = f"{EVENT_PREFIX}hv-{pk}"
                lines.append(Line(author, reason, Source.POST, post, voter, category, event, when(at)))

        ideas = IdeaVote.objects.filter(**bench).values_list(
            "pk", "voter_id", "thread_id", "thread__author_id", "thread__category_id", "created_at"
        )
        for pk, voter, thread, author, category, at in ideas.order_by().iterator(chunk_size=BATCH):
            if voter != author and counts(voter):
                event = f"{EVENT_PREFIX}iv-{pk}"
                lines.append(Line(author, Reason.IDEA_VOTE, Source.THREAD, thread, voter, category, event, when(at)))

        accepted = Thread.objects.filter(
            category__slug__startswith=CATEGORY_PREFIX, is_deleted=False, accepted_answer__is_deleted=False
        ).values_list(
            "pk", "author_id", "category_id", "accepted_answer_id", "accepted_answer__author_id", "created_at"
        )
        for pk, asker, category, answer, answerer, created in accepted.order_by().iterator(chunk_size=BATCH):
            if answerer == asker:
                continue  # receivers.answer_accepted: an asker's own answer earns nothing
            # Accepted two days after the question, as a patient asker would.
            at, event = when(created + timedelta(days=2)), f"{EVENT_PREFIX}aa-{pk}"
            lines.append(Line(answerer, Reason.ANSWER_ACCEPTED, Source.POST, answer, asker, category, event, at))
            lines.append(Line(asker, Reason.ACCEPTED_AN_ANSWER, Source.POST, answer, asker, category, event, at))

        shipped = StatusChange.objects.filter(
            **bench, field=StatusChange.Field.IDEA, new_status=Thread.IdeaStatus.SHIPPED
        ).values_list("pk", "thread_id", "thread__author_id", "thread__category_id", "actor_id", "created_at")
        for pk, thread, author, category, actor, at in shipped.order_by().iterator(chunk_size=BATCH):
            if actor != author:
                event = f"{EVENT_PREFIX}is-{pk}"
                lines.append(
                    Line(author, Reason.IDEA_SHIPPED, Source.THREAD, thread, actor, category, event, when(at))
                )
        return lines

    def _write(self, lines: list[Line]) -> int:
        """Insert the lines in time order, each vote cut to what the daily caps leave, as ledger.earn does."""
        lines.sort(key=lambda line: (line.at, line.event_id, line.reason))
        day_total: dict[tuple[int, object], int] = defaultdict(int)
        from_actor: dict[tuple[int, int | None, object], int] = defaultdict(int)
        rows, written = [], 0
        for line in lines:
            amount = points_for(line.reason)
            if line.reason in CAPPED:
                day = day_start(line.at)
                left = min(
                    settings.RECOGNITION_DAILY_CAP - day_total[line.member_id, day],
                    settings.RECOGNITION_DAILY_CAP_PER_MEMBER - from_actor[line.member_id, line.actor_id, day],
                )
                amount = max(0, min(amount, left))
                day_total[line.member_id, day] += amount
                from_actor[line.member_id, line.actor_id, day] += amount
            rows.append(
                PointsEntry(
                    member_id=line.member_id,
                    amount=amount,
                    reason=line.reason,
                    source_type=line.source_type,
                    source_id=line.source_id,
                    actor_id=line.actor_id,
                    category_id=line.category_id,
                    source_event_id=line.event_id,
                    created_at=line.at,
                )
            )
            if len(rows) >= BATCH:
                written += len(PointsEntry.objects.bulk_create(rows))
                rows.clear()
        written += len(PointsEntry.objects.bulk_create(rows))
        return written

    # Badges, staff and super users -----------------------------------------------------

    def _badges(self, member_ids: list[int], now: datetime) -> int:
        """What awarding.backfill would award (the same criteria and keys), inserted without its events."""
        active = list(User.objects.filter(pk__in=member_ids, is_active=True).values_list("pk", flat=True))
        awards = {}
        for start in range(0, len(active), awarding.CHUNK_SIZE):
            chunk = active[start : start + awarding.CHUNK_SIZE]
            for slug in awarding.automatic():
                for member_id, category_id in criteria.BY_BADGE[slug].holders(chunk):
                    key = awarding.award_key(slug, member_id, category_id)
                    awards[key] = Award(
                        key=key, badge=slug, member_id=member_id, category_id=category_id, awarded_at=now
                    )
        held = set(Award.objects.filter(key__in=list(awards)).values_list("key", flat=True))
        new = [award for key, award in awards.items() if key not in held]
        Award.objects.bulk_create(new, batch_size=BATCH)
        return len(new)

    def _staff(self) -> int:
        staff = list(
            User.objects.filter(username__regex=rf"^{USERNAME_PREFIX}[0-9]{{4,}}$", is_staff_member=True).order_by(
                "pk"
            )
        )
        for n, member in enumerate(staff):
            member.staff_role, member.team_focus = STAFF_ROLES[n % len(STAFF_ROLES)]
        User.objects.bulk_update(staff, ["staff_role", "team_focus"], batch_size=BATCH)
        return len(staff)

    def _super_users(self, member_ids: list[int], now: datetime) -> int:
        """Earned past the threshold, as standing.reputation_moved decides; topped up by nominations."""
        candidates = list(
            User.objects.filter(pk__in=member_ids, is_active=True, is_staff_member=False, super_user="")
            .order_by("-reputation", "pk")
            .values_list("pk", "reputation")
        )
        threshold = settings.RECOGNITION_SUPER_USER_REPUTATION
        earned = [pk for pk, reputation in candidates if reputation >= threshold]
        nominated = [pk for pk, reputation in candidates if 0 < reputation < threshold]
        nominated = nominated[: max(0, SUPER_USERS_AT_LEAST - len(earned))]
        decider = User.objects.filter(pk__in=member_ids, is_staff_member=True).order_by("pk").first()
        changes = []
        for status, ids, note in (
            (User.SuperUser.EARNED, earned, f"Reached {threshold:,} reputation."),
            (User.SuperUser.NOMINATED, nominated, "Nominated for the benchmark's community."),
        ):
            User.objects.filter(pk__in=ids).update(super_user=status)
            decided_by = decider if status == User.SuperUser.NOMINATED else None
            changes += [
                SuperUserChange(member_id=pk, status=status, decided_by=decided_by, note=note, created_at=now)
                for pk in ids
            ]
        SuperUserChange.objects.bulk_create(changes, batch_size=BATCH)
        return len(changes)

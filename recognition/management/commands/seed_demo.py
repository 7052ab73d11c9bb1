from datetime import datetime, timedelta
from functools import partial
from typing import cast

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.services import update_profile
from community.counters import recount
from community.models import Category, Thread
from community.services import posts, threads, votes
from moderation.management.commands import seed_demo
from recognition import awarding
from recognition.management.commands import _demo_avatar as avatar
from recognition.management.commands import _demo_history as history
from recognition.management.commands._demo_clock import clock_at
from recognition.models import Award
from recognition.selectors import period_start
from recognition.services.badges import give_badge
from recognition.services.super_users import nominate_super_user

# Days ago that the team's own decisions were taken, between the conversations.
NOMINATED_DAYS_AGO = 9
THANKED_DAYS_AGO = 6


class Command(seed_demo.Command):
    """Moderation's demo data, plus six weeks of questions answered, voted on and accepted before today.

    Every point, rank and badge comes from the real services (ledger, awarding,
    staff's badge and nomination), run with the clock set to the day each
    thing happened, so the week's, month's and all-time leaderboards differ and
    the profiles' charts have a curve. A conversation already there is left as
    it is, and the team's decisions are made once, so running it again adds nothing.
    """

    def handle(self, *args, **options):
        with transaction.atomic():
            super().handle(*args, **options)
            # Demo data is written in a burst that the posting limits exist to stop.
            with override_settings(MODERATION_RATE_LIMITS={}, MODERATION_DUPLICATE_SECONDS=0):
                self._team()
                self._history(timezone.now())
                # The past was written after today's conversations, so the categories' last activity
                # went back in time with it; their source rows know the true one.
                recount()
                # What the conversations above and the community's own earned, as the sweep would find it.
                awarding.check_badges(User.objects.filter(is_active=True).values_list("pk", flat=True))
        self.stdout.write("  and six weeks of points, badges and ranks, a super user, and the team with their roles.")

    def _team(self):
        for username, name, bio in history.NEW_STAFF:
            self._ensure(
                username,
                f"{username}@example.com",
                None,
                display_name=name,
                bio=bio,
                is_staff_member=True,
                trust_level=User.TrustLevel.MEMBER,
            )
        for username, (role, focus) in history.STAFF.items():
            member = User.objects.get(username=username)
            picture = None if member.avatar else avatar.portrait(*avatar.LOOKS[username])
            # The profile service publishes a change only when something changed: a rerun is quiet.
            update_profile(
                member,
                display_name=member.display_name,
                bio=member.bio,
                avatar=picture,
                staff_role=role,
                team_focus=focus,
            )

    def _history(self, now: datetime):
        """The conversations and the team's decisions, in the order they happened."""
        for username, days in history.JOINED_DAYS_AGO.items():
            joined = now - timedelta(days=days)
            # Accounts are made today; the members they stand for joined before the history they wrote.
            User.objects.filter(username=username, date_joined__gt=joined).update(date_joined=joined)
        users = {u.username: u for u in User.objects.all()}
        staff, super_user = users["tess"], users[history.SUPER_USER]
        timeline = [
            (now - timedelta(days=NOMINATED_DAYS_AGO, hours=-2), partial(self._nominate, staff, super_user)),
            (now - timedelta(days=THANKED_DAYS_AGO, hours=-3), partial(self._thank, staff, super_user)),
        ]
        for question in history.QUESTIONS:
            if not Thread.objects.filter(title=question[3]).exists():
                begin, end = self._window(question[0], now)
                timeline.append((begin, partial(self._converse, question, begin, end, users)))
        for idea in history.IDEAS:
            if not Thread.objects.filter(title=idea[2]).exists():
                begin, end = self._window(idea[0], now)
                timeline.append((begin, partial(self._suggest, idea, begin, end, users)))
                for days, status, note in idea[5]:
                    step = partial(self._decide_idea, users[history.IDEA_DECIDER], idea[2], status, note)
                    timeline.append((now - timedelta(days=days), step))
        for moment, happen in sorted(timeline, key=lambda item: item[0]):
            with clock_at(moment):
                happen()

    @staticmethod
    def _window(when, now: datetime) -> tuple[datetime, datetime]:
        """The stretch of time one conversation takes place in."""
        week, month = cast(datetime, period_start("week", now)), cast(datetime, period_start("month", now))
        if isinstance(when, int):
            begin = now - timedelta(days=when)
            return begin, begin + timedelta(hours=6)
        if when == history.GAP:
            early, late = sorted((week, month))
            if early == late:  # a Monday the 1st: the two boards open together
                return early - timedelta(hours=18), early - timedelta(hours=6)
            return early + (late - early) / 4, early + (late - early) * 3 / 4
        opened = max(week, month)
        start, stop = (0.2, 0.5) if when == history.RECENT else (0.55, 0.9)
        return opened + (now - opened) * start, opened + (now - opened) * stop

    def _converse(self, question, begin: datetime, end: datetime, users):
        _, category, asker, title, body, answers, accepted, voters = question
        steps = 2 + len(answers) + sum(len(names) for names in voters.values())
        step = (end - begin) / (steps - 1)
        moments = (begin + step * n for n in range(steps))
        with clock_at(next(moments)):
            thread = threads.start_thread(
                users[asker],
                category=Category.objects.get(slug=category),
                kind=Thread.Kind.QUESTION,
                title=title,
                body=body,
            )
        made = {}
        for key, author, text in answers:
            with clock_at(next(moments)):
                made[key] = posts.reply(users[author], parent=thread.opening_post, body=text)
        for key, names in voters.items():
            for name in names:
                with clock_at(next(moments)):
                    votes.mark_helpful(users[name], post=made[key])
        with clock_at(next(moments)):
            posts.accept_answer(users[asker], post=made[accepted])
            # Badges follow each conversation, as the awarding task would after its events.
            involved = {users[asker].pk} | {users[a].pk for _, a, _ in answers}
            involved |= {users[name].pk for names in voters.values() for name in names}
            awarding.check_badges(involved)

    def _suggest(self, idea, begin: datetime, end: datetime, users):
        _, author, title, body, voters, _ = idea
        step = (end - begin) / len(voters)
        with clock_at(begin):
            thread = threads.start_thread(
                users[author],
                category=Category.objects.get(slug="ideas"),
                kind=Thread.Kind.IDEA,
                title=title,
                body=body,
            )
        for n, name in enumerate(voters, start=1):
            with clock_at(begin + step * n):
                votes.vote_idea(users[name], thread=thread)

    @staticmethod
    def _decide_idea(staff: User, title: str, status: str, note: str):
        thread = Thread.objects.get(title=title)
        threads.set_idea_status(staff, thread=thread, status=status, note=note)
        awarding.check_badges([thread.author_id])

    @staticmethod
    def _nominate(staff: User, member: User):
        nominate_super_user(staff, member=member, note=history.NOMINATION_NOTE)

    @staticmethod
    def _thank(staff: User, member: User):
        if not Award.objects.filter(badge="thank-you", member=member, awarded_by=staff).exists():
            give_badge(staff, member=member, badge="thank-you", citation=history.THANK_YOU_CITATION)

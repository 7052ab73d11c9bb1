"""A large, deterministic community for `make bench`.

At full scale: 10 categories, 2,000 members, 20,000 threads of all five kinds
and 200,000 posts, including one hot question with 1,000 nested replies. Rows
are written with bulk_create, not through the services: the services lock and
renumber a tree per reply, which would take hours at this size. The command
therefore computes what the services would have produced itself: explicit
primary keys, one mptt tree per thread (tree_id, lft, rght, level, parent),
each post's `branch`, and then lets `recount()` and `reindex_all()` derive the
counters and search vectors from the rows, as they would after an import.

The same seed and scale always give the same rows. Running it again when the
data exists does nothing; --force removes the bench rows first.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils.text import slugify

from accounts.models import User
from community.counters import recount
from community.models import (
    Category,
    HelpfulVote,
    IdeaVote,
    MeToo,
    Post,
    StatusChange,
    Subscription,
    Tag,
    Thread,
)
from community.rendering import render_markdown
from community.search import reindex_all

BENCH_PASSWORD = "bench-password-123"  # noqa: S105 - benchmark data only
USERNAME_PREFIX = "bench"
CATEGORY_PREFIX = "bench-"
HOT_TITLE = "Hot question: hub keeps dropping offline"
# The member the benchmark signs in as: an ordinary member, not staff.
BENCH_MEMBER = "bench0000"

FULL = {"users": 2_000, "threads": 20_000, "posts": 200_000, "hot_replies": 1_000, "hot_top_level": 60}
HOT_MAX_LEVEL = 8
MAX_LEVEL = 6
BODY_VARIANTS = 50
BATCH = 2_000
# Every timestamp is fixed, so two runs with one seed give identical rows.
END = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SPAN = timedelta(days=730)

CATEGORIES = [
    # slug suffix, name, parent suffix
    ("getting-started", "Getting started", None),
    ("hubs", "Hubs and bridges", None),
    ("hubs-offline", "Connectivity", "hubs"),
    ("lights", "Lights and bulbs", None),
    ("automations", "Automations and scenes", None),
    ("automations-schedules", "Schedules", "automations"),
    ("app", "The Lumen app", None),
    ("integrations", "Integrations and API", None),
    ("ideas", "Ideas and feedback", None),
    ("lounge", "Community lounge", None),
]
TAGS = ["firmware", "zigbee", "wifi", "pairing", "app", "voice", "schedules", "api", "outdoor", "billing"]
KINDS = [("question", 40), ("problem", 20), ("idea", 15), ("praise", 10), ("discussion", 15)]
IDEA_STATUSES = [
    ("new", 40),
    ("under_review", 20),
    ("planned", 15),
    ("in_progress", 10),
    ("shipped", 10),
    ("declined", 5),
]
FIRST_NAMES = [
    "Ada", "Ben", "Chloe", "Dev", "Eva", "Finn", "Grace", "Hugo", "Iris", "Jon", "Kira", "Liam", "Maya", "Noah",
    "Omar", "Pia", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wes", "Xena", "Yara", "Zane",
]  # fmt: skip
LAST_NAMES = [
    "Abara", "Berg", "Costa", "Dubois", "Eriksen", "Fujita", "Garcia", "Hale", "Ivanova", "Jensen", "Kaur",
    "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quiroga", "Rossi", "Schmidt", "Tanaka",
]  # fmt: skip

DEVICES = ["hub", "bridge", "bulb", "light strip", "motion sensor", "dimmer", "smart plug", "outdoor lamp"]
SYMPTOMS = [
    "keeps dropping offline", "won't pair", "flickers at low brightness", "ignores the schedule",
    "loses its scenes after a power cut", "shows up twice in the app", "is slow to respond",
    "stays on after sunrise",
]  # fmt: skip
EVENTS = ["the last firmware update", "moving house", "changing my router", "a power cut", "adding a second hub"]
ACTIONS = ["reset", "rename", "group", "schedule", "update", "move", "share", "back up"]
QUESTION_TITLES = [
    "How do I {action} a {device}?",
    "Can I {action} the {device} from the app?",
    "Best way to {action} several {device}s?",
]
PROBLEM_TITLES = ["My {device} {symptom}", "{device} {symptom} since {event}", "After {event}, the {device} {symptom}"]
IDEA_TITLES = [
    "Let us {action} every {device} at once",
    "Idea: {action} a {device} by voice",
    "Please add a way to {action} the {device}",
]
PRAISE_TITLES = [
    "Thank you for the {device} update!",
    "The new {device} is brilliant",
    "Support sorted my {device} in minutes",
]
DISCUSSION_TITLES = [
    "What does your {device} setup look like?",
    "Share your {device} automations",
    "{device} tips after {event}",
]
TITLES = {
    "question": QUESTION_TITLES,
    "problem": PROBLEM_TITLES,
    "idea": IDEA_TITLES,
    "praise": PRAISE_TITLES,
    "discussion": DISCUSSION_TITLES,
}

OPENERS = [
    "I have had the {device} for about {n} months and until recently it worked without any trouble.",
    "Quick one: my {device} {symptom} and I am running out of ideas.",
    "Following up on this, because I saw the same thing with my {device} after {event}.",
    "Same here. The {device} {symptom}, usually in the evening when the house is busy.",
    "We run {n} of these in a small office and the {device} is the only part that misbehaves.",
]
MIDDLES = [
    "I tried a factory reset, re-added it in the app and checked that the router gives it a fixed address.",
    "The status light blinks twice, then the app says the {device} is unreachable for a minute or so.",
    "Support suggested moving the hub closer to the router, which helped a little but did not fix it.",
    "It happens on both the 2.4 GHz network and the guest network, so I doubt it is the Wi-Fi itself.",
    "Turning off the nightly firmware update made no difference, and neither did swapping the power supply.",
    "Other devices on the same Zigbee channel stay online, so interference seems unlikely to me.",
]
CODE_LINES = [
    "Running `lumen diag --network` on the hub shows {n} dropped heartbeats an hour.",
    "The log line I see is `mesh: neighbour lost, rejoining` every few minutes.",
    "Setting `scene.restore_on_power = true` in the advanced settings fixed it for me.",
    "You can check the version with `lumen --version`; mine reports 4.{n}.2.",
]
LINKS = [
    "The [troubleshooting guide](https://help.example.com/articles/{n}) covers the usual causes.",
    "There is a related thread here: https://community.example.com/t/{n}/ with more logs.",
    "I followed [this article about channels](https://help.example.com/zigbee/{n}) step by step.",
]
CLOSERS = [
    "Has anyone else seen this, and is there a fix that sticks?",
    "Thanks in advance, any pointer is welcome.",
    "Hope this helps someone with the same setup.",
    "I will report back after a week of testing.",
]
STATUS_NOTE = "Thanks for all the votes. The team has looked at this and updated the status; details in the changelog."

HOT_BODY = (
    "Since the update last week my hub drops offline several times a day. The app shows it as **unreachable**, "
    "then it comes back after a few minutes.\n\n"
    "- Router: fixed address for the hub, 2.4 GHz only\n"
    "- Firmware: `4.12.2`, installed automatically\n"
    "- Power: original adapter\n\n"
    "I read https://help.example.com/articles/hub-offline and tried everything there. "
    "Is anyone else seeing this, and is there a fix?"
)


@dataclass
class Plan:
    users: int
    threads: int
    posts: int
    hot_replies: int
    hot_top_level: int

    @classmethod
    def at(cls, scale: float) -> "Plan":
        users = max(20, round(FULL["users"] * scale))
        threads = max(20, round(FULL["threads"] * scale))
        hot = max(30, round(FULL["hot_replies"] * scale))
        posts = max(threads * 3 + hot, round(FULL["posts"] * scale))
        return cls(users, threads, posts, hot, max(5, round(FULL["hot_top_level"] * scale)))


@dataclass
class Buffers:
    """Rows waiting for bulk_create, flushed in foreign-key order."""

    threads: list = field(default_factory=list)
    posts: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    helpful: list = field(default_factory=list)
    idea_votes: list = field(default_factory=list)
    me_toos: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    follows: list = field(default_factory=list)

    def flush(self, force=False):
        for name, model in (
            ("threads", Thread),
            ("posts", Post),
            ("tags", Thread.tags.through),
            ("helpful", HelpfulVote),
            ("idea_votes", IdeaVote),
            ("me_toos", MeToo),
            ("statuses", StatusChange),
            ("follows", Subscription),
        ):
            rows = getattr(self, name)
            if rows and (force or len(rows) >= BATCH):
                model.objects.bulk_create(rows, batch_size=BATCH)
                rows.clear()


def shape(rng: random.Random, replies: int, *, top_level: int | None, max_level: int) -> list[int]:
    """Parents for a thread's posts in creation order: index 0 is the opening post.

    Conversations mix answers to the question with back-and-forth under them:
    a reply answers the question itself, continues the latest post, or answers
    an earlier reply, less often the deeper that reply sits. With `top_level`,
    exactly that many replies answer the question.
    """
    if top_level is not None:
        top_at = {1, *rng.sample(range(2, replies + 1), top_level - 1)}
    parents, levels = [-1], [0]
    for i in range(1, replies + 1):
        is_top = (i in top_at) if top_level is not None else (i == 1 or rng.random() < 0.45)
        parent = 0
        if not is_top:
            for _ in range(4):
                parent = i - 1 if rng.random() < 0.35 else rng.randrange(1, i)
                if levels[parent] < max_level and rng.random() < 0.7 ** (levels[parent] - 1):
                    break
            while levels[parent] >= max_level:
                parent = parents[parent]
        parents.append(parent)
        levels.append(levels[parent] + 1)
    return parents


def nested_set(parents: list[int]) -> list[tuple[int, int, int]]:
    """(lft, rght, level) for each post; children keep creation order, as mptt appends them."""
    children = [[] for _ in parents]
    for i, parent in enumerate(parents[1:], start=1):
        children[parent].append(i)
    bounds = [(0, 0, 0)] * len(parents)
    counter = 0
    stack = [(0, 0, False)]
    lft = {}
    while stack:
        node, level, done = stack.pop()
        counter += 1
        if done:
            bounds[node] = (lft[node], counter, level)
            continue
        lft[node] = counter
        stack.append((node, level, True))
        stack.extend((child, level + 1, False) for child in reversed(children[node]))
    return bounds


def weighted(rng, choices):
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def how_many_votes(rng, cap, boost=1.0):
    """A long-tailed count: most things get a few votes, a handful get hundreds."""
    return min(cap, int((rng.paretovariate(1.6) - 1) * boost))


class Command(BaseCommand):
    help = "Create the large benchmark community used by `make bench` (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Fraction of the full size (1.0 = 200,000 posts)."
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--force", action="store_true", help="Delete the bench rows and build them again.")

    def handle(self, *args, scale, seed, force, **options):
        if scale <= 0 or scale > 1:
            raise CommandError("--scale must be above 0 and at most 1.")
        exists = Category.objects.filter(slug__startswith=CATEGORY_PREFIX).exists()
        if exists and not force:
            self.stdout.write("Benchmark data is already present; nothing to do (use --force to rebuild).")
            return
        plan = Plan.at(scale)
        started = time.monotonic()
        with transaction.atomic():
            if exists:
                self._wipe()
                self._say("removed the old bench rows", started)
            self.rng = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
            self.plan = plan
            self._build(started)
            recount()
            self._say("recounted", started)
            reindex_all()
            self._say("indexed for search", started)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            self._say("vacuumed and analysed", started)
        self.stdout.write(
            self.style.SUCCESS(
                f"Benchmark data ready in {time.monotonic() - started:.0f}s: {plan.users:,} members, "
                f"{plan.threads:,} threads, {plan.posts:,} posts. Sign in as {BENCH_MEMBER}@bench.example "
                f"with {BENCH_PASSWORD}."
            )
        )

    def _say(self, what, started):
        self.stdout.write(f"  {time.monotonic() - started:6.1f}s  {what}")

    # Building ---------------------------------------------------------------

    def _build(self, started):
        rng, plan = self.rng, self.plan
        self.bodies = self._bodies()
        self.categories = self._categories()
        self.hot_category = next(c for c in self.categories if c.slug == f"{CATEGORY_PREFIX}hubs-offline")
        self.tags = [Tag.objects.get_or_create(slug=name, defaults={"name": name})[0] for name in TAGS]
        self._users()
        self._say(f"{plan.users:,} members", started)

        self.next_post = (Post.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_tree = (Post.objects.aggregate(m=Max("tree_id"))["m"] or 0) + 1
        first_thread = (Thread.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.out = Buffers()

        counts = self._reply_counts()
        step = SPAN / plan.threads
        for n, replies in enumerate(counts):
            created = END - SPAN + step * n + timedelta(seconds=rng.randrange(int(step.total_seconds()) or 1))
            kind = "question" if n == 0 else weighted(rng, KINDS)  # thread 0: the 10-reply question
            self._thread(first_thread + n, kind, replies, created)
            self.out.flush()
        hot_created = END - timedelta(days=4)
        self._thread(first_thread + len(counts), "question", plan.hot_replies, hot_created, hot=True)
        self.out.flush(force=True)
        self._pin()
        self._reset_sequences()
        self._say(f"{plan.threads:,} threads and {plan.posts:,} posts", started)

    def _bodies(self):
        """BODY_VARIANTS Markdown bodies of about 500 characters, each rendered once."""
        rng = self.rng
        variants = []
        for _ in range(BODY_VARIANTS):

            def fill(text):
                return text.format(
                    device=rng.choice(DEVICES),
                    symptom=rng.choice(SYMPTOMS),
                    event=rng.choice(EVENTS),
                    n=rng.randrange(2, 9000),
                )

            parts = [fill(rng.choice(OPENERS)), *(fill(s) for s in rng.sample(MIDDLES, 2))]
            first = " ".join(parts)
            second = " ".join([fill(rng.choice(CODE_LINES)), fill(rng.choice(LINKS)), rng.choice(CLOSERS)])
            body = f"{first}\n\n{second}"
            rendered = render_markdown(body)
            variants.append((body, rendered.html, rendered.text))
        return variants

    def _categories(self):
        made = {}
        for position, (suffix, name, parent) in enumerate(CATEGORIES):
            made[suffix] = Category.objects.create(
                slug=f"{CATEGORY_PREFIX}{suffix}",
                name=name,
                description=f"Benchmark category: {name.lower()}.",
                colour=f"#{(0x3B5BDB + position * 0x101010) % 0xFFFFFF:06x}",
                position=100 + position,
                parent=made[parent] if parent else None,
            )
        return list(made.values())

    def _users(self):
        rng, plan = self.rng, self.plan
        password = make_password(BENCH_PASSWORD)  # hashed once: PBKDF2 takes ~0.3 s per call
        first_id = (User.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        staff_from = plan.users - max(2, plan.users // 100)
        joined = END - SPAN - timedelta(days=30)
        users = []
        for n in range(plan.users):
            username = f"{USERNAME_PREFIX}{n:04d}"
            users.append(
                User(
                    id=first_id + n,
                    username=username,
                    email=f"{username}@bench.example",
                    password=password,
                    display_name=f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n // 7) % len(LAST_NAMES)]}",
                    is_staff_member=n >= staff_from,
                    trust_level=0 if n == 0 else rng.choice([0, 1, 1, 2, 2, 2, 3, 4]),
                    date_joined=joined + timedelta(minutes=n * 17),
                )
            )
        users[0].trust_level = User.TrustLevel.BASIC
        User.objects.bulk_create(users, batch_size=BATCH)
        EmailAddress.objects.bulk_create(
            [EmailAddress(user_id=u.id, email=u.email, verified=True, primary=True) for u in users], batch_size=BATCH
        )
        self.user_ids = [u.id for u in users]
        self.staff_ids = [u.id for u in users if u.is_staff_member]
        self.staff = set(self.staff_ids)

    def _reply_counts(self) -> list[int]:
        """Replies per ordinary thread: long-tailed, some unanswered, summing to the planned total."""
        rng, plan = self.rng, self.plan
        ordinary = plan.threads - 1
        replies = plan.posts - plan.threads - plan.hot_replies
        weights = [0.0 if rng.random() < 0.08 else rng.lognormvariate(0, 1.0) for _ in range(ordinary)]
        weights[0] = 0.0
        rest = replies - 10
        total = sum(weights)
        counts = [min(int(rest * w / total), 400) for w in weights]
        counts[0] = 10
        short = replies - sum(counts)
        while short > 0:  # hand out what rounding and the cap left over
            i = rng.randrange(1, ordinary)
            if weights[i] and counts[i] < 400:
                counts[i] += 1
                short -= 1
        return counts

    def _thread(self, pk, kind, replies, created, hot=False):
        rng, out = self.rng, self.out
        tree_id = self.next_tree
        self.next_tree += 1
        first_post = self.next_post
        self.next_post += replies + 1
        parents = shape(
            rng,
            replies,
            top_level=self.plan.hot_top_level if hot else None,
            max_level=HOT_MAX_LEVEL if hot else MAX_LEVEL,
        )
        bounds = nested_set(parents)
        # The hot question is not the bench member's own, so their view of it is a reader's.
        author = self.user_ids[1] if hot else rng.choice(self.user_ids)
        title = HOT_TITLE if hot else self._title(kind)
        # Replies arrive minutes apart on the hot question, hours apart elsewhere,
        # and (almost always) before END.
        gap = 300 if hot else min(14_400, (END - created).total_seconds() / (replies + 1) / 2)
        posts, moment = [], created
        for i, parent in enumerate(parents):
            if i:
                moment += timedelta(seconds=int(rng.expovariate(1 / gap)) + 30)
            lft, rght, level = bounds[i]
            post_author = author if i == 0 else rng.choice(self.user_ids)
            if i == 0 and hot:
                body, (html, text) = HOT_BODY, self.hot_rendering()
            else:
                body, html, text = self.bodies[rng.randrange(BODY_VARIANTS)]
            branch = None
            if level >= 2:
                branch = first_post + parent if bounds[parent][2] == 1 else posts[parent].branch_id
            post = Post(
                id=first_post + i,
                thread_id=pk,
                parent_id=None if i == 0 else first_post + parent,
                branch_id=branch,
                tree_id=tree_id,
                lft=lft,
                rght=rght,
                level=level,
                author_id=post_author,
                body=body,
                body_html=html,
                body_text=text,
                is_official=post_author in self.staff,
                created_at=moment,
            )
            if i and not hot and rng.random() < 0.005:
                post.is_deleted, post.deleted_at, post.deleted_by_id = True, moment, post_author
            posts.append(post)
        live_replies = [p for p in posts[1:] if not p.is_deleted]
        last = live_replies[-1] if live_replies else posts[0]
        category = self.hot_category if hot else rng.choice(self.categories)
        thread = Thread(
            id=pk,
            category=category,
            author_id=author,
            kind=kind,
            title=title,
            slug=slugify(title)[:80].strip("-") or "thread",
            state=Thread.State.OPEN,
            opening_post_id=first_post,
            problem_status="open" if kind == "problem" else "",
            idea_status="new" if kind == "idea" else "",
            is_deleted=not hot and rng.random() < 0.002,
            created_at=created,
            last_activity_at=last.created_at,
            last_poster_id=last.author_id,
        )
        if not hot and rng.random() < 0.04:
            thread.state = rng.choice([Thread.State.CLOSED, Thread.State.CLOSED, Thread.State.LOCKED])
        self._outcome(thread, posts, live_replies)
        self._votes(thread, posts, hot)
        out.threads.append(thread)
        out.posts.extend(posts)
        out.tags.extend(
            Thread.tags.through(thread_id=pk, tag_id=tag.pk) for tag in rng.sample(self.tags, rng.choice([0, 1, 2, 3]))
        )
        out.follows.append(Subscription(user_id=author, thread_id=pk, created_at=created))

    def hot_rendering(self):
        if not hasattr(self, "_hot_rendering"):
            rendered = render_markdown(HOT_BODY)
            self._hot_rendering = rendered.html, rendered.text
        return self._hot_rendering

    def _title(self, kind):
        rng = self.rng
        title = rng.choice(TITLES[kind]).format(
            device=rng.choice(DEVICES),
            symptom=rng.choice(SYMPTOMS),
            event=rng.choice(EVENTS),
            action=rng.choice(ACTIONS),
        )
        return title[0].upper() + title[1:]

    def _outcome(self, thread, posts, live_replies):
        """Accepted answers, solved problems, idea statuses and team verification."""
        rng = self.rng
        answers = [p for p in live_replies if p.level == 1]
        staff_answer = next((p for p in answers if p.is_official), None)
        if thread.kind == "question" and answers and rng.random() < 0.55:
            answer = rng.choice(answers)
            thread.accepted_answer_id = answer.id
            if rng.random() < 0.3:
                answer.is_verified, answer.verified_by_id = True, rng.choice(self.staff_ids)
        elif thread.kind == "problem":
            status = weighted(rng, [("open", 50), ("known_issue", 25), ("solved", 25)])
            if status == "solved" and not answers:
                status = "known_issue"
            if status == "solved":
                solving = staff_answer or rng.choice(answers)
                thread.solving_post_id = solving.id
                solving.is_verified, solving.verified_by_id = True, rng.choice(self.staff_ids)
            self._status(thread, "problem", "open", status)
        elif thread.kind == "idea":
            self._status(thread, "idea", "new", weighted(rng, IDEA_STATUSES))

    def _status(self, thread, name, old, new):
        setattr(thread, f"{name}_status", new)
        if new == old:
            return
        if not hasattr(self, "_note_html"):
            self._note_html = render_markdown(STATUS_NOTE).html
        self.out.statuses.append(
            StatusChange(
                thread_id=thread.id,
                field=name,
                old_status=old,
                new_status=new,
                note=STATUS_NOTE,
                note_html=self._note_html,
                actor_id=self.rng.choice(self.staff_ids),
                created_at=thread.created_at + timedelta(days=2),
            )
        )

    def _voters(self, count, exclude):
        return [u for u in self.rng.sample(self.user_ids, min(count + 1, len(self.user_ids))) if u != exclude][:count]

    def _votes(self, thread, posts, hot):
        rng, out = self.rng, self.out
        cap = len(self.user_ids) - 1
        for post in posts[1:]:
            if post.is_deleted:
                continue
            boost = 8 if post.id in (thread.accepted_answer_id, thread.solving_post_id) else (3 if hot else 0.5)
            for voter in self._voters(how_many_votes(rng, min(cap, 60), boost), post.author_id):
                out.helpful.append(
                    HelpfulVote(post_id=post.id, thread_id=thread.id, voter_id=voter, created_at=post.created_at)
                )
        if thread.kind == "idea":
            for voter in self._voters(how_many_votes(rng, min(cap, 400), 10), thread.author_id):
                out.idea_votes.append(IdeaVote(thread_id=thread.id, voter_id=voter, created_at=thread.created_at))
        elif thread.kind == "problem":
            for member in self._voters(how_many_votes(rng, min(cap, 150), 6), thread.author_id):
                out.me_toos.append(MeToo(thread_id=thread.id, member_id=member, created_at=thread.created_at))

    def _pin(self):
        """Two pinned threads per category, as moderators would keep."""
        for category in self.categories:
            pks = list(
                Thread.objects.filter(category=category, is_deleted=False)
                .order_by("created_at")
                .values_list("pk", flat=True)[:2]
            )
            Thread.objects.filter(pk__in=pks).update(is_pinned=True)

    def _reset_sequences(self):
        """Rows were given explicit keys, so move PostgreSQL's sequences past them."""
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [User, Thread, Post]):
                cursor.execute(sql)

    # Removing -----------------------------------------------------------------

    def _wipe(self):
        """Delete every bench row and whatever points at it, table by table.

        The ORM's delete() cannot remove a thread's posts (a parent post protects
        its replies) and would load 200,000 rows to try, so this deletes with one
        statement per table. Foreign keys are checked at commit, when all is gone.
        """
        threads = Thread.objects.filter(category__slug__startswith=CATEGORY_PREFIX)
        targets = {
            Post: Post.objects.filter(thread__in=threads),
            Thread: threads,
            User: User.objects.filter(username__regex=rf"^{USERNAME_PREFIX}[0-9]{{4,}}$"),
            Category: Category.objects.filter(slug__startswith=CATEGORY_PREFIX),
        }
        for model in apps.get_models(include_auto_created=True):
            if model in targets:
                continue
            for fk in model._meta.concrete_fields:
                if (fk.many_to_one or fk.one_to_one) and fk.related_model in targets:
                    rows = model._base_manager.filter(**{f"{fk.name}__in": targets[fk.related_model].values("pk")})
                    rows._raw_delete(rows.db)
        Thread.objects.filter(pk__in=threads.values("pk")).update(
            opening_post=None, accepted_answer=None, solving_post=None
        )
        for model in (Post, Thread, User, Category):
            rows = model._base_manager.filter(pk__in=targets[model].values("pk"))
            rows._raw_delete(rows.db)

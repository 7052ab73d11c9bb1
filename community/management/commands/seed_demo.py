from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import create_member
from community.management.commands import _demo_content as demo
from community.models import Category, Tag, Thread
from community.services import posts, threads, votes

# The README prints these; they exist only in demo data.
DEMO_ACCOUNTS = [
    {
        "role": "member",
        "username": "maria",
        "email": "maria@example.com",
        "password": "lumen-member-demo",
        "display_name": "Maria Lopez",
        "bio": "Runs a small bakery with Lumen lights in the shop window. Asks a lot of questions.",
        "trust_level": User.TrustLevel.BASIC,
    },
    {
        "role": "super user",
        "username": "sam",
        "email": "sam@example.com",
        "password": "lumen-superuser-demo",
        "display_name": "Sam Okafor",
        "bio": "Home-automation tinkerer. I've wired Lumen into everything, including the garden shed.",
        "trust_level": User.TrustLevel.LEADER,
    },
    {
        "role": "moderator",
        "username": "mona",
        "email": "mona@example.com",
        "password": "lumen-moderator-demo",
        "display_name": "Mona Berg",
        "bio": "Community moderator. Keeping threads friendly and on topic.",
        "trust_level": User.TrustLevel.LEADER,
    },
    {
        "role": "staff",
        "username": "tess",
        "email": "tess@example.com",
        "password": "lumen-staff-demo",
        "display_name": "Tess Nakamura",
        "bio": "Community manager at Lumen. I read every thread and make sure your ideas reach the product team.",
        "trust_level": User.TrustLevel.LEADER,
        "is_staff_member": True,
    },
]

MEMBERS = [
    ("arjun", "Arjun Mehta", "Lumen Hub owner since the first beta. Mostly here for the automations."),
    ("lena", "Lena Fischer", "Architect. Interested in scenes, schedules and anything circadian."),
    ("kofi", "Kofi Boateng", "Developer; I use the Lumen API for my home dashboard."),
    ("yuki", "Yuki Sato", "New to smart lighting and learning fast."),
    ("olivia", "Olivia Brown", "Lumen support engineer.", True),
    ("diego", "Diego Ramos", "Set up Lumen in a 40-room hotel. Ask me about bulk pairing."),
]


def pinned_titles() -> list[str]:
    """The demo threads a moderator pins (moderation's seed_demo does, through its audited service)."""
    return [title for key, _, _, _, title, *_ in demo.CONVERSATIONS if key in demo.PINNED]


class Command(BaseCommand):
    help = "Create (or refresh) the demo community. Safe to run repeatedly."

    @transaction.atomic
    def handle(self, *args, **options):
        for spec in DEMO_ACCOUNTS:
            fields = {k: v for k, v in spec.items() if k not in {"role", "username", "email", "password"}}
            user = self._ensure(spec["username"], spec["email"], spec["password"], **fields)
            if spec["role"] == "staff":
                User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
        for username, name, bio, *staff in MEMBERS:
            self._ensure(
                username,
                f"{username}@example.com",
                None,
                display_name=name,
                bio=bio,
                is_staff_member=bool(staff),
                trust_level=User.TrustLevel.MEMBER,
            )
        self._community()
        self.stdout.write(self.style.SUCCESS("Demo community ready. Sign in as:"))
        for spec in DEMO_ACCOUNTS:
            self.stdout.write(f"  {spec['role']:<11} {spec['email']:<20} {spec['password']}")

    def _ensure(self, username, email, password, **fields):
        user = User.objects.filter(username=username).first()
        if user is None:
            return create_member(username=username, email=email, password=password, **fields)
        # Re-running restores the documented state, including the known password.
        for name, value in fields.items():
            setattr(user, name, value)
        if password and not user.check_password(password):
            user.set_password(password)
        user.save()
        return user

    def _community(self):
        for slug, name, description, colour, parent, policy in demo.CATEGORIES:
            Category.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "description": description,
                    "colour": colour,
                    "parent": Category.objects.get(slug=parent) if parent else None,
                    "who_can_start": policy,
                    "position": [c[0] for c in demo.CATEGORIES].index(slug),
                },
            )
        for name, description in demo.TAGS:
            Tag.objects.update_or_create(slug=name, defaults={"name": name, "description": description})
        users = {u.username: u for u in User.objects.all()}
        for key, category, kind, author, title, body, tags, replies in demo.CONVERSATIONS:
            if Thread.objects.filter(title=title).exists():
                continue  # already seeded: the conversation is left as members changed it
            thread = threads.start_thread(
                users[author],
                category=Category.objects.get(slug=category),
                kind=kind,
                title=title,
                body=body,
                tags=Tag.objects.filter(slug__in=tags),
            )
            made = {None: thread.opening_post}
            for reply_key, parent_key, reply_author, reply_body in replies:
                made[reply_key] = posts.reply(users[reply_author], parent=made[parent_key], body=reply_body)
            self._react(key, thread, made, users)

    def _react(self, key, thread, made, users):
        staff = users["tess"]
        for reply_key, voters in demo.HELPFUL.items():
            if reply_key in made:
                for voter in voters:
                    votes.mark_helpful(users[voter], post=made[reply_key])
        if key in demo.ACCEPTED:
            posts.accept_answer(users[thread.author.username], post=made[demo.ACCEPTED[key]])
        if key in demo.VERIFIED:
            posts.verify_answer(staff, post=made[demo.VERIFIED[key]])
        for status, note in demo.IDEA_STEPS.get(key, []):
            threads.set_idea_status(staff, thread=thread, status=status, note=note)
        for voter in demo.IDEA_VOTERS.get(key, []):
            votes.vote_idea(users[voter], thread=thread)
        for member in demo.ME_TOO.get(key, []):
            votes.confirm_problem(users[member], thread=thread)
        if key in demo.SOLVED_PROBLEMS:
            post_key, note = demo.SOLVED_PROBLEMS[key]
            threads.set_problem_status(
                staff, thread=thread, status=Thread.ProblemStatus.SOLVED, note=note, solving_post=made[post_key]
            )

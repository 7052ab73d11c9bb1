import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from config.paths import reverse

# Usernames appear in URLs and @mentions, so they keep to a small alphabet.
validate_username = RegexValidator(
    r"^[A-Za-z0-9_-]+\Z",
    "Use only letters, digits, hyphens and underscores.",
)


def rank_for(reputation: int) -> str:
    """The title of the highest rank whose threshold `reputation` reaches."""
    title = ""
    for threshold, name in settings.RECOGNITION_RANKS:
        if reputation >= threshold:
            title = name
    return title


def avatar_upload_to(instance, filename):
    # The stored name never comes from the uploader.
    return f"avatars/{instance.pk}/{uuid.uuid4().hex}.webp"


class User(AbstractUser):
    class TrustLevel(models.IntegerChoices):
        NEW = 0, "New member"
        BASIC = 1, "Basic member"
        MEMBER = 2, "Member"
        REGULAR = 3, "Regular"
        LEADER = 4, "Leader"

    class SuperUser(models.TextChoices):
        NONE = "", "Not a super user"
        EARNED = "earned", "Earned"
        NOMINATED = "nominated", "Nominated by staff"
        # Staff took it away: reputation alone won't give it back.
        REMOVED = "removed", "Removed by staff"

    username = models.CharField(
        "username",
        max_length=30,
        unique=True,
        validators=[validate_username],
        help_text="3 to 30 letters, digits, hyphens or underscores. Others mention you with @username.",
        error_messages={"unique": "That username is taken."},
    )
    email = models.EmailField("email address", unique=True, error_messages={"unique": "That email is taken."})
    display_name = models.CharField(max_length=60, blank=True)
    bio = models.TextField(max_length=1000, blank=True)
    avatar = models.ImageField(upload_to=avatar_upload_to, blank=True)
    is_staff_member = models.BooleanField(
        "staff member",
        default=False,
        help_text="An employee of the company. Everything they post is marked as official.",
    )
    trust_level = models.PositiveSmallIntegerField(choices=TrustLevel.choices, default=TrustLevel.NEW)
    # Copies of moderation's records, kept in step by moderation.services, so
    # that permission checks on every page read them from the row that
    # authentication loads anyway instead of querying.
    moderates_everywhere = models.BooleanField(default=False, editable=False)
    moderated_categories = models.JSONField(default=list, blank=True, editable=False)
    suspended_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The sum of the member's points in recognition's ledger, kept in step by recognition.ledger
    # in the transaction that writes the points; `recount` rebuilds it from the ledger.
    reputation = models.IntegerField(default=0, editable=False)
    super_user = models.CharField(
        max_length=10,
        choices=SuperUser.choices,
        blank=True,
        editable=False,
        help_text="Set by recognition: earned past a reputation threshold, or decided by staff.",
    )
    staff_role = models.CharField(
        max_length=60, blank=True, help_text="A staff member's job, shown beside their posts (“Support engineer”)."
    )
    team_focus = models.CharField(
        max_length=200, blank=True, help_text="What a staff member looks after, for the Meet the team page."
    )

    objects = UserManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return reverse("recognition:profile", kwargs={"username": self.username})

    @property
    def name(self):
        return self.display_name or self.username

    @property
    def is_super_user(self) -> bool:
        return self.super_user in (self.SuperUser.EARNED, self.SuperUser.NOMINATED)

    @property
    def rank(self) -> str:
        """The title the member's reputation has reached (settings.RECOGNITION_RANKS)."""
        return rank_for(self.reputation)

    @property
    def initials(self):
        # Shown beside every post without an avatar: no generator for two letters.
        words = self.name.split(maxsplit=2)
        if not words:
            return "?"
        return (words[0][0] + words[1][0]).upper() if len(words) > 1 else words[0][0].upper()

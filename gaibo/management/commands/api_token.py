from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from gaibo.api_tokens import DEFAULT_DAYS, api_token_issue, api_token_revoke
from gaibo.models import ApiToken, User

# Ten years: a key should be renewed well before.
MAX_DAYS = 3650


class Command(BaseCommand):
    help = (
        "Keys for programs reading the dashboard's JSON (gaibo/api_tokens.py): "
        "`issue USERNAME --name WHO [--days N]` prints a new key once; `list` shows the keys "
        "(never the key itself); `revoke PREFIX` stops one."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        issue = actions.add_parser("issue", help="issue a key for a user")
        issue.add_argument("username")
        issue.add_argument("--name", required=True, help="who uses the key, e.g. 省级平台")
        issue.add_argument("--days", type=int, default=DEFAULT_DAYS, help="valid for N days")
        actions.add_parser("list", help="list the keys")
        revoke = actions.add_parser("revoke", help="revoke a key")
        revoke.add_argument("prefix", help="the key's beginning, as `list` shows it")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _issue(self, *, username, name, days, **options):
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}.")
        user = User.objects.filter(username=username).first()
        if user is None or not user.is_active:
            raise CommandError(f"No active user {username!r}.")
        try:
            token, key = api_token_issue(user=user, name=name, days=days)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Key for {user.username} ({token.name}), valid until "
            f"{timezone.localtime(token.expires_at):%Y-%m-%d}. It is shown only now:\n{key}"
        )

    def _list(self, **options):
        now = timezone.now()
        for token in ApiToken.objects.select_related("user"):
            if token.revoked_at is not None:
                state = f"revoked {timezone.localtime(token.revoked_at):%Y-%m-%d}"
            elif token.expires_at <= now:
                state = "expired"
            else:
                state = f"valid until {timezone.localtime(token.expires_at):%Y-%m-%d}"
            used = (
                f"last used {timezone.localtime(token.last_used_at):%Y-%m-%d %H:%M}"
                if token.last_used_at
                else "never used"
            )
            self.stdout.write(
                f"{token.prefix}  {token.user.username}  {token.name}  {state}  {used}"
            )

    def _revoke(self, *, prefix, **options):
        tokens = list(ApiToken.objects.filter(prefix=prefix))
        if len(tokens) != 1:
            raise CommandError(f"{len(tokens)} keys begin with {prefix!r}; name exactly one.")
        api_token_revoke(token=tokens[0])
        self.stdout.write(f"Revoked {tokens[0]}.")

"""`labelgate users`: accounts, roles and tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.cli import run_service
from app.services import accounts
from app.services import users as user_service
from app.services.label_studio import gateway_by_server


def register(cli: AppGroup) -> None:
    """Add the `users` group."""
    group = AppGroup("users", help="Create accounts, grant and revoke roles, deactivate.")

    @group.command("create")
    @click.argument("email")
    @click.option("--name", "display_name", required=True, help="Display name.")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--role", "roles", multiple=True, type=click.Choice(user_service.ROLES))
    def create(email: str, display_name: str, password: str, roles: tuple[str, ...]) -> None:
        """Create an account with ROLEs."""
        user = run_service(lambda s: user_service.create_user(s, email, display_name, password,
                                                              roles))
        click.echo(f"created {user.email} ({', '.join(sorted(roles)) or 'no roles'})")

    @group.command("grant")
    @click.argument("email")
    @click.argument("role", type=click.Choice(user_service.ROLES))
    @click.option("--rule-set", default=None, help="Limit the grant to one rule set.")
    def grant(email: str, role: str, rule_set: str | None) -> None:
        """Grant ROLE to EMAIL."""
        run_service(lambda s: user_service.grant_role(
            s, user_service.user_by_email(s, email), role, rule_set=rule_set))
        click.echo(f"granted {role} to {email}" + (f" for {rule_set}" if rule_set else ""))

    @group.command("revoke")
    @click.argument("email")
    @click.argument("role", type=click.Choice(user_service.ROLES))
    @click.option("--rule-set", default=None)
    def revoke(email: str, role: str, rule_set: str | None) -> None:
        """Revoke ROLE from EMAIL."""
        run_service(lambda s: user_service.revoke_role(
            s, user_service.user_by_email(s, email), role, rule_set=rule_set))
        click.echo(f"revoked {role} from {email}")

    @group.command("deactivate")
    @click.argument("email")
    @click.option("--reason", default="", help="Why (kept in the audit trail).")
    def deactivate(email: str, reason: str) -> None:
        """End all access of EMAIL at once: sessions and tokens stop working."""
        def action(session):
            user = user_service.user_by_email(session, email)
            user_service.deactivate_user(session, user, reason=reason)
            return accounts.deactivate_accounts(session, user, gateway_by_server())

        unreachable = run_service(action)
        click.echo(f"deactivated {email}")
        for server in unreachable:
            click.echo(f"Label Studio ({server}) could not be reached to deactivate the account "
                       "there; `labelgate sync` will.", err=True)

    @group.command("list")
    def list_users() -> None:
        """List accounts with their roles."""
        rows = run_service(lambda s: user_service.list_users(s, per_page=100_000)[0])
        for u in rows:
            state = "active" if u.is_active_account else "deactivated"
            roles = ",".join(sorted(u.active_roles())) or "-"
            click.echo(f"{u.email}\t{state}\t{roles}")

    @group.command("token")
    @click.argument("email")
    @click.option("--name", required=True, help="What the token is for.")
    def token(email: str, name: str) -> None:
        """Create an API token for EMAIL; it is printed once."""
        _row, text = run_service(lambda s: user_service.create_api_token(
            s, user_service.user_by_email(s, email), name))
        click.echo(text)

    cli.add_command(group)

"""Commands for ``flask --app wsgi``: users, demo data, key rotation."""

import click
from sqlalchemy import select

import credentials
from extensions import db
from jobs import commands as jobs_commands
from models import EcAccount, User
from models.user import ROLES
from services import actions, demo


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(ROLES), required=True, help="What the user may do."
)
@click.option("--password", help="Asked for when not given.")
def create_user(email, role, password):
    """Create a user, or reset the role and password of an existing one."""
    if "@" not in email or len(email) > 254:
        raise click.BadParameter(
            "an email address such as ops@example.com", param_hint="EMAIL"
        )
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    created = user is None
    if created:
        user = User(email=email)
        db.session.add(user)
    try:
        user.set_password(password)
    except ValueError as error:
        db.session.rollback()
        raise click.BadParameter(str(error), param_hint="--password") from None
    user.role = role
    user.active = True
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} {user.email} with role {role}.")


@click.command("seed-demo")
@click.option(
    "--test-connections",
    is_flag=True,
    help="Also queue a connection test for each demo account (needs Redis).",
)
def seed_demo(test_connections):
    """Add the demo warehouse and accounts; running it again changes nothing."""
    added = demo.seed()
    click.echo(f"Demo data ready ({added} rows added).")
    if test_connections:
        results = [
            actions.enqueue(account, "test_connection", trigger="credentials")
            for account in demo.demo_accounts()
        ]
        click.echo(f"Connection tests: {actions.summarize(results)}.")


@click.command("rotate-credentials")
def rotate_credentials():
    """Re-encrypt every account's credentials with the first CREDENTIALS_KEY."""
    cipher = credentials.cipher()
    count = 0
    for account in db.session.scalars(select(EcAccount)):
        try:
            account.credentials_encrypted = cipher.rotate(account.credentials_encrypted)
        except credentials.CredentialsError as error:
            where = f"Account {account.id} ({account.display_name})"
            # all or nothing: a half-rotated database would need both keys forever
            db.session.rollback()
            raise click.ClickException(
                f"{where}: {error} Nothing was re-encrypted."
            ) from None
        count += 1
    db.session.commit()
    click.echo(f"Re-encrypted the credentials of {count} accounts.")


def init_app(app):
    for command in (create_user, seed_demo, rotate_credentials):
        app.cli.add_command(command)
    jobs_commands.init_app(app)

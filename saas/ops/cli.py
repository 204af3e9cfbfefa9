"""Operator commands: `flask ops grant|revoke EMAIL`; `flask rotate-key` (encryption at rest)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register the commands."""
    app.cli.add_command(ops_group)
    app.cli.add_command(rotate_key_command)


@click.group("ops")
def ops_group() -> None:
    """Operator accounts."""


def _operator_role_command(
    name: str, operator: bool, help_text: str, outcome: str
) -> click.Command:
    """An `ops` subcommand that sets EMAIL's operator role to `operator`."""

    @ops_group.command(name, help=help_text)
    @click.argument("email")
    @with_appcontext
    def command(email: str) -> None:
        from saas.ops.console import set_operator

        if set_operator(email, operator) is None:
            raise click.ClickException(f"No account with the email {email}.")
        click.echo(f"{email} {outcome}.")

    return command


ops_grant = _operator_role_command(
    "grant",
    True,
    "Give EMAIL's account the operator role (the ops console at /ops).",
    "is now an operator",
)
ops_revoke = _operator_role_command(
    "revoke", False, "Take the operator role away from EMAIL's account.", "is no longer an operator"
)


@click.command("rotate-key")
@click.option(
    "--reencrypt-only",
    is_flag=True,
    help="Re-encrypt every row under the current first key, without making a new one.",
)
@click.option(
    "--no-reencrypt",
    is_flag=True,
    help="Only print a new key list; run again with --reencrypt-only once it is deployed.",
)
@with_appcontext
def rotate_key_command(reencrypt_only: bool, no_reencrypt: bool) -> None:
    """Make a new support encryption key and re-encrypt every support request with it.

    In the embedded default the key file under instance/ is rewritten. With
    SUPPORT_ENCRYPTION_KEYS set, the new value is printed to deploy; the old keys stay in it
    so that every process can still read everything while the rows are rewritten.
    """
    from saas.ops import key_rotation as support_keys

    embedded = bool(current_app.config.get("SUPPORT_KEYS_FILE"))
    if not reencrypt_only:
        keys = support_keys.add_primary_key()
        if embedded:
            click.echo(f"New primary key written to {current_app.config['SUPPORT_KEYS_FILE']}.")
        else:
            click.echo("Set this on every web and worker process (new key first):")
            click.echo(f"SUPPORT_ENCRYPTION_KEYS={','.join(keys)}")
        if no_reencrypt:
            click.echo(
                "Rows not touched: deploy the value, then run `flask rotate-key --reencrypt-only`."
            )
            return
    rewritten = support_keys.reencrypt_all()
    click.echo(f"Re-encrypted {rewritten} value(s) under the new primary key.")
    if not embedded and not reencrypt_only:
        click.echo(
            "Processes still running with the old SUPPORT_ENCRYPTION_KEYS cannot read the "
            "re-encrypted rows until they get the value above: deploy it now."
        )
    click.echo("Older keys can be removed once every process runs with the new list.")

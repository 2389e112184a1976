"""flask create-staff: prompted password, scrypt hash, one account per email."""

from __future__ import annotations

import json

from sqlalchemy import text

PASSWORD = "a long enough password"


def test_create_staff_prompts_for_the_password_and_hashes_it(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-staff", "Boss@Example.com", "--role", "manager"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output.strip().splitlines()[-1])
    assert (created["email"], created["role"]) == ("boss@example.com", "manager")
    stored = db.execute(text("SELECT password_hash FROM staff")).scalar_one()
    assert stored.startswith("scrypt:") and PASSWORD not in stored
    assert db.execute(text("SELECT actor, action FROM audit_log")).one() == (
        "cli",
        "staff.created",
    )


def test_a_second_account_for_the_email_and_short_passwords_are_refused(app, db):
    runner = app.test_cli_runner()
    args = ["create-staff", "ann@example.com", "--role", "support", "--password"]
    assert runner.invoke(args=[*args, PASSWORD]).exit_code == 0
    again = runner.invoke(args=[*args, PASSWORD])
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(
        args=["create-staff", "bo@example.com", "--role", "support", "--password", "short"]
    )
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    bad_role = runner.invoke(args=["create-staff", "x@example.com", "--role", "owner"])
    assert bad_role.exit_code == 2
    assert db.execute(text("SELECT count(*) FROM staff")).scalar_one() == 1

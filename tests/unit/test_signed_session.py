"""The signed-cookie session builds its signing serializer once per secret key."""

from __future__ import annotations

from flask import session

from checkout_app import create_app

SETTINGS = {
    "APP_ENV": "test",
    "DATABASE_URL": "postgresql+psycopg2://nobody@127.0.0.1:9/none",
    "REDIS_URL": "redis://127.0.0.1:9/0",
    "SECRET_KEY": "a-secret-key-of-thirty-two-chars!",
}


def test_the_app_builds_its_session_serializer_once():
    app = create_app(SETTINGS)
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert first is not None
    assert interface.get_signing_serializer(app) is first


def test_the_session_still_round_trips_and_follows_a_new_key():
    app = create_app(SETTINGS)

    @app.get("/_set")
    def set_value():
        session["who"] = "staff"
        return ""

    @app.get("/_get")
    def get_value():
        return session.get("who", "nobody")

    client = app.test_client()
    client.get("/_set")
    assert client.get("/_get").get_data(as_text=True) == "staff"
    old = app.session_interface.get_signing_serializer(app)

    app.secret_key = "another-secret-key-of-32-chars!!"
    assert app.session_interface.get_signing_serializer(app) is not old
    # A cookie signed with the old key is no longer honoured.
    assert client.get("/_get").get_data(as_text=True) == "nobody"

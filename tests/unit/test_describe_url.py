"""The first log line names the backends without their passwords, whatever the URL's shape."""

from checkout_app.dev.embedded import describe


def test_a_sentinel_url_with_several_hosts_is_shown_without_its_password():
    url = "redis+sentinel://:s3cret@127.0.0.1:26379,127.0.0.1:26380,10.0.0.3:26379/checkout/0"
    assert (
        describe(url)
        == "redis+sentinel://127.0.0.1:26379,127.0.0.1:26380,10.0.0.3:26379/checkout/0"
    )


def test_a_database_url_keeps_its_user_and_loses_its_password():
    url = "postgresql+psycopg2://app:pw@db.internal:6432/checkout?sslmode=require"
    assert describe(url) == "postgresql+psycopg2://app@db.internal:6432/checkout"

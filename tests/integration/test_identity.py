"""userId needs proof: a JWT (HS256 secret or RS256/ES256 from a JWKS) whose sub is that user."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import text

from checkout_app.config import ConfigError, load_config

from ..conftest import JWT_SECRET
from ..helpers import add_to_cart, bearer, identity_token

CREATE = "/api/checkout/create-session"
INVALID = (400, "Invalid userId")


def checkout(client, user_id, token: str | None):
    body = {"userEmail": "known@example.com", "userId": str(user_id)}
    return client.post(CREATE, json=body, headers=bearer(token) if token else {})


def answer(res) -> tuple[int, str]:
    return res.status_code, res.get_json().get("error") or res.get_json().get("message")


@pytest.fixture
def shopper(client, catalog):
    add_to_cart(client, "course", catalog.course)
    return client


def order_user(db, order_id: str):
    return db.execute(
        text("SELECT user_id FROM orders WHERE id = :id"), {"id": order_id}
    ).scalar_one()


class TestHS256:
    def test_a_valid_token_links_the_order_to_its_user(self, shopper, catalog, db, sim):
        res = checkout(shopper, catalog.user, identity_token(catalog.user, JWT_SECRET))
        assert res.status_code == 200, res.get_json()
        assert order_user(db, res.get_json()["orderId"]) == catalog.user

    @pytest.mark.parametrize(
        "forge",
        [
            lambda user: None,  # absent
            lambda user: identity_token(user, "another-secret-of-32-characters-x"),  # forged
            lambda user: identity_token(user, JWT_SECRET, exp=1),  # expired
            lambda user: identity_token(uuid.uuid4(), JWT_SECRET),  # someone else's sub
            lambda user: identity_token(user, JWT_SECRET, iss="https://evil.example"),
            lambda user: identity_token(user, JWT_SECRET, aud="another-service"),
            lambda user: jwt.encode({"sub": str(user)}, JWT_SECRET, algorithm="HS256"),  # no exp
            lambda user: jwt.encode(
                {"sub": str(user), "iss": "http://shop.test", "aud": "checkout_app", "exp": 2**40},
                None,
                algorithm="none",
            ),
            lambda user: "not.a.jwt",
        ],
        ids=[
            "absent",
            "forged",
            "expired",
            "wrong-sub",
            "iss",
            "aud",
            "no-exp",
            "alg-none",
            "junk",
        ],
    )
    def test_without_valid_proof_known_and_unknown_ids_get_the_same_400(
        self, shopper, catalog, db, sim, forge
    ):
        unknown = uuid.uuid4()
        assert answer(checkout(shopper, catalog.user, forge(catalog.user))) == INVALID
        assert answer(checkout(shopper, unknown, forge(unknown))) == INVALID
        assert db.execute(text("SELECT count(*) FROM orders")).scalar_one() == 0
        assert sim.requests() == []

    def test_a_valid_token_for_an_unknown_user_is_still_400(self, shopper, sim):
        unknown = uuid.uuid4()
        assert answer(checkout(shopper, unknown, identity_token(unknown, JWT_SECRET))) == INVALID

    def test_a_guest_needs_no_token(self, shopper, sim):
        assert shopper.post(CREATE, json={"userEmail": "guest@example.com"}).status_code == 200

    def test_without_any_key_configured_no_user_can_be_proven(self, make_app, catalog, sim):
        client = make_app(AUTH_JWT_SECRET="").test_client()
        add_to_cart(client, "course", catalog.course)
        token = identity_token(catalog.user, JWT_SECRET)
        assert answer(checkout(client, catalog.user, token)) == INVALID

    def test_a_short_secret_refuses_to_start(self):
        with pytest.raises(ConfigError, match="AUTH_JWT_SECRET"):
            load_config({"APP_ENV": "test", "AUTH_JWT_SECRET": "short"})


class JwksServer:
    """Serves a JWKS document over HTTP, as a shop's login would."""

    def __init__(self, keys: list[dict]) -> None:
        document = json.dumps({"keys": keys}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(document)))
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/.well-known/jwks.json"

    def __enter__(self) -> JwksServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def signing_keys():
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec": ec.generate_private_key(ec.SECP256R1()),
    }


@pytest.fixture
def jwks(signing_keys) -> Iterator[JwksServer]:
    rsa_jwk = json.loads(RSAAlgorithm.to_jwk(signing_keys["rsa"].public_key()))
    ec_jwk = json.loads(ECAlgorithm.to_jwk(signing_keys["ec"].public_key()))
    keys = [{**rsa_jwk, "kid": "rsa-1", "use": "sig"}, {**ec_jwk, "kid": "ec-1", "use": "sig"}]
    with JwksServer(keys) as server:
        yield server


def signed_by(key, algorithm: str, kid: str, user_id, **claims) -> str:
    payload = {"sub": str(user_id), "iss": "https://login.shop.test", "aud": "shop-checkout"}
    payload |= {"exp": 2**40, **claims}
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


class TestJwks:
    @pytest.fixture
    def client(self, make_app, jwks, catalog):
        app = make_app(
            AUTH_JWT_SECRET="",
            AUTH_JWKS_URL=jwks.url,
            AUTH_JWT_ISSUER="https://login.shop.test",
            AUTH_JWT_AUDIENCE="shop-checkout",
        )
        client = app.test_client()
        add_to_cart(client, "course", catalog.course)
        return client

    @pytest.mark.parametrize(
        "algorithm,kind,kid", [("RS256", "rsa", "rsa-1"), ("ES256", "ec", "ec-1")]
    )
    def test_a_token_signed_with_a_published_key_proves_the_user(
        self, client, catalog, signing_keys, sim, db, algorithm, kind, kid
    ):
        token = signed_by(signing_keys[kind], algorithm, kid, catalog.user)
        res = checkout(client, catalog.user, token)
        assert res.status_code == 200, res.get_json()
        assert order_user(db, res.get_json()["orderId"]) == catalog.user

    def test_tokens_from_other_keys_or_claims_prove_nothing(
        self, client, catalog, signing_keys, sim
    ):
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for token in (
            signed_by(stranger, "RS256", "rsa-1", catalog.user),  # not the published key
            signed_by(signing_keys["rsa"], "RS256", "rsa-1", catalog.user, aud="other"),
            signed_by(signing_keys["rsa"], "RS256", "rsa-1", catalog.user, exp=1),
            identity_token(catalog.user, JWT_SECRET),  # HS256 without a configured secret
        ):
            assert answer(checkout(client, catalog.user, token)) == INVALID

    def test_an_unreachable_jwks_is_a_503_not_a_400(self, make_app, catalog, signing_keys, sim):
        app = make_app(
            AUTH_JWT_SECRET="",
            AUTH_JWKS_URL="http://127.0.0.1:9/jwks.json",
            AUTH_JWT_ISSUER="https://login.shop.test",
            AUTH_JWT_AUDIENCE="shop-checkout",
        )
        client = app.test_client()
        add_to_cart(client, "course", catalog.course)
        token = signed_by(signing_keys["rsa"], "RS256", "rsa-1", catalog.user)
        res = checkout(client, catalog.user, token)
        assert res.status_code == 503
        assert res.headers["Retry-After"].isdigit()


def test_issue_token_prints_a_token_that_proves_the_user(app, catalog, shopper, db, sim):
    result = app.test_cli_runner().invoke(args=["issue-token", str(catalog.user)])
    assert result.exit_code == 0, result.output
    res = checkout(shopper, catalog.user, result.output.strip())
    assert res.status_code == 200
    assert order_user(db, res.get_json()["orderId"]) == catalog.user
    unknown = app.test_cli_runner().invoke(args=["issue-token", str(uuid.uuid4())])
    assert unknown.exit_code != 0 and "no user" in unknown.output

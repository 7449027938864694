"""The secret detector: what is a plaintext secret, what is ordinary configuration; values never leak."""

import random
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secure_constructs.secrets import classify, classify_resolved, entropy, is_secret_like_name, scan_code

# Well-known public example credentials (AWS documentation examples), not real secrets.
AWS_EXAMPLE_ID = "AKIAIOSFODNN7EXAMPLE"
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
JWT_EXAMPLE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

POSITIVE = [
    ("AWS_SECRET_ACCESS_KEY", AWS_EXAMPLE_SECRET, "AWS secret access key"),
    ("SOMETHING", AWS_EXAMPLE_SECRET, "AWS secret access key"),
    ("AWS_ACCESS_KEY_ID", AWS_EXAMPLE_ID, "AWS access key ID"),
    ("CREDS", f"id={AWS_EXAMPLE_ID}", "AWS access key ID"),
    ("SIGNING_KEY", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA", "private key"),
    ("CERT", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", "private key"),
    ("SSH", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1r", "private key"),
    ("EC", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE", "private key"),
    ("SERVICE_TOKEN", JWT_EXAMPLE, "JWT"),
    ("AUTH_HEADER", f"Bearer {JWT_EXAMPLE}", "JWT"),
    ("DATABASE_URL", "postgres://app:s3cretPass@db.example.com:5432/orders", "URL with inline password"),
    ("BROKER", "amqps://user:pa55word@mq.example.com", "URL with inline password"),
    ("REDIS", "redis://:Xk29fjs8@cache:6379/0", "URL with inline password"),
    ("CONNECTION", "Server=db;User Id=app;Password=Hunter2x!;", "password= pair"),
    ("CONN", "host=db user=app password=correct-horse", "password= pair"),
    ("QUERY", "client_id=abc&client_secret=Zk38fJq0aLm", "client_secret= pair"),
    ("CONFIG", '{"password": "Tr0ub4dor&3"}', "password= pair"),
    ("API_KEY", "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c", "high-entropy value under a secret-like name"),
    ("apiKey", "Zx9kL2qW8rT5mN3b", "high-entropy value under a secret-like name"),
    ("STRIPE", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "Stripe secret key"),
    ("GH", "ghp_" + "a" * 10 + "B" * 10 + "1" * 16, "GitHub token"),
    ("SLACK", "xoxb-" + "1234567890-abcdefghij", "Slack token"),
    ("MAPS", "AIza" + "SyA-1234567890abcdefghijklmnopqrstu", "Google API key"),
    ("CLIENT_SECRET", "8a9f-Qz2L-x7Pw-Rt4K", "high-entropy value under a secret-like name"),
    ("DB_PASSWORD", "hunter2", "literal value under a password-like name"),
    ("ADMIN_PASSWD", "changeme", "literal value under a password-like name"),
    (
        "X",
        "{{resolve:secretsmanager:arn:aws:secretsmanager:eu-west-1:1:secret:db:SecretString:password}}",
        "dynamic reference that resolves a secret into plaintext at deploy time",
    ),
    (
        "X",
        "{{resolve:ssm-secure:/app/db/password:1}}",
        "dynamic reference that resolves a secret into plaintext at deploy time",
    ),
]

NEGATIVE = [
    ("TABLE_NAME", "orders-table-prod"),
    ("ORDERS_TABLE", "Shop-OrdersTable1A2B3C4D-ZXCVBNMASDFG"),
    ("DB_PASSWORD_SECRET_ARN", "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"),
    ("API_KEY_PARAMETER_NAME", "/prod/orders/api-key"),
    ("SECRET_NAME", "prod/orders/db"),
    ("DB_SECRET_ID", "orders-db-credentials"),
    ("API_URL", "https://api.example.com/v1/orders?limit=10"),
    ("DATABASE_URL", "postgres://db.example.com:5432/orders"),
    ("DATABASE_URL", "postgres://app@db.example.com:5432/orders"),
    ("DATABASE_URL", "postgres://app:${DB_PASSWORD}@db.example.com/orders"),
    ("LOG_LEVEL", "INFO"),
    ("FEATURE_FLAG", "true"),
    ("POWERTOOLS_SERVICE_NAME", "orders"),
    ("TOKEN_TTL", "3600"),
    ("PASSWORD_MIN_LENGTH", "12"),
    ("PASSWORD_POLICY", "strict"),
    ("TOKEN_ISSUER", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEfGhI"),
    ("COMMIT_SHA", "3f786850e387550fdab836ed7e6dc881de23001b"),
    ("REQUEST_ID", "550e8400-e29b-41d4-a716-446655440000"),
    ("CONFIG_HASH", "Zx9kL2qW8rT5mN3bQ7vC"),  # random, but the name does not say secret
    ("DB_PASSWORD", "${Token[TOKEN.123]}"),
    ("API_KEY", "${Token[AWS.Region.4]}-suffix"),
    ("KMS_KEY_ARN", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    ("QUEUE_URL", "https://sqs.eu-west-1.amazonaws.com/111122223333/orders"),
    ("REGION", "eu-west-1"),
    ("PARTITION_KEY", "pk"),
    ("CACHE_KEY", "orders-v2"),
    ("API_KEY", "none"),
    ("SECRET", "xxxx"),
    ("TOKEN", "<token>"),
    ("DB_PASSWORD", ""),
    ("DB_PASSWORD", "   "),
    ("MESSAGE", "Please enter your password"),
    ("GRANT", "grant_type=client_credentials&scope=orders/read"),
    ("AUTH_MODE", "iam"),
    ("PASSWORD_RESET_URL", "https://shop.example.com/reset"),
]


@pytest.mark.parametrize(("name", "value", "why"), POSITIVE)
def test_secret_shapes_are_classified(name, value, why):
    assert classify(name, value) == why


@pytest.mark.parametrize(("name", "value"), NEGATIVE)
def test_ordinary_configuration_is_not_a_secret(name, value):
    assert classify(name, value) is None


@pytest.mark.parametrize(("name", "value", "why"), POSITIVE)
def test_the_description_never_contains_the_value(name, value, why):
    assert value not in why
    for part in (value[:8], value[-8:]):
        assert part not in why


@pytest.mark.parametrize("value", [None, 42, {"Ref": "Secret"}, ["a"]])
def test_non_strings_are_not_judged(value):
    assert classify("DB_PASSWORD", value) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("DB_PASSWORD", True),
        ("dbPassword", True),
        ("db-password", True),
        ("API_KEY", True),
        ("apiKey", True),
        ("STRIPE_SECRET_KEY", True),
        ("CLIENT_SECRET", True),
        ("AUTH_TOKEN", True),
        ("SECRET_KEY_BASE", True),
        ("PRIVATE_KEY", True),
        ("DB_PASSWORD_SECRET_ARN", False),
        ("API_KEY_PARAMETER_NAME", False),
        ("TOKEN_TTL", False),
        ("PARTITION_KEY", False),
        ("TABLE_NAME", False),
        ("KEYBOARD", False),
        ("", False),
    ],
)
def test_secret_like_names(name, expected):
    assert is_secret_like_name(name) is expected


def test_entropy():
    assert entropy("") == 0.0
    assert entropy("aaaa") == 0.0
    assert entropy("ab") == pytest.approx(1.0)
    assert entropy(string.ascii_letters) > 5.5


def test_classify_resolved_walks_intrinsics_but_not_references():
    joined = {"Fn::Join": ["", ["postgres://app:", "s3cretPass", "@db.example.com/orders"]]}
    assert classify_resolved(
        "DB_URL", {"Fn::Join": ["", ["postgres://app:s3cretPass@", {"Ref": "Host"}]]}
    ) == ("URL with inline password")
    assert classify_resolved("DB_PASSWORD", {"Fn::Join": ["", ["hunter2"]]}) == (
        "literal value under a password-like name"
    )
    assert classify_resolved("DB_PASSWORD", {"Ref": "DbPasswordParameter"}) is None
    assert classify_resolved("TABLE", {"Fn::GetAtt": ["Table", "Arn"]}) is None
    assert classify_resolved("TABLE", [{"Ref": "X"}, "orders"]) is None
    assert classify_resolved("DB_URL", joined) == "URL with inline password"
    sub = {"Fn::Sub": "postgres://app:${Password}@db.example.com/orders"}
    assert classify_resolved("DB_URL", sub) is None


# --- property-based ---------------------------------------------------------------------------------------

_RANDOM_ALPHABET = string.ascii_letters + string.digits + "+/_-!@#"
# Without "/": a path made of words (prod/OrdersDb) is read as a secret name, by design.
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+_-!@#="


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    name=st.sampled_from(
        ["DB_PASSWORD", "API_KEY", "CLIENT_SECRET", "AUTH_TOKEN", "apiSecret", "SigningKey"]
    ),
    value=st.text(alphabet=_SECRET_ALPHABET, min_size=20, max_size=64).filter(
        lambda v: (
            sum((any(c.islower() for c in v), any(c.isupper() for c in v), any(c.isdigit() for c in v))) >= 2
            and entropy(v) >= 3.5
        )
    ),
)
def test_random_values_under_secret_names_are_secrets(name, value):
    assert classify(name, value) is not None


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.integers(min_value=0, max_value=2**32))
def test_generated_tokens_are_secrets(seed):
    alphabet = string.ascii_letters + string.digits + "-_"  # what secrets.token_urlsafe produces
    value = "".join(random.Random(seed).choices(alphabet, k=32))
    assert classify("API_TOKEN", value) is not None


@settings(max_examples=300, deadline=None, derandomize=True)
@given(name=st.text(min_size=1, max_size=30), value=st.text(min_size=6, max_size=80))
def test_no_description_ever_contains_the_value(name, value):
    found = classify(name, value)
    if found is not None:
        assert value.strip() not in found
    for line in scan_code(f'{name} = "{value}"\n'):
        assert value.strip() not in line or len(value.strip()) < 6


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    service=st.sampled_from(["secretsmanager", "ssm", "kms", "dynamodb", "s3", "sqs"]),
    account=st.from_regex(r"\A[0-9]{12}\Z"),
    rest=st.text(alphabet=_RANDOM_ALPHABET + ":", min_size=1, max_size=60),
    name=st.sampled_from(["DB_PASSWORD", "API_KEY", "SECRET", "TABLE"]),
)
def test_arns_are_never_secrets(service, account, rest, name):
    assert classify(name, f"arn:aws:{service}:eu-west-1:{account}:{rest}") is None


@settings(max_examples=100, deadline=None, derandomize=True)
@given(number=st.integers(min_value=0, max_value=10**6), name=st.sampled_from(["DB_PASSWORD", "API_KEY"]))
def test_cdk_tokens_are_never_secrets(number, name):
    assert classify(name, f"${{Token[TOKEN.{number}]}}") is None


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.from_regex(r"\A[a-z]{3,10}(-[a-z]{3,10}){0,3}\Z"))
def test_word_like_config_under_ordinary_names_is_not_secret(value):
    assert classify("TABLE_NAME", value) is None
    assert classify("SERVICE", value) is None


# --- source code ------------------------------------------------------------------------------------------

CODE = f'''
import os

password = "Zx9#kL2!qW8@rT5$"
db_password = os.environ["DB_PASSWORD"]
api_key = "placeholder"
token = f"{{prefix}}-suffix"
conn = "Server=x;User=app;Password=hunter22;"
KEY = """-----BEGIN PRIVATE KEY-----"""
aws_secret_access_key="{AWS_EXAMPLE_SECRET}"
session = boto3.Session(aws_access_key_id="{AWS_EXAMPLE_ID}")
headers = {{"Authorization": "Bearer {JWT_EXAMPLE}"}}
url = "https://admin:Sup3rS3cret@internal.example.com"
config = {{"apiKey": "Qm9vbGVhbkNvZGVyMTIzNDU2"}}
client(token="9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c")
log.info("password: %s", masked)
table_name = "orders-table"
'''


def test_scan_code_finds_each_hard_coded_secret_with_its_line():
    assert scan_code(CODE) == [
        "line 4: high-entropy string assigned to password",
        "line 8: password= pair in a string literal",
        "line 9: private key block",
        "line 10: AWS secret access key assigned to aws_secret_access_key",
        "line 11: AWS access key ID",
        "line 12: JWT",
        "line 13: URL with inline password",
        "line 14: high-entropy string assigned to apiKey",
        "line 15: high-entropy string assigned to token",
    ]


def test_scan_code_never_prints_values():
    report = "\n".join(scan_code(CODE))
    for value in ("Zx9#kL2", "hunter22", AWS_EXAMPLE_SECRET, AWS_EXAMPLE_ID, "Sup3rS3cret", "Qm9vbGVh"):
        assert value not in report


@pytest.mark.parametrize(
    "code",
    [
        "password = os.environ['DB_PASSWORD']",
        "password = get_secret(SECRET_ARN)",
        'secret_arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf"',
        'token = f"{prefix}{suffix}"',
        'api_key = ""',
        'password = "<password>"',
        'PASSWORD_PARAMETER = "/prod/db/password"',
        'url = "https://example.com/path?x=1"',
        'print("enter password: ")',
        "x = 1",
        "",
    ],
)
def test_scan_code_is_quiet_on_ordinary_code(code):
    assert scan_code(code) == []

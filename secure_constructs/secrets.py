"""Plaintext-secret detection, shared by the constructs (construct-time errors) and the nag pack (synth-time).

:func:`classify` judges one ``(name, value)`` pair, such as a Lambda environment variable; :func:`scan_code`
judges source text. Both return short descriptions of *why* something looks like a secret and never the
value itself, so their results are safe to print, log and put in a validation report.

The detector prefers silence on ordinary configuration (table names, URLs without credentials, ARNs,
flags, CloudFormation tokens and intrinsics, names of secrets) over catching every weak password: the
high-entropy test applies only under secret-like names, while the well-known shapes (private keys, AWS
access keys, JWTs, provider tokens, URLs with inline passwords, ``password=`` pairs) are caught anywhere.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

__all__ = ["classify", "classify_resolved", "entropy", "is_secret_like_name", "scan_code"]

# --- shapes that are secrets wherever they appear ---------------------------------------------------------

_PRIVATE_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_AWS_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Z0-9])")
_AWS_SECRET_KEY = re.compile(r"^[A-Za-z0-9/+]{40}$")
_JWT = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_URL_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@'\"]*:([^\s/@'\"]+)@[^\s/@'\"]")
_PROVIDER_TOKENS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![A-Za-z0-9])(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}(?![A-Za-z0-9])"), "GitHub token"),
    (re.compile(r"(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{50,}"), "GitHub token"),
    (re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}"), "Slack token"),
    (re.compile(r"(?<![A-Za-z0-9])(?:sk|rk)_live_[A-Za-z0-9]{16,}"), "Stripe secret key"),
    (re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"), "Google API key"),
    (re.compile(r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"), "SendGrid API key"),
)
_SECRET_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(?:secretsmanager|ssm-secure):")
# key=value / key: value pairs inside a value, e.g. an ODBC/ADO connection string or a query string.
_PAIR = re.compile(
    r"(?<![A-Za-z0-9])(password|passwd|pwd|secret|client_secret|api_?key|access_?token|auth_?token|token)"
    r"[\"']?\s*[=:]\s*[\"']?([^\s;&,\"']+)",
    re.IGNORECASE,
)

# --- values that are never secrets ------------------------------------------------------------------------

_TOKEN_MARKERS = ("${Token[", "#{Token[", "${AWS::", "{{resolve:")
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:")
_PLACEHOLDER = re.compile(
    r"^(?:\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*|\{\{[^}]*\}\}|<[^>]*>|%[sd]|\{\}|\*+|x+|\.\.\.)$"
)
_PATH_SEGMENT = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$")
_NAME_PIECE = re.compile(r"^(?:[A-Za-z]+[0-9]{0,4}|[0-9]{1,4})$")
_NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")
#: A name CDK generates from a construct path: capitalized words and digits, then an 8-hex-digit hash
#: (``IdentitiesStaffRoleDefaultPolicyEB02FF14``).
_CDK_GENERATED_NAME = re.compile(r"^(?:[A-Z][a-z0-9]*)+[0-9A-F]{8}$")
_BOOLEANS = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "none", "null"})

# --- names ------------------------------------------------------------------------------------------------

#: Name words that mark a value as secret (matched on the name's words, case-insensitive).
_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "credential", "credentials"}
)
_SECRET_PAIRS = frozenset(
    {
        ("api", "key"),
        ("access", "key"),
        ("secret", "key"),
        ("private", "key"),
        ("signing", "key"),
        ("encryption", "key"),
        ("master", "key"),
        ("client", "secret"),
        ("auth", "key"),
        ("session", "key"),
    }
)
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase"})
#: A name that ends in one of these words refers to a secret or describes it, it does not hold one.
_REFERENCE_SUFFIXES = frozenset(
    {
        "arn", "name", "id", "ids", "param", "parameter", "path", "ttl", "length", "len", "size", "enabled",
        "disabled", "url", "uri", "endpoint", "header", "file", "region", "policy", "mode", "type", "version",
        "issuer", "audience", "expiry", "expiration", "timeout", "count", "max", "min", "format", "alias",
        "bucket", "table", "queue", "topic", "rotation", "location", "source", "prefix", "ref", "key_id",
        "secret_id", "days", "seconds", "hours", "minutes", "flag", "required", "field", "env", "var",
    }
)


def _words(name: str) -> list[str]:
    # DB_PASSWORD, dbPassword, db-password, db.password -> ["db", "password"]
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def is_secret_like_name(name: str) -> bool:
    """Whether ``name`` says it holds a secret (``DB_PASSWORD``, ``apiKey``) and not a reference to one
    (``DB_PASSWORD_SECRET_ARN``, ``TOKEN_TTL``)."""
    words = _words(name)
    if not words or words[-1] in _REFERENCE_SUFFIXES:
        return False
    if any(w in _SECRET_WORDS for w in words):
        return True
    return any(pair in _SECRET_PAIRS for pair in zip(words, words[1:], strict=False))


def _is_password_name(name: str) -> bool:
    words = _words(name)
    return bool(words) and words[-1] not in _REFERENCE_SUFFIXES and any(w in _PASSWORD_WORDS for w in words)


def entropy(value: str) -> float:
    """Shannon entropy of ``value`` in bits per character (0.0 for an empty string)."""
    if not value:
        return 0.0
    counts = Counter(value)
    total = len(value)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def _classes(value: str) -> int:
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() for c in value),
        )
    )


_WORD = re.compile(r"[A-Z]?[a-z]{2,}")


def _wordy(value: str) -> bool:
    """Mostly made of words, whatever the separators or capitals (``Orders/Api/Alarms/WafBlockedSpike``,
    ``IdentitiesStaffRoleDefaultPolicy``): names people and CDK give, not random material."""
    letters = sum(len(m) for m in _WORD.findall(value) if len(m) >= 3)
    return letters >= 0.7 * len(re.sub(r"[^A-Za-z0-9]", "", value))


def _aws_secret_key(value: str) -> bool:
    """Shaped like an AWS secret access key: 40 base64 characters, varied, random rather than words."""
    shaped = bool(_AWS_SECRET_KEY.match(value)) and _classes(value) >= 3
    return shaped and entropy(value) >= 4.0 and not _wordy(value)


def _looks_random(value: str) -> bool:
    """Random-looking: long enough, varied, and not made of words (``prod-orders-table``)."""
    if len(value) < 8 or " " in value.strip():
        return False
    if re.fullmatch(r"[a-z]+(?:[-_.][a-z]+)*", value) or re.fullmatch(r"[A-Z]+(?:[-_.][A-Z]+)*", value):
        return False  # words joined by separators
    bits = entropy(value)
    classes = _classes(value)
    if len(value) >= 16:
        return bits >= 3.3 and classes >= 2
    return bits >= 2.9 and classes >= 3


def _is_reference_or_config(value: str) -> bool:
    """Values that are not secrets whatever their name: tokens, ARNs, placeholders, numbers, flags, names."""
    stripped = value.strip()
    if len(stripped) < 4:
        return True
    if any(m in stripped for m in _TOKEN_MARKERS) and not _SECRET_DYNAMIC_REFERENCE.search(stripped):
        return True
    if _ARN.match(stripped) or _PLACEHOLDER.match(stripped) or _NUMBER.match(stripped):
        return True
    if _CDK_GENERATED_NAME.match(stripped):
        return True
    if stripped.lower() in _BOOLEANS:
        return True
    if "://" in stripped and not _URL_PASSWORD.search(stripped):
        return True  # a URL without credentials
    return _is_secret_name(stripped)


def _is_secret_name(value: str) -> bool:
    # Secrets Manager names / SSM parameter paths: prod/orders/db, /app/prod/api-key (words, not random).
    if "/" not in value:
        return False
    segments = [s for s in value.split("/") if s]
    if not segments or not all(_PATH_SEGMENT.match(s) for s in segments):
        return False
    # Each piece of a chosen name is a word with an optional number (orders, db2, v2) or a short number.
    return all(
        _NAME_PIECE.match(piece) and not (len(piece) >= 12 and _looks_random(piece))
        for segment in segments
        for piece in re.split(r"[-_.]", segment)
    )


def _shape(value: str) -> str | None:
    """The well-known secret shape found in ``value`` (anywhere), if any."""
    if _PRIVATE_KEY.search(value):
        return "private key"
    if _AWS_ACCESS_KEY_ID.search(value):
        return "AWS access key ID"
    if _JWT.search(value):
        return "JWT"
    for pattern, description in _PROVIDER_TOKENS:
        if pattern.search(value):
            return description
    if _SECRET_DYNAMIC_REFERENCE.search(value):
        return "dynamic reference that resolves a secret into plaintext at deploy time"
    match = _URL_PASSWORD.search(value)
    if match and not _PLACEHOLDER.match(match.group(1)):
        return "URL with inline password"
    for pair in _PAIR.finditer(value):
        word, secret = pair.group(1).lower(), pair.group(2).strip("'\"")
        if len(secret) >= 3 and not _PLACEHOLDER.match(secret) and not _is_reference_or_config(secret):
            return f"{word}= pair"
    return None


def classify(name: str, value: str) -> str | None:
    """Why the pair ``name=value`` looks like a plaintext secret, or ``None``.

    The answer is a short description ("AWS secret access key", "private key", "JWT", "URL with inline
    password", "password= pair", "high-entropy value under a secret-like name", ...) that never contains
    the value. Non-string values (CloudFormation intrinsics as dicts) are not judged: use
    :func:`classify_resolved` for those.
    """
    if not isinstance(value, str) or not value.strip() or _ARN.match(value.strip()):
        return None
    shape = _shape(value)
    if shape is not None:
        return shape
    if _is_reference_or_config(value):
        return None
    stripped = value.strip()
    if _aws_secret_key(stripped):
        return "AWS secret access key"
    if is_secret_like_name(name) and _looks_random(stripped):
        return "high-entropy value under a secret-like name"
    if _is_password_name(name) and " " not in stripped:
        return "literal value under a password-like name"
    return None


def classify_resolved(name: str, value: Any) -> str | None:
    """:func:`classify` for a resolved CloudFormation value: strings inside intrinsics (``Fn::Join`` parts,
    ``Fn::Sub`` templates) are judged one by one, references (``Ref``, ``Fn::GetAtt``) are not secrets."""
    for text in _strings(value):
        found = classify(name, text)
        if found is not None:
            return found
    return None


_REF = "{{ref}}"  # stands for a reference inside a joined string (not a secret, not a placeholder)


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    join = value.get("Fn::Join") if isinstance(value, dict) and len(value) == 1 else None
    if isinstance(join, list) and len(join) == 2 and isinstance(join[0], str) and isinstance(join[1], list):
        return join[0].join(_render(part) for part in join[1])
    return _REF


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        if set(value) & {"Ref", "Fn::GetAtt", "Fn::ImportValue"}:
            return
        if "Fn::Join" in value:
            yield _render(value)
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# --- source code ------------------------------------------------------------------------------------------

_ASSIGNMENT = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?::=|=>|==|=|:)\s*[bfrBFRuU]{0,2}"""
    r"""(?P<q>["'])(?P<value>[^"'\n]*)(?P=q)"""
)
_STRING_LITERAL = re.compile(r"""(?P<q>["'])(?P<body>[^"'\n]*)(?P=q)""")


def scan_code(text: str) -> list[str]:
    """Descriptions (with line numbers, never values) of secrets hard-coded in source ``text``.

    Finds private key blocks, AWS access key IDs, JWTs, provider tokens, URLs with inline passwords,
    ``password=`` pairs inside string literals, and literal high-entropy strings assigned to secret-like
    names (``password = "…"``, ``"apiKey": "…"``, ``token=…`` keyword arguments).
    """
    found: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        seen: set[str] = set()

        def add(description: str, *, _n: int = number, _seen: set[str] = seen) -> None:
            if description not in _seen:
                _seen.add(description)
                found.append(f"line {_n}: {description}")

        if _PRIVATE_KEY.search(line):
            add("private key block")
        if _AWS_ACCESS_KEY_ID.search(line):
            add("AWS access key ID")
        if _JWT.search(line):
            add("JWT")
        for pattern, description in _PROVIDER_TOKENS:
            if pattern.search(line):
                add(description)
        url = _URL_PASSWORD.search(line)
        if url and not _PLACEHOLDER.match(url.group(1)) and "{" not in url.group(1):
            add("URL with inline password")
        for match in _ASSIGNMENT.finditer(line):
            name, value = match.group("name").rsplit(".", 1)[-1], match.group("value")
            if _is_reference_or_config(value) or "{" in value:
                continue  # f-string / template placeholders are filled at run time
            if _aws_secret_key(value):
                add(f"AWS secret access key assigned to {name}")
            elif is_secret_like_name(name) and _looks_random(value):
                add(f"high-entropy string assigned to {name}")
        for literal in _STRING_LITERAL.finditer(line):
            for pair in _PAIR.finditer(literal.group("body")):
                word, secret = pair.group(1).lower(), pair.group(2).strip("'\"")
                if "{" in secret or "%" in secret or _is_reference_or_config(secret):
                    continue
                if word in _PASSWORD_WORDS or _looks_random(secret):
                    add(f"{word}= pair in a string literal")
    return found

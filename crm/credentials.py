"""Database URLs as they may be shown: every credential in them replaced by ***.

SQLAlchemy's own `render_as_string(hide_password=True)` hides only the password it parsed, and
it parses `u:S3cr@t@host` as the password `S3cr` on the host `t@host`, and leaves a password in
the query string (`?password=S3cret`, which psycopg takes) in plain sight. So crm reads the URL
itself, generously: the user part ends at the last `@` before the path, and any query value
whose name speaks of a secret is hidden. Showing too little of a URL costs nothing; showing a
password is not undone.

Cheap to import (no SQLAlchemy): error messages of `crm today`'s fast path go through it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

HIDDEN = "***"
# query parameters that hold credentials (password, sslpassword, passfile, pwd, api_key, token)
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)
_ANY_PARAMETER = re.compile(r"[?&]([^=&?]+)=([^&?]*)")
_PARAMETER = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# a secret this short could be any word of a message: scrubbing it would garble, not protect
_SHORTEST_SCRUBBED = 3


def _user_part_end(rest: str) -> int:
    """Where the user part (`user:password`) of `rest` (the URL after `://`) ends: the index of
    its `@`, or -1 when there is none."""
    for at in sorted((i for i, c in enumerate(rest) if c == "@"), reverse=True):
        after = rest[at + 1 :]
        slash, question = after.find("/"), after.find("?")
        if slash >= 0 and (question < 0 or slash < question):
            return at  # a host, then a path: this @ closes the user part
    # no path: the last @ of all (`u:pw?x@host`: SQLAlchemy too reads "pw?x" as the password;
    # an @ in the query string makes this hide too much, which is the safe way to be wrong)
    return rest.rfind("@")


def split_url(url: str) -> tuple[str, str, str, str, str] | None:
    """(scheme, user, password or '', host and path, query) of a URL; None without `://`."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return None
    end = _user_part_end(rest)
    userinfo, place = (rest[:end], rest[end + 1 :]) if end >= 0 else ("", rest)
    user, _, password = userinfo.partition(":")
    where, _, query = place.partition("?")
    return scheme, user, password, where, query


def _query_items(query: str) -> list[tuple[str, str]]:
    """(name, value) pairs; a piece that is no `name=value` after a secret is taken as the rest
    of that secret (`password=a&b`, `password=a&=b`: an & the user did not encode), never as
    a parameter to show."""
    items: list[tuple[str, str]] = []
    for part in query.split("&"):
        name, equals, value = part.partition("=")
        parameter = equals and _PARAMETER.fullmatch(name)
        if not parameter and items and _SECRET_NAME.search(unquote(items[-1][0])):
            items[-1] = (items[-1][0], f"{items[-1][1]}&{part}")
            continue
        items.append((name, value))
    return items


def masked_url(url: str) -> str:
    """The URL with its password and every secret query value shown as ***."""
    parts = split_url(url)
    if parts is None:
        return url  # a file path: nothing secret in it
    scheme, user, password, where, query = parts
    shown = f"{scheme}://"
    if user or password:
        user = user if _PARAMETER.fullmatch(user) or not user else HIDDEN  # "u@h?password=x"
        shown += user + (f":{HIDDEN}" if password else "") + "@"
    host, slash, path = where.partition("/")
    if "@" in path:  # `u:a@/b@host`: the driver reads "b@host" as the database; the user meant
        path = HIDDEN  # a password "a@/b", and which it is cannot be told
    shown += host + slash + path
    if query:
        items = [
            f"{name}={HIDDEN}" if _SECRET_NAME.search(unquote(name)) or not value else part
            for name, value, part in (
                (name, value, f"{name}={value}") for name, value in _query_items(query)
            )
        ]
        shown += "?" + "&".join(items)
    return _hide(shown, url_secrets(url))


def _hide(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) >= _SHORTEST_SCRUBBED or secret.endswith("@"):
            text = text.replace(secret, HIDDEN)
    return text


def url_secrets(url: str) -> list[str]:
    """Every credential in the URL, as typed and percent-decoded, longest first: the password
    read generously, SQLAlchemy's reading of it, and secret query values."""
    parts = split_url(url)
    if parts is None:
        return []
    found = {parts[2]}
    for name, value in _query_items(parts[4]):
        if _SECRET_NAME.search(unquote(name)):
            found |= {value, *value.split("&")}  # the driver reads `b` of `password=a&b` alone
    # anything that looks like a secret parameter anywhere, however the URL splits: in
    # `u@h?password=a@b` SQLAlchemy takes "b" for the host, and the driver names it
    for name, value in _ANY_PARAMETER.findall(url):
        if _SECRET_NAME.search(unquote(name)):
            found |= {value, *re.split("[@&]", value)}
    password = parts[2]
    path = parts[3].partition("/")[2]
    if "@" in path:
        found.add(path)
    if "@" in password:
        # SQLAlchemy (and so the driver) reads the password up to its first @, and the rest of
        # it as the start of the host name, which then appears in "cannot resolve host" errors
        before, _, after = password.partition("@")
        found |= {before, after + "@"}
    found |= {unquote(secret) for secret in found}
    # and the words in them: a driver may quote a piece of one with its \ or ' escaped
    found |= {word for secret in found for word in re.findall(r"[^\W_]{4,}", secret)}
    return sorted((s for s in found if s), key=len, reverse=True)


def unencoded_at(url: str) -> bool:
    """Whether the password holds a raw @, which no driver reads as the user meant."""
    parts = split_url(url)
    return parts is not None and "@" in parts[2]


def scrub(text: str, url: str | None) -> str:
    """`text` (an error message, a log line) with the URL and its credentials masked."""
    if not url:
        return text
    text = text.replace(url, masked_url(url))
    return _hide(text, url_secrets(url))

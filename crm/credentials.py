"""Database URLs as they may be shown: every credential in them replaced by ***.

SQLAlchemy's own `render_as_string(hide_password=True)` hides only the password it parsed, and
it parses `u:S3cr@t@host` as the password `S3cr` on the host `t@host`, and leaves a password in
the query string (`?password=S3cret`, which psycopg takes) in plain sight. So crm does not parse
the URL the way a driver would; it marks what could be a credential however the URL is read, and
hides all of it:

- everything from `://` to the last `@` of the URL, but for a plain user name before a `:`
  (`u:S3cr@t@host` shows `u:***@host`; a host holds no `@`, so nothing after it is a password);
- the value of every query parameter named like a secret (`password`, `sslpassword`, `passfile`,
  …), wherever it stands, up to the next `&` that starts a parameter libpq knows, or the end
  (`password=a@&b` is one password, whose `b` SQLAlchemy would otherwise show as a host).

Showing too little of a URL costs nothing; showing a password is not undone.

Cheap to import (no SQLAlchemy): error messages of `crm today`'s fast path go through it.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

HIDDEN = "***"
_SECRET_NAME = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)
# the connection parameters of libpq (and SQLAlchemy's psycopg dialect): an `&` before one of
# these ends a secret value; any other `&` may be a character of the password typed unencoded
_KNOWN = (
    "host|hostaddr|port|dbname|user|password|passfile|require_auth|channel_binding|"
    "connect_timeout|client_encoding|options|application_name|fallback_application_name|"
    "keepalives|keepalives_idle|keepalives_interval|keepalives_count|tcp_user_timeout|"
    "replication|gssencmode|sslmode|sslnegotiation|requiressl|sslcompression|sslcert|sslkey|"
    "sslpassword|sslcertmode|sslrootcert|sslcrl|sslcrldir|sslsni|requirepeer|"
    "ssl_min_protocol_version|ssl_max_protocol_version|krbsrvname|gsslib|gssdelegation|"
    "service|target_session_attrs|load_balance_hosts|async_fallback|prepare_threshold"
)
# every `name=` after a ? or &, overlapping (a lookahead): a value read too generously, such as
# `&+=…` of a password typed unencoded, must not hide the `?password=` inside it from the search
_PARAMETER = re.compile(rf"(?=[?&]([^=&?]+)=(.*?)(?=&(?:{_KNOWN})=|$))", re.IGNORECASE | re.DOTALL)
_PLAIN_USER = re.compile(r"[A-Za-z0-9_.-]*")
# a secret this short could be any word of a message: scrubbing it would garble, not protect
_SHORTEST_SCRUBBED = 3


def _hidden_spans(url: str) -> list[tuple[int, int]]:
    """The (start, end) places of `url` that may hold a credential, merged and in order."""
    scheme, sep, _ = url.partition("://")
    if not sep:
        return []  # a file path: nothing secret in it
    start = len(scheme) + len(sep)
    spans = []
    last_at = url.rfind("@", start)
    if last_at >= 0:
        user, colon, _ = url[start:last_at].partition(":")
        if not _PLAIN_USER.fullmatch(user):
            spans.append((start, last_at))  # "p@ss:…", "u@h?password=a": all of it
        elif colon:
            spans.append((start + len(user) + 1, last_at))  # the password after "user:"
    for parameter in _PARAMETER.finditer(url, start):
        if _SECRET_NAME.search(unquote(parameter.group(1))) and parameter.group(2):
            spans.append(parameter.span(2))
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def masked_url(url: str) -> str:
    """The URL with every place that may hold a credential shown as ***, and the password's
    text wherever else it appears (`u:crm@host/crm`)."""
    shown, done = "", 0
    for begin, end in _hidden_spans(url):
        shown += url[done:begin] + HIDDEN
        done = end
    return _hide(shown + url[done:], url_secrets(url))


def url_secrets(url: str) -> list[str]:
    """What error messages must not show: every hidden part of the URL, as typed and
    percent-decoded, and its pieces (a driver names the piece it read as a host, a database or
    a port), longest first."""
    found = {url[begin:end] for begin, end in _hidden_spans(url)}
    found |= {unquote(secret) for secret in found}
    pieces = {piece for secret in found for piece in re.split(r"[@&?#/:=\s]", secret)}
    # a driver reads the text after an @ of the password as the start of the host name
    pieces |= {piece + "@" for secret in found for piece in secret.split("@")[:-1]}
    # and the words in them: a driver may quote a piece of one with its \ or ' escaped
    words = {word for secret in found for word in re.findall(r"[^\W_]{4,}", secret)}
    return sorted((s for s in found | pieces | words if s), key=len, reverse=True)


def unencoded_at(url: str) -> bool:
    """Whether the URL's credentials hold a raw @, which no driver reads as the user meant."""
    _scheme, sep, rest = url.partition("://")
    return bool(sep) and rest.count("@") > 1


def without_credentials(url: str) -> str:
    """`scheme://user@host/path` with no password and no query: what may be handed to another
    program (pg_dump), which asks for the password itself."""
    scheme, _, rest = masked_url(url).partition("://")
    userinfo, at, place = rest.rpartition("@")
    user = userinfo.partition(":")[0] if at else ""
    user = "" if HIDDEN in user else user
    host_and_path = place.partition("?")[0]
    return f"{scheme.split('+')[0]}://{user + '@' if user else ''}{host_and_path}"


def _hide(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if len(secret) >= _SHORTEST_SCRUBBED or secret.endswith("@"):
            text = text.replace(secret, HIDDEN)
    return text


def scrub(text: str, url: str | None) -> str:
    """`text` (an error message, a log line) with the URL and its credentials masked."""
    if not url:
        return text
    text = text.replace(url, masked_url(url))
    return _hide(text, url_secrets(url))

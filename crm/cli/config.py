"""`crm config`: the settings in force and the database in use."""

from __future__ import annotations

from crm.cli.common import JSON, env


def config(json: bool = JSON) -> None:
    """Show the effective settings, where they come from, and the database in use.

    The password of a database URL is never shown.

    Example: crm config
    """
    import json as json_text

    from crm.db import masked
    from crm.render import print_json
    from crm.settings import config_path, data_dir

    e = env()
    s = e.settings
    path = config_path()
    doc = {
        "database": masked(e.url),
        "config_file": str(path),
        "config_file_exists": path.is_file(),
        "data_dir": str(data_dir()),
        "timezone": s.timezone or f"system ({e.now.tzname()})",
        "remind_at": s.remind_at,
        "me": list(s.me),
        "import_max_mb": s.import_max_mb,
        "plan": s.plan._asdict(),
        "notify": dict(s.notify._asdict(), smtp_password=_password_source()),
        "now": e.now,
    }
    if json:
        print_json(doc)
        return
    out = e.out
    source = "" if path.is_file() else "  (not there: all defaults)"
    out.print(f"config file   {path}{source}", soft_wrap=True)
    out.print(f"database      {doc['database']}", soft_wrap=True)
    out.print(f"timezone      {doc['timezone']}")
    out.print(f"remind_at     {s.remind_at}   (crm daemon's daily run)")
    me = ", ".join(s.me) if s.me else 'not set (me = ["you@example.org"]: crm import mail)'
    out.print(f"me            {me}", soft_wrap=True)
    out.print(f"import_max_mb {s.import_max_mb}   (the largest file an import reads)")
    out.print(
        f"now           {e.now:%Y-%m-%d %H:%M %Z}" + ("   (CRM_NOW)" if _pretending() else "")
    )
    out.print("[plan]")
    for name, value in s.plan._asdict().items():
        shown = list(value) if isinstance(value, tuple) else value
        shown = str(shown).lower() if isinstance(shown, bool) else shown  # as TOML writes it
        out.print(f"  {name:<28}{shown}")
    out.print("[notify]")
    for name, value in doc["notify"].items():  # type: ignore[attr-defined]
        # as TOML writes them: ["email", "desktop"], false
        shown = json_text.dumps(value) if isinstance(value, tuple | bool) else value
        out.print(f"  {name:<28}{shown or '(not set)'}", soft_wrap=True)


def _password_source() -> str:
    """Where the SMTP password would come from; the password itself is never shown."""
    import os

    if os.environ.get("CRM_SMTP_PASSWORD"):
        return "*** (from CRM_SMTP_PASSWORD)"
    return "the system keyring, if one holds it (never shown)"


def _pretending() -> bool:
    import os

    return bool(os.environ.get("CRM_NOW"))

"""crm: a personal CRM that remembers the follow-ups after a job rejection."""

__version__ = "0.1.0"

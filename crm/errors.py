"""The errors a user can cause, each with the exit status scripts can rely on.

Anything raised as a `CrmError` is printed as one line on stderr by the entry point; anything
else is a bug and keeps its traceback.
"""

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  # a failure that is not the user's input (a database that cannot be reached)
    USAGE = 2  # malformed input: a date, a file, an option (the same status click uses)
    NOT_FOUND = 3  # no such contact, employer, job or task
    AMBIGUOUS = 4  # a name that matches more than one record
    CONFLICT = 5  # the request contradicts what is stored (a duplicate, a closed task)


class CrmError(Exception):
    exit_status = ExitStatus.ERROR


class BadInput(CrmError):
    exit_status = ExitStatus.USAGE


class NotFound(CrmError):
    exit_status = ExitStatus.NOT_FOUND


class Ambiguous(CrmError):
    exit_status = ExitStatus.AMBIGUOUS


class Conflict(CrmError):
    exit_status = ExitStatus.CONFLICT


class DatabaseError(CrmError):
    """The database cannot be opened or reached; the message never holds a password."""

    exit_status = ExitStatus.ERROR

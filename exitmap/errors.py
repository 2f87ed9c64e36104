"""The errors a user can cause and fix; each says what went wrong in Chinese.

Callers catch by class, never by knowing which module raised. The command group turns any
``UserError`` into its message and exit code 1 (exitmap/cli); the pages show the message.
"""


class UserError(Exception):
    """Something the user asked for cannot be done as asked; the message says why."""


class SettingsError(UserError):
    """A setting (an environment variable) holds a value that cannot be used."""

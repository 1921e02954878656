"""The program's own failures. Problems in the input are Issue values, not exceptions."""


class ThiduaError(Exception):
    """A failure that stops the command; its message is Vietnamese and shown to the user."""


class ConfigError(ThiduaError, ValueError):
    """config.toml is missing, unreadable, or a key is wrong."""


class RegistryError(ThiduaError, ValueError):
    """The unit registry cannot be used as it is."""


class OutputError(ThiduaError, OSError):
    """The output folder cannot be written."""


class RegisterError(ThiduaError, ValueError):
    """A decision cannot be recorded as given (number, date, issuer, run folder); nothing is written."""

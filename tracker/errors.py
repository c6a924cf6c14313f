"""Domain errors: small and named. The CLI turns them into one clear line and a non-zero exit."""


class XinxiError(Exception):
    """Base of every error the user can act on."""


class NotFound(XinxiError):
    """A named thing (article, unit, run, entry) does not exist."""


class LockHeld(XinxiError):
    """Another process holds the run lock."""

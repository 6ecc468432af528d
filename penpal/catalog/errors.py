"""The one error an import raises when a whole source cannot be read."""


class ImportFailed(Exception):
    """A source could not be fetched or parsed; nothing was changed by it."""

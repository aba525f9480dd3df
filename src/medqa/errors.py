"""The one exception type users see: a clear message, never a traceback."""


class MedqaError(Exception):
    """A problem with the user's input, files or settings, explained in one message.

    The CLI prints the message and exits non-zero; library callers can catch it.
    """

class AwardError(Exception):
    """The action is not allowed; the message says why, in the user's language."""

"""The one error type of the data layer."""


class DataError(ValueError):
    """A data file or cache is missing, unreadable or not in the expected format.

    The message names the file and says what was expected and what was found.
    """

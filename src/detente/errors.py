"""Errors that detente reports to its users.

Every problem with user input is raised as :class:`InputError`, which names the file, the
place in it (line, row or field), what is wrong and what is allowed. The CLI prints the
message and exits with status 2; it never shows a traceback for these.
"""

from __future__ import annotations


class DetenteError(Exception):
    """Base class of every error detente raises on purpose."""


class ModelError(DetenteError, ValueError):
    """A model could not produce a forecast (e.g. a non-finite outcome): a defect to report
    with the scenario that caused it, shown as one line rather than a traceback."""


class InputError(DetenteError, ValueError):
    """A problem with something the user wrote: a file, a field, a parameter.

    Parameters
    ----------
    problem:
        What is wrong, in one sentence.
    source:
        The file (or "scenario", "--param", ...) the problem is in.
    where:
        The line, row, column or field, as the user would look for it.
    allowed:
        What would have been accepted.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        where: str | None = None,
        allowed: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.where = where
        self.allowed = allowed
        super().__init__(self.message)

    @property
    def message(self) -> str:
        head = ""
        if self.source:
            head = str(self.source)
            if self.where:
                head += f", {self.where}"
            head += ": "
        elif self.where:
            head = f"{self.where}: "
        text = head + self.problem
        if self.allowed:
            text += f" (allowed: {self.allowed})"
        return text

    def __str__(self) -> str:
        return self.message


class InputNotice(UserWarning):
    """Something detente changed or assumed while reading input, that the user must hear
    about (for example saliences given on 0..100 and rescaled to 0..1). Readers emit it
    with :func:`warnings.warn`; the CLI prints it."""


class InvalidValue(ValueError):
    """A value a scenario's own checks refuse, with what would be allowed.

    Raised inside pydantic validators (which wrap it in a ``ValidationError``); the readers
    turn it into an :class:`InputError` whose ``allowed`` is :attr:`allowed`.
    """

    def __init__(self, problem: str, allowed: str | None = None) -> None:
        self.allowed = allowed
        super().__init__(problem)

"""Error types shared by the core; each carries the exit code of the CLI contract."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: a one-line message a person can act on, and the exit code it maps to."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        return where + self.message.replace("\n", " ")


class BadInput(PipelineError):
    """The user asked for something invalid (bad id, field, date, value). Nothing was written."""

    exit_code = 2


class RepoUnusable(PipelineError):
    """The repository cannot be used as it is: not a pipeline, git missing, a conflict, no identity."""

    exit_code = 3


class YamlProblem(PipelineError):
    """A YAML file could not be read safely (syntax, duplicate key, python tag, too big, alias bomb)."""

    exit_code = 2

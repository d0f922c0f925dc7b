"""pipeline-tui: a plain-text, git-backed sales pipeline manager."""

__version__ = "0.1.0"

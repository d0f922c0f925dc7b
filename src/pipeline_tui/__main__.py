"""`python -m pipeline_tui` runs the CLI."""

from pipeline_tui.cli import main

if __name__ == "__main__":
    main()

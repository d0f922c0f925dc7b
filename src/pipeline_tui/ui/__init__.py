"""The Textual terminal UI: screens and widgets over the headless core."""

"""The commands of `pipeline`, by theme: plain click commands, each module listing its own in `COMMANDS`;
`cli.app` puts them on the group (a command module never imports the group)."""

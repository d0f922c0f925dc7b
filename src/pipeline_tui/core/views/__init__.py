"""Read-only figures over the leads: the query language, the agenda, the source mix, the report, the checks."""

"""Read-only figures over the leads: the query language, the agenda, the source mix, the report, the checks,
the forecast, follow-up capacity and the cost of each source."""

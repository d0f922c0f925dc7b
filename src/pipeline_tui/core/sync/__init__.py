"""Sync with a remote: fetch, check what came in, merge field by field, push; and the fields changed differently
on both sides, each with both values, until a person chooses."""

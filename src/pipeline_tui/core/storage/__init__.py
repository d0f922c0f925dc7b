"""Bytes on disk, knowing nothing of leads: reading files safely, stamps, atomic writes, locks, cache files."""

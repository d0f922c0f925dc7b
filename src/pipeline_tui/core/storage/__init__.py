"""Bytes on disk, knowing nothing of leads: reading files safely, atomic and journalled writes, locks, caches."""

"""Leads in and out: reading export files, what CRM columns and values mean, planning each row, applying, exporting."""

"""The headless core: lead files, the playbook, storage, git, queries. Never imports Textual."""

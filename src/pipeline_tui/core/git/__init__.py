"""Git: the repository, history and stage history, the merge driver, conflicts a person resolves, sync."""

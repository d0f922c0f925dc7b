"""Git: the repository and the git program, history and stage history, the merge driver and its merges,
conflicts waiting in files, and the journal that makes many-file writes whole."""

"""Sources turn places (trees, files, stdin, git history, the environment) into scannable bytes."""

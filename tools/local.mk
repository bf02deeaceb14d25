# tools/: rules arrive with its issue.

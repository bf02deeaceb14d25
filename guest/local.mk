# guest/: rules arrive with its issue.

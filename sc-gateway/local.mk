# sc-gateway/: rules arrive with its issue.

# qemu-dev/: rules arrive with its issue.

# router/: filled in by the router work (issue 3).

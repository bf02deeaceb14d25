#!/bin/sh
# MSI (multi-message, 4 vectors) from the SystemC models to a Linux guest:
# tests/e2e/msix.sh with guest/msi-platform.yaml.
MSI_KIND=msi
. "$(dirname "$0")/msix.sh"

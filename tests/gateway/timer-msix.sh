#!/bin/sh
exec sh "${top_srcdir:-.}/tests/gateway/timer.sh" msix

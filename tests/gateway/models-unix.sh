#!/bin/sh
exec sh "${top_srcdir:-.}/tests/gateway/models.sh" unix

# shellcheck shell=sh disable=SC2154 # $prog is the sourcing script's
# scripts/lib.sh: sourced by the project's build scripts (POSIX sh; Debian
# runs them with dash).  One way to fail, loudly:
#
#   prog=build-qemu
#   . "$top/scripts/lib.sh"
#   step "configuring QEMU"     says what is being done and remembers it
#   doing "reading the cache"   only remembers it
#   say MESSAGE                 progress, on stderr
#   die REASON                  the error and what to do, then exit 1
#   die_with STATUS REASON      the same with another exit status
#
# The scripts run under `set -eu`.  There a command that fails where nobody
# checks it ends the script, and so, in dash, does an assignment from a
# failing command substitution (`x=$(false)`), even inside a function that
# itself runs in one.  Such an exit says nothing of its own: the EXIT trap
# set here then names the step that was under way, so no failure is silent.
# A script that must undo something on exit defines on_exit (called first,
# whatever the status).

sclink__step="starting"
sclink__died=

say() { echo "$prog: $*" >&2; }

die_with() {
    sclink__died=1
    sclink__status=$1
    shift
    echo "$prog: error: $*" >&2
    exit "$sclink__status"
}

die() { die_with 1 "$@"; }

doing() { sclink__step=$*; }

step() {
    doing "$@"
    say "$*"
}

on_exit() { :; }

sclink__exit() {
    sclink__rc=$?
    on_exit
    if [ "$sclink__rc" -ne 0 ] && [ -z "$sclink__died" ]; then
        echo "$prog: error: failed while $sclink__step (exit status $sclink__rc); the lines above say why" >&2
    fi
}
trap sclink__exit EXIT
# A signal ends the script through the EXIT trap too (dash runs it only on
# exit, not on a signal's default action).
trap 'exit 130' INT
trap 'exit 143' TERM

# guest_kernel TOP: the guest kernel's release (guest/kernel-version, its
# one line that is not a comment), e.g. 6.1.0-57-amd64.
guest_kernel() {
    sclink__k=$(sed -n '/^[^#]/{p;q}' "$1/guest/kernel-version" 2>/dev/null) || sclink__k=
    case $sclink__k in
    '' | *[!A-Za-z0-9.+-]*) die "no kernel release in $1/guest/kernel-version" ;;
    esac
    echo "$sclink__k"
}

#!/usr/bin/env bash
# Writes the man page minirun(8) to stdout from the built binary's own help
# (every command, its usage and flags) and README.md's annotation table, so
# the page cannot drift from `minirun --help` or the documented annotations.
# The build runs it (target minirun_man, build/minirun.8.gz).
# Usage: scripts/manpage.sh MINIRUN README.md [OUT]
set -euo pipefail
bin=${1:?usage: manpage.sh MINIRUN README.md [OUT]}
readme=${2:?usage: manpage.sh MINIRUN README.md [OUT]}
if [ -n "${3:-}" ]; then exec >"$3"; fi
version=$("$bin" --version | sed -n 's/^minirun version //p')

# troff-safe text: backslashes, and a leading . or ' would be a request.
esc() { sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/" -e 's/-/\\-/g'; }

# The "Options:" block of a CLI11 help text as .TP entries.
options() {
  awk '
    /^Options:/ {on = 1; next}
    /^[A-Z][a-z]*:/ {on = 0}
    !on || /^$/ {next}
    /^  (\\)?-/ {
      if (flag != "") print_entry()
      line = substr($0, 3); flag = line; desc = ""
      if (match(line, /   +/)) { flag = substr(line, 1, RSTART - 1); desc = substr(line, RSTART + RLENGTH) }
      next
    }
    { sub(/^ +/, ""); desc = (desc == "" ? $0 : desc " " $0) }
    function print_entry() { print ".TP"; print "\\fB" flag "\\fR"; print desc; flag = "" }
    END { if (flag != "") print_entry() }
  ' | sed -e 's/,--/, --/g'
}

cat <<HEAD
.TH MINIRUN 8 "" "minirun $version" "System Administration"
.SH NAME
minirun \- an OCI container runtime (runc-compatible command line)
.SH SYNOPSIS
.B minirun
[\fIglobal options\fR] \fIcommand\fR [\fIcommand options\fR] [\fIarguments\fR]
.SH DESCRIPTION
HEAD
"$bin" --help | sed -n '2,3p' | esc
cat <<'TEXT'
.PP
minirun speaks runc's command line, exit codes, state machine and JSON, so
podman, docker and containerd can use it in place of runc.
Global options go before the command.
.SH GLOBAL OPTIONS
TEXT
"$bin" --help | esc | options
echo ".SH COMMANDS"
for cmd in $("$bin" --help | awk '/^Subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}'); do
  help=$("$bin" "$cmd" --help)
  echo ".SS $cmd"
  printf '%s\n' "$help" | sed -n '1p' | esc
  echo ".PP"
  printf '%s\n' "$help" | sed -n 's/^Usage: //p' | esc | sed 's/^/.B /'
  printf '%s\n' "$help" | esc | options
done
cat <<'TEXT'
.SH ANNOTATIONS
OCI has no fields for these; they are annotations in config.json.  Absent
means plain runc behaviour; an unknown run.minirun.* key is an error.
TEXT
grep '^| `run\.minirun\.' "$readme" | while IFS='|' read -r _ key value meaning _; do
  key=$(printf '%s' "$key" | tr -d '`' | sed 's/^ *//; s/ *$//')
  value=$(printf '%s' "$value" | tr -d '`' | sed 's/^ *//; s/ *$//')
  meaning=$(printf '%s' "$meaning" | tr -d '`' | sed 's/^ *//; s/ *$//')
  echo ".TP"
  printf '\\fB%s\\fR = \\fI%s\\fR\n' "$key" "$value" | esc | sed 's/\\e\(f[BIR]\)/\\\1/g'
  printf '%s\n' "$meaning" | esc
done
cat <<'TEXT'
.SH EXIT STATUS
As runc: 0 on success, 1 on an error (one line on stderr naming the step,
field or path and the cause); \fBrun\fR returns the container's exit status,
128+N when it was killed by signal N; \fBexec\fR returns the process's status,
255 when it could not be started; \fBcheck\fR returns 1 when something
\fBrun\fR needs is missing.
.SH FILES
.TP
.I /run/minirun
the default state root (\fB\-\-root\fR); as a user $XDG_RUNTIME_DIR/minirun
.SH SEE ALSO
.BR runc (8),
.BR podman (1),
.BR ctr (8)
TEXT

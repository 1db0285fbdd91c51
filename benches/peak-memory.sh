#!/usr/bin/env bash
# Peak memory (maximum resident set size, GNU time's %M) of the streaming CLI
# commands on generated input (issue 15 §3; figures in BENCHMARKS.md):
#   - `mbox list` and `mbox import` of an mbox of many small messages (each
#     a copy of tests/data/normal-minimal.eml with its CRLF line ends, so
#     import checks and verifies every one),
#   - the same of an mbox of the same size of tiny messages (the issue's
#     case: some 700k messages),
#   - `split-bcc` of a message with many BCC recipients and a large body.
# Memory must stay bounded by the largest message, not grow with the count.
#
#   bash benches/peak-memory.sh [MBOX_MB] [BCC_COUNT] [BODY_MB]
# (defaults 50, 999, 1). Builds the release CLI first, unless DEMAIL names
# a binary. Needs /usr/bin/time
# (Debian package `time`) and python3 (to generate the input).
set -euo pipefail
MBOX_MB="${1:-50}"
BCC_COUNT="${2:-999}"
BODY_MB="${3:-1}"
cd "$(dirname "$0")/.."
# DEMAIL=/path/to/demail measures that binary instead (e.g. an older
# build, for a before/after comparison).
if [ -z "${DEMAIL:-}" ]; then
    cargo build --release --features cli --quiet
    DEMAIL="$PWD/target/release/demail"
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 - "$WORK" "$MBOX_MB" "$BCC_COUNT" "$BODY_MB" <<'PY'
import sys
work, mbox_mb, bcc_count, body_mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
base = open("tests/data/normal-minimal.eml", "rb").read()
head, body = base.split(b"\r\n\r\n", 1)
with open(f"{work}/big.mbox", "wb") as out:
    written, n = 0, 0
    while written < mbox_mb * 1024 * 1024:
        chunk = b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" + base + b"\n"
        out.write(chunk)
        written += len(chunk)
        n += 1
print(f"mbox: {n} messages, {written} bytes")
# The issue's case: as many tiny messages (not De-Mail messages: import
# reports each as invalid) as fit into the same size.
with open(f"{work}/tiny.mbox", "wb") as out:
    written, n = 0, 0
    while written < mbox_mb * 1024 * 1024:
        chunk = b"From a@b Thu Jan  1 00:00:00 1970\nSubject: %d\r\n\r\nx\r\n\n" % n
        out.write(chunk)
        written += len(chunk)
        n += 1
print(f"tiny mbox: {n} messages, {written} bytes")
lines = []
for field in head.split(b"\r\n"):
    if field.lower().startswith(b"x-de-mail-chosen-recipient:"):
        # Folded, one address per line: an unfolded line of 999 addresses
        # exceeds the parser's line limit (RFC 5322 §2.1.1) and the command
        # would only measure its refusal.
        bcc = b"bcc=" + b",\r\n ".join(b"r%d@dmda-a.de-mail.de" % i for i in range(bcc_count))
        field = b"x-de-mail-chosen-recipient: to=max.mustermann@dmda-a.de-mail.de; " + bcc
    if field.lower().startswith(b"x-de-mail-integrity") or field.startswith((b"\t", b" ")) and lines and lines[-1] is None:
        lines.append(None)
        continue
    lines.append(field)
head = b"\r\n".join(l for l in lines if l is not None)
line = b"x" * 76 + b"\r\n"
big_body = line * (body_mb * 1024 * 1024 // len(line))
open(f"{work}/bcc.eml", "wb").write(head + b"\r\n\r\n" + big_body)
print(f"split-bcc: {bcc_count} BCC recipients, body {len(big_body)} bytes")
PY

# Prints the peak RSS with the exit status; a command that failed is
# shown with its message, so a refusal is never mistaken for a figure.
measure() {
    local name="$1"
    shift
    local status=0
    /usr/bin/time -f "%M %e" -o "$WORK/rss" "$@" >"$WORK/out" 2>"$WORK/err" || status=$?
    read -r rss seconds < <(tail -1 "$WORK/rss")
    printf '%-12s %8d KiB peak RSS  %6.2f s  exit %d  stdout %d bytes\n' \
        "$name" "$rss" "$seconds" "$status" "$(stat -c %s "$WORK/out")"
    if [ "$status" -ne 0 ]; then
        sed 's/^/    /' "$WORK/err" | head -3
    fi
}
measure "mbox list" "$DEMAIL" mbox list "$WORK/big.mbox"
measure "mbox import" "$DEMAIL" mbox import "$WORK/big.mbox" -d "$WORK/imported"
measure "tiny list" "$DEMAIL" mbox list "$WORK/tiny.mbox"
measure "tiny import" "$DEMAIL" mbox import "$WORK/tiny.mbox"
measure "split-bcc" "$DEMAIL" split-bcc "$WORK/bcc.eml" -d "$WORK/copies"
ls "$WORK/copies" | wc -l | sed 's/^/split-bcc copies written: /'

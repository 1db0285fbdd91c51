#!/usr/bin/env bash
# Fuzz every demail parser for a fixed time: fuzz/run.sh [SECONDS_PER_TARGET]
# (default 30). Exits non-zero when any target crashes, panics or times out,
# after printing the path of each reproducer under fuzz/artifacts/<target>/.
#
# Toolchain: cargo-fuzz needs unstable rustc flags (-Zsanitizer=..., the
# sancov passes), so it needs a nightly compiler. The script uses
# `cargo +nightly fuzz` when rustup has a nightly toolchain; otherwise it
# falls back to the default (stable) toolchain with RUSTC_BOOTSTRAP=1, which
# lets stable rustc accept the -Z flags. Both work for these targets (checked
# with nightly 2026-05 and stable 1.95). Override with
# FUZZ_TOOLCHAIN=nightly|bootstrap.
#
# Sanitizer: none by default (`-s none`). demail forbids unsafe code, and
# the parsers these targets reach (header, address, fields, envelope, metadata,
# validate, integrity, and mail-parser and mail-builder) have no unsafe code
# either; `verify` also reaches ring, x509-parser and rustls-webpki, and
# `smime_open` the RustCrypto cms/der/rsa/aes crates, whose own fuzzing and
# review we rely on.
# AddressSanitizer would only slow the run down (about 2x): panics, failed
# assertions, stack overflows, slow inputs (-timeout) and memory blow-ups
# (-rss_limit_mb) are caught without it. Override with FUZZ_SANITIZER=address
# (e.g. once a target reaches the integrity layer).
#
# Corpora: the small seed corpora checked in under fuzz/seeds/<target>/ are
# copied into fuzz/corpus/<target>/ (gitignored), which libFuzzer grows.
# Dictionaries (fuzz/dict/*.dict: field names, keywords, RFC 2047 and folding
# tokens) help libFuzzer reach encoded words, which it rarely builds alone.
# Crashes go to fuzz/artifacts/<target>/, logs to fuzz/artifacts/logs/.
#
# Targets: every [[bin]] of fuzz/Cargo.toml. Other knobs:
# FUZZ_TARGETS="envelope header" runs a subset; FUZZ_TIMEOUT is
# the libFuzzer -timeout in seconds per input (default 30). Each target runs
# in one process, one after the other; a failing target does not stop the
# others.
set -euo pipefail

SECONDS_PER_TARGET="${1:-30}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || [ "$SECONDS_PER_TARGET" -lt 1 ]; then
    echo "usage: $0 [SECONDS_PER_TARGET]" >&2
    exit 2
fi
FUZZ_DIR="$(cd "$(dirname "$0")" && pwd)"
cd "$FUZZ_DIR/.." # cargo fuzz runs from the crate root and finds ./fuzz

# Every target of fuzz/Cargo.toml, in file order, unless FUZZ_TARGETS names some.
ALL_TARGETS="$(sed -n 's/^name = "\(.*\)"$/\1/p' "$FUZZ_DIR/Cargo.toml" | grep -v '^demail-fuzz$' | tr '\n' ' ')"
TARGETS="${FUZZ_TARGETS:-$ALL_TARGETS}"
SANITIZER="${FUZZ_SANITIZER:-none}"
TIMEOUT="${FUZZ_TIMEOUT:-30}"

# A target's own fuzz/dict/<target>.dict, else its family's; none for the rest.
dict_for() {
    if [ -f "$FUZZ_DIR/dict/$1.dict" ]; then
        echo "$FUZZ_DIR/dict/$1.dict"
        return
    fi
    case "$1" in
        envelope | header | verify | integrity_tags) echo "$FUZZ_DIR/dict/envelope.dict" ;;
        address | recipient_list) echo "$FUZZ_DIR/dict/address.dict" ;;
        c14n | xmldsig_verify) echo "$FUZZ_DIR/dict/xml.dict" ;;
        smime_open) echo "$FUZZ_DIR/dict/smime.dict" ;;
        mbox) echo "$FUZZ_DIR/dict/mbox.dict" ;;
    esac
}

max_len() {
    case "$1" in
        address | recipient_list | integrity_tags) echo 4096 ;; # one field value
        c14n) echo 16384 ;;                                     # documents with some nesting
        xmldsig_verify) echo 65536 ;;                           # a signed document with its certificate
        mbox) echo 65536 ;;                                     # several messages per input
        smime_open) echo 65536 ;;                               # a protected message with its recipients
        pdf) echo 16384 ;;                                      # a long subject or value
        status_evidence) echo 16384 ;;                          # a CRL or an OCSP response
        *) echo 262144 ;; # Limits::default().max_header_bytes; whole documents
    esac
}

# --- toolchain -------------------------------------------------------------
CARGO=(cargo)
toolchain="${FUZZ_TOOLCHAIN:-}"
if [ -z "$toolchain" ]; then
    if command -v rustup >/dev/null 2>&1 && rustup toolchain list | grep -q '^nightly'; then
        toolchain=nightly
    elif rustc --version | grep -q -- '-nightly'; then
        toolchain=default-nightly
    else
        toolchain=bootstrap
    fi
fi
case "$toolchain" in
    nightly) CARGO=(cargo +nightly) ;;
    default-nightly) ;;
    bootstrap) export RUSTC_BOOTSTRAP=1 ;;
    *)
        echo "FUZZ_TOOLCHAIN must be nightly or bootstrap, not '$toolchain'" >&2
        exit 2
        ;;
esac

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing; installing it (cargo install cargo-fuzz --locked)"
    cargo install cargo-fuzz --locked
fi
echo "toolchain: ${toolchain} ($("${CARGO[@]}" --version)${RUSTC_BOOTSTRAP:+, RUSTC_BOOTSTRAP=1})"
echo "cargo-fuzz: $(cargo fuzz --version)"
echo "sanitizer: ${SANITIZER}; ${SECONDS_PER_TARGET}s per target: ${TARGETS}"

# --- build -----------------------------------------------------------------
build_start=$(date +%s)
"${CARGO[@]}" fuzz build --sanitizer "$SANITIZER"
echo "build took $(($(date +%s) - build_start))s"

# --- run -------------------------------------------------------------------
mkdir -p "$FUZZ_DIR/artifacts/logs"
failed=()
summary=()
details=()
for target in $TARGETS; do
    corpus="$FUZZ_DIR/corpus/$target"
    artifacts="$FUZZ_DIR/artifacts/$target"
    log="$FUZZ_DIR/artifacts/logs/$target.log"
    mkdir -p "$corpus" "$artifacts"
    if [ -d "$FUZZ_DIR/seeds/$target" ]; then
        cp -n "$FUZZ_DIR/seeds/$target"/* "$corpus/" 2>/dev/null || true
    fi
    echo
    echo "=== fuzzing $target for ${SECONDS_PER_TARGET}s (log: ${log#"$PWD"/})"
    status=0
    dict="$(dict_for "$target")"
    "${CARGO[@]}" fuzz run --sanitizer "$SANITIZER" "$target" "$corpus" -- \
        -max_total_time="$SECONDS_PER_TARGET" \
        -rss_limit_mb=2048 \
        -max_len="$(max_len "$target")" \
        ${dict:+-dict="$dict"} \
        -timeout="$TIMEOUT" \
        -print_final_stats=1 \
        2>&1 | tee "$log" || status=$?
    stats="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
    summary+=("$target: ${stats:-no stats} (exit $status)")
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        echo
        echo "!!! $target FAILED (exit $status); reproducer(s):"
        reproducers="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")"
        if [ -z "$reproducers" ]; then
            reproducers="$(ls -t "$artifacts" 2>/dev/null | head -n 1 | sed "s|^|$artifacts/|")"
        fi
        for path in $reproducers; do
            echo "    $path"
            echo "    reproduce: ${RUSTC_BOOTSTRAP:+RUSTC_BOOTSTRAP=1 }${CARGO[*]} fuzz run --sanitizer $SANITIZER $target $path"
        done
        # What went wrong and the input itself, kept for the end of the
        # output: CI shows only the tail, and its artifacts are gone.
        details+=("--- $target: $(grep -m 1 -E 'panicked at|ERROR: libFuzzer|deadly signal|ALARM|out-of-memory' "$log" || echo 'no error line in the log')")
        details+=("$(grep -m 1 -A 12 -E 'panicked at' "$log" | head -n 13 || true)")
        for path in $reproducers; do
            if [ -f "$path" ]; then
                details+=("$target input (base64, $(wc -c <"$path") bytes): $(base64 -w 0 "$path" | head -c 16384)")
            fi
        done
    fi
done

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -ne 0 ]; then
    printf '%s\n' "${details[@]}"
    echo "failed targets: ${failed[*]} (artifacts under fuzz/artifacts/)" >&2
    exit 1
fi

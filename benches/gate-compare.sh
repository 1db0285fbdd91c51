#!/usr/bin/env bash
# The benchmark gate's comparison step (issue 18, docs/decisions.md D80).
#
#   benches/gate-compare.sh check    # compare the last `cargo bench --bench gate`
#                                    # run with benches/gate-baseline.tsv
#   benches/gate-compare.sh update   # write its figures to the baseline
#
# Reads the summaries gungraun writes with `--save-summary=json`
# (target/gungraun/demail/gate/gate/<function>.<id>/summary.json). For every
# benchmark it takes three figures: `instructions` (Callgrind Ir),
# `allocations` (DHAT total blocks) and `allocated_bytes` (DHAT total bytes).
# `check` prints old, new and new/old for each and exits 1 when one grows by
# more than GATE_THRESHOLD_PERCENT (default 3), or when a benchmark is in
# the baseline but was not measured, or measured but not in the baseline
# (fail closed: a renamed benchmark needs a reviewed baseline update).
# Needs jq and awk.
set -euo pipefail
cd "$(dirname "$0")/.."

BASELINE="benches/gate-baseline.tsv"
SUMMARIES="${GATE_SUMMARIES:-target/gungraun/demail/gate}"
THRESHOLD="${GATE_THRESHOLD_PERCENT:-3}"

measured() {
    local files
    files=$(find "$SUMMARIES" -name summary.json 2>/dev/null | sort)
    if [ -z "$files" ]; then
        echo "gate: no summaries under $SUMMARIES; run 'cargo bench --bench gate -- --save-summary=json' first" >&2
        exit 2
    fi
    # shellcheck disable=SC2086
    jq -r '
        def figure(tool; metric): [.profiles[] | select(.tool == tool)
            | .data.parts[0].metrics[metric].values.new][0];
        (.function_name + "/" + .id) as $name
        | [$name, "instructions", figure("Callgrind"; "Ir")],
          [$name, "allocations", figure("DHAT"; "TotalBlocks")],
          [$name, "allocated_bytes", figure("DHAT"; "TotalBytes")]
        | @tsv' $files | sort
}

case "${1:-}" in
update)
    {
        echo "# benchmark	figure	value   (benches/gate-compare.sh update; see BENCHMARKS.md)"
        measured
    } >"$BASELINE"
    echo "gate: wrote $(grep -vc '^#' "$BASELINE") figures to $BASELINE"
    ;;
check)
    measured | awk -F'\t' -v threshold="$THRESHOLD" -v baseline="$BASELINE" '
        BEGIN {
            while ((getline line < baseline) > 0) {
                if (line ~ /^#/ || line == "") continue
                split(line, f, "\t")
                old[f[1] "\t" f[2]] = f[3]
            }
            printf "%-34s %-16s %12s %12s %8s\n", "benchmark", "figure", "old", "new", "ratio"
            limit = 1 + threshold / 100
            failed = 0
        }
        {
            key = $1 "\t" $2
            if ($3 == "" || $3 == "null") {
                printf "%-34s %-16s %12s %12s %8s  NOT MEASURED\n", $1, $2, old[key], "-", "-"
                failed = 1
            } else if (!(key in old)) {
                printf "%-34s %-16s %12s %12d %8s  NOT IN BASELINE\n", $1, $2, "-", $3, "-"
                failed = 1
            } else {
                ratio = (old[key] == 0) ? ($3 == 0 ? 1 : 999) : $3 / old[key]
                mark = (ratio > limit) ? "  REGRESSION" : ""
                if (ratio > limit) failed = 1
                printf "%-34s %-16s %12d %12d %8.4f%s\n", $1, $2, old[key], $3, ratio, mark
            }
            seen[key] = 1
        }
        END {
            for (key in old) if (!(key in seen)) {
                split(key, f, "\t")
                printf "%-34s %-16s %12d %12s %8s  MISSING\n", f[1], f[2], old[key], "-", "-"
                failed = 1
            }
            if (failed) {
                printf "gate: FAILED (threshold %s %%); if the change is intended, run benches/gate-compare.sh update and commit the baseline with the reason\n", threshold
                exit 1
            }
            printf "gate: ok (no figure grew by more than %s %%)\n", threshold
        }'
    ;;
*)
    echo "usage: benches/gate-compare.sh check|update" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# Runs every fuzz target for a short, fixed time, as CI does (.ci/run):
#   fuzz/ci.sh [SECONDS_PER_TARGET]        (default: $FUZZ_SECONDS or 20)
# Builds once (no sanitizer: every crate of the project forbids unsafe code, and
# the build is twice as fast), seeds libFuzzer with the committed corpus minus
# the known crashes (known-crashes.txt), writes what it finds to a temporary
# directory, and prints one summary line per target. Exits non-zero if any
# target crashed; the crashing input is printed (base64) and kept in
# fuzz/artifacts/<target>/. See README.md.
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-${FUZZ_SECONDS:-20}}"
targets=(parse_response model_roundtrip build_request simulator_handle policies oauth)
# cargo-fuzz passes -Zsanitizer/-Cpasses flags; RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
# A target dir outside the checkout survives between CI runs on one machine.
target_dir="${FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/okta-factors/fuzz-target}"
flags=(--sanitizer none --codegen-units 16 --target-dir "$target_dir")
start=$SECONDS

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

echo "== building the fuzz targets ($target_dir)"
cargo fuzz build "${flags[@]}"
built=$((SECONDS - start))

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  seeds="$work/seeds/$t" found="$work/found/$t" log="$work/$t.log"
  mkdir -p "$seeds" "$found"
  cp corpus/"$t"/* "$seeds"/
  while read -r known; do
    case "$known" in "$t"/*) rm -f "$seeds/${known#"$t"/}" ;; esac
  done < <(grep -v '^[[:space:]]*\(#\|$\)' known-crashes.txt || true)
  rm -rf "artifacts/$t"
  status=ok
  # New inputs go to $found (the first directory); the seeds are only read.
  cargo fuzz run "${flags[@]}" "$t" "$found" "$seeds" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$log" 2>&1 || status=CRASH
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)"
  stats="$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)"
  printf 'fuzz %-17s %-5s %9s execs in %ss (%s/s)  %s  seeds %s\n' \
    "$t" "$status" "${execs:-?}" "$seconds" "${rate:-?}" "${stats:-}" "$(ls "$seeds" | wc -l)"
  if [ "$status" != ok ]; then
    failed+=("$t")
    grep -E -A3 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -20 || tail -20 "$log"
    for crash in artifacts/"$t"/*; do
      [ -f "$crash" ] || continue
      echo "input fuzz/$crash (base64):"
      head -c 4096 "$crash" | base64
    done
    echo "reproduce: cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run $t <file>   (README.md: adding a regression)"
  fi
done

echo "fuzz: ${#targets[@]} targets x ${seconds}s, build ${built}s, total $((SECONDS - start))s"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: CRASHED: ${failed[*]}"
  exit 1
fi

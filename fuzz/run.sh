#!/usr/bin/env bash
# Fuzz every target for a bounded time: fuzz/run.sh [SECONDS_PER_TARGET] (default 15).
# Installs cargo-fuzz when missing (crates.io) and uses the nightly toolchain; the build is
# cached in target/fuzz. Seeds: first the committed set fuzz/seeds/<target>/ (a few small
# inputs taken from tests/fixtures, shaped as each target reads them: e.g. `check` and `fix`
# split files at NUL bytes), then the repository's fixtures and ../shared/corpus when present,
# copied at run time into target/fuzz/corpus/<target> (libFuzzer adds what it finds there).
# A crash leaves its input in fuzz/artifacts/<target>/ and fails the run: turn it into a
# regression test in the normal suite (see BENCHMARKS.md, "Fuzzing").
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-15}
targets=(conf sentinel acl sysctl yaml check fix acl_dryrun)
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
tdir=$(pwd)/../target/fuzz
for t in "${targets[@]}"; do cargo +nightly fuzz build -O --target-dir "$tdir" "$t" >/dev/null; done
seed() { # target, file patterns
  local t=$1 dir=$tdir/corpus/$1; shift
  mkdir -p "$dir"
  if [ -d "seeds/$t" ]; then # the committed seeds come first, under their own names
    for f in "seeds/$t"/*; do
      if [ -f "$f" ]; then cp "$f" "$dir/committed-$(basename "$f")"; fi
    done
  fi
  for root in ../tests/fixtures ../../shared/corpus ../shared/corpus; do
    [ -d "$root" ] || continue
    find "$root" -type f \( "$@" \) -size -64k 2>/dev/null | head -200 | while read -r f; do
      cp -n "$f" "$dir/seed-$(printf '%s' "$f" | md5sum | cut -c1-12)" 2>/dev/null || true
    done || true
  done
}
seed conf -name '*.conf'
seed sentinel -name 'sentinel*.conf'
seed acl -name '*.acl'
seed sysctl -path '*sysctl*'
seed yaml -name '*.yml' -o -name '*.yaml'
seed check -name '*.conf' -o -name '*.acl'
seed fix -name 'redis*.conf'
seed acl_dryrun -name '*.acl'
status=0
for t in "${targets[@]}"; do
  log=$tdir/$t.log
  if cargo +nightly fuzz run -O --target-dir "$tdir" "$t" "$tdir/corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 >"$log" 2>&1; then
    printf '%-10s %s\n' "$t" "$(grep -Eo '#[0-9]+[[:space:]]+DONE.*' "$log" | tail -1)"
  else
    echo "FUZZ FAILURE in $t (input in fuzz/artifacts/$t/):"; tail -30 "$log"; status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Runs every test on real RabbitMQ and PostgreSQL (started by infra/local/up.sh when not running) and ends with
#   N passed, N failed[, N skipped]
# counted from the TRX results. Exit code: non-zero when anything failed or did not build.
#
#   bash infra/test.sh                   # everything: the xunit suites, reliability (quick), benchmarks (smoke)
#   bash infra/test.sh --filter Name~Jwt # extra arguments go to `dotnet test` (and skip the two programs)
#
# After the suites: the quick reliability scenarios (tests/Cds.Reliability --quick: bad input, security, Epic faults,
# kill -9) and the benchmarks' smoke mode (all six, loose floors only); each scenario counts as one test.
# CDS_SKIP_RELIABILITY=1 / CDS_SKIP_BENCHMARKS=1 leave them out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
eval "$(bash infra/local/up.sh)"
export CDS_POSTGRES CDS_RABBITMQ CDS_RABBITMQ_MANAGEMENT
# Debian's Chromium for the dashboard's and the SMART app's browser tests (installed once, then found).
CDS_CHROMIUM="$(bash infra/local/chromium.sh)"
export CDS_CHROMIUM

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

echo "[test] building (warnings are errors)" >&2
dotnet build Cds.sln -c Release -nologo -clp:ErrorsOnly >&2

echo "[test] running tests" >&2
status=0
dotnet test Cds.sln -c Release --no-build -nologo --logger "trx" --results-directory "$results" \
  --logger "console;verbosity=minimal" "$@" >&2 || status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [[ -f $trx ]] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
if ((files == 0)); then
  echo "[test] no TRX results were written" >&2
  failed=$((failed + 1))
fi
if ((status != 0 && failed == 0)); then
  # dotnet test failed without a failing test (a crashed test host, for example): count it.
  echo "[test] dotnet test exited with $status" >&2
  failed=1
fi

# A console program that ends with "N passed, N failed": its counts join the total; a run without them counts as a failure.
run_program() {
  local name=$1 log="$results/$1.log"; shift
  echo "[test] $name (output in $log)" >&2
  local rstatus=0 line
  dotnet run -c Release --no-build --project "$@" 2>&1 | tee "$log" >&2 || rstatus=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
  if [[ -z $line ]]; then
    echo "[test] $name ended without its counts (exit $rstatus)" >&2
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")))
  if ((rstatus != 0)) && [[ $line == *" 0 failed"* ]]; then
    echo "[test] $name exited with $rstatus" >&2
    failed=$((failed + 1))
  fi
}

# The failing tests by name (with their message's first line), so the end of the log says what failed.
list_failures() {
  local trx
  for trx in "$results"/*.trx; do
    [[ -f $trx ]] || continue
    awk '
      /<UnitTestResult / && /outcome="Failed"/ {
        name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name); pending = 1; next
      }
      pending && /<Message>/ {
        msg = $0; sub(/.*<Message>/, "", msg); sub(/<\/Message>.*/, "", msg)
        printf "[test] FAILED %s: %s\n", name, substr(msg, 1, 300); pending = 0
      }' "$trx" | sed -e 's/&quot;/"/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' >&2
  done
}

if (($# == 0)) && [[ ${CDS_SKIP_RELIABILITY:-0} != 1 ]]; then
  run_program reliability tests/Cds.Reliability -- --quick --no-docs
fi
if (($# == 0)) && [[ ${CDS_SKIP_BENCHMARKS:-0} != 1 ]]; then
  # Loose floors only ("broken", not "slow"): never an absolute threshold. Results in tests/Cds.Benchmarks/results/smoke-latest.md.
  run_program benchmarks-smoke tests/Cds.Benchmarks -- --smoke
fi
list_failures
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
((failed == 0))

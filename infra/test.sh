#!/usr/bin/env bash
# Runs every test on real RabbitMQ and PostgreSQL (started by infra/local/up.sh when not running) and ends with
#   N passed, N failed[, N skipped]
# counted from the TRX results. Exit code: non-zero when anything failed or did not build.
#
#   bash infra/test.sh                   # everything: the xunit suites, then the quick reliability scenarios
#   bash infra/test.sh --filter Name~Jwt # extra arguments go to `dotnet test` (and skip the reliability scenarios)
#
# The quick reliability scenarios (tests/Cds.Reliability --quick: bad input, security, Epic faults, kill -9; each
# scenario counts as one test) run after the suites; CDS_SKIP_RELIABILITY=1 leaves them out.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
eval "$(bash infra/local/up.sh)"
export CDS_POSTGRES CDS_RABBITMQ CDS_RABBITMQ_MANAGEMENT
# Debian's Chromium for the dashboard's browser test (installed once, then found).
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

if (($# == 0)) && [[ ${CDS_SKIP_RELIABILITY:-0} != 1 ]]; then
  echo "[test] reliability scenarios (--quick; output in $results/reliability.log)" >&2
  rstatus=0
  dotnet run -c Release --no-build --project tests/Cds.Reliability -- --quick --no-docs 2>&1 \
    | tee "$results/reliability.log" >&2 || rstatus=$?
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$results/reliability.log" | tail -1 || true)
  if [[ -n $line ]]; then
    passed=$((passed + $(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")))
    failed=$((failed + $(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")))
  else
    echo "[test] the reliability runner ended without its counts (exit $rstatus)" >&2
    failed=$((failed + 1))
  fi
  if ((rstatus != 0)) && [[ -n $line ]] && [[ $line == *" 0 failed"* ]]; then
    echo "[test] the reliability runner exited with $rstatus" >&2
    failed=$((failed + 1))
  fi
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
((failed == 0))

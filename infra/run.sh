#!/usr/bin/env bash
# Runs the platform locally, without Docker: RabbitMQ + PostgreSQL (infra/local/up.sh), the Epic sandbox (:5180),
# and every service (hooks :5080, enrichment :5081, write-back :5082, SMART app :5083, ops dashboard :5090). Then it drives one
# call of each hook through the sandbox, prints the cards, and a curl line to try yourself. Ctrl+C stops everything.
#
#   bash infra/run.sh            # run until Ctrl+C
#   bash infra/run.sh --demo     # run the demo, print the results, stop (what CI-like smoke checks use)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

eval "$(bash infra/local/up.sh)"
logs="$root/artifacts/logs"; mkdir -p "$logs"

echo "[run] building" >&2
dotnet build Cds.sln -c Release -nologo -clp:ErrorsOnly >&2

export ASPNETCORE_ENVIRONMENT=Development
export CDS_TENANTS_FILE="$root/infra/local/tenants.sandbox.json"
export ConnectionStrings__Postgres="$CDS_POSTGRES"
export ConnectionStrings__RabbitMq="$CDS_RABBITMQ"
# The cards' SMART link (hooks) and the app that opens it share the key that seals its appContext: fresh per run.
export SmartApp__LaunchUrl=http://127.0.0.1:5083/smart/launch
export SmartApp__AppContextKey="${CDS_SMART_LINK_KEY:-$(head -c 32 /dev/urandom | base64)}"
export Ops__DashboardUser=ops Ops__DashboardPassword="${CDS_OPS_PASSWORD:-ops-local}"

pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

start() { # name dll port [args...]
  local name=$1 dll=$2 port=$3; shift 3
  if [[ ! -f $dll ]]; then echo "[run] $name not built ($dll), skipped" >&2; return; fi
  echo "[run] $name on :$port (log: artifacts/logs/$name.log)" >&2
  ASPNETCORE_URLS="http://127.0.0.1:$port" dotnet "$dll" "$@" >"$logs/$name.log" 2>&1 &
  pids+=($!)
}
wait_http() { # name url
  for _ in $(seq 1 120); do curl -fsS -o /dev/null "$2" 2>/dev/null && return 0; sleep 0.5; done
  echo "[run] $1 did not answer at $2; see artifacts/logs/$1.log" >&2; return 1
}

bin=bin/Release/net10.0
start epic-sandbox infra/epic-sandbox/Cds.EpicSandbox/$bin/Cds.EpicSandbox.dll 5180 serve --port 5180
wait_http epic-sandbox http://127.0.0.1:5180/interconnect-fhir-oauth/api/FHIR/R4/metadata
start enrichment services/Cds.Enrichment/$bin/Cds.Enrichment.dll 5081
start writeback services/Cds.WriteBack/$bin/Cds.WriteBack.dll 5082
start hooks services/Cds.Hooks/$bin/Cds.Hooks.dll 5080
start smart services/Cds.Smart/$bin/Cds.Smart.dll 5083
start ops services/Cds.Ops/$bin/Cds.Ops.dll 5090 serve
wait_http enrichment http://127.0.0.1:5081/health/ready
wait_http hooks http://127.0.0.1:5080/health/ready
wait_http smart http://127.0.0.1:5083/health/ready
[[ -f services/Cds.WriteBack/$bin/Cds.WriteBack.dll ]] && wait_http writeback http://127.0.0.1:5082/health/ready

drive() { dotnet infra/epic-sandbox/Cds.EpicSandbox/$bin/Cds.EpicSandbox.dll drive --cds http://127.0.0.1:5080/cds-services/ --sandbox http://127.0.0.1:5180/ "$@"; }
# One unseen call per hook first: a fresh process pays JIT and first connections once, as a deployed one did long ago.
for h in patient-view order-select order-sign; do drive --hook $h --service cds-$h --patient no-data --med ibuprofen >/dev/null 2>&1 || true; done
echo
echo "=== Demo: Epic (the sandbox) calls our hooks ==="
drive --hook patient-view --service cds-patient-view --patient type2-diabetic-high-a1c --launch
drive --hook order-select --service cds-order-select --patient penicillin-allergic --med amoxicillin --feedback overridden
drive --hook order-select --service cds-order-select --patient ckd-on-metformin --med metformin
drive --hook order-sign --service cds-order-sign --patient on-lisinopril --med enalapril --feedback overridden
# (1 min in the sandbox tenant, so the demo can run again soon; 24 h is the suggested setting for a real tenant)
echo "--- the same order again: the sandbox snoozes duplicate therapy for 1 min after an override (Alerts:SnoozeAfterOverride), so no repeat card; recorded as CardsSnoozed"
drive --hook order-sign --service cds-order-sign --patient on-lisinopril --med enalapril
sleep 3 # the override's note is written behind the answer (relay → write-back → Epic)
echo
echo "=== Notes written back to Epic (the sandbox), per identifier ==="
curl -fsS http://127.0.0.1:5180/_sandbox/writes; echo
echo
echo "=== What each rule did: the CDS committee's report (Cds.Ops rules report --tenant sandbox) ==="
dotnet services/Cds.Ops/$bin/Cds.Ops.dll rules report --tenant sandbox --since 1d
echo
echo "Discovery:   curl -s http://127.0.0.1:5080/cds-services"
echo "A hook call: dotnet infra/epic-sandbox/Cds.EpicSandbox/$bin/Cds.EpicSandbox.dll drive --cds http://127.0.0.1:5080/cds-services/ --hook order-select --service cds-order-select --patient penicillin-allergic --med amoxicillin --print-curl"
echo "A timeline:  dotnet services/Cds.Ops/$bin/Cds.Ops.dll timeline <hookInstance>"
echo "SMART app:   the care-gap card's link above (\"smart link\", \"open in a browser\"); standalone: http://127.0.0.1:5083/smart/standalone?tenant=sandbox (clinician / sandbox)"
echo "Dashboard:   http://127.0.0.1:5090/  (user ops, password \$CDS_OPS_PASSWORD or ops-local)"
echo "RabbitMQ:    http://127.0.0.1:15672/ (cds/cds)"

if [[ "${1:-}" == "--demo" ]]; then exit 0; fi
echo "[run] running; Ctrl+C stops" >&2
wait

#!/usr/bin/env bash
# Reruns every wall-clock figure quoted in README.md and docs/articles and prints the new values, one line each:
#   <figure id> (<where it is quoted>): on a <N>-core machine, <seconds> s  [<command>]
# Paste the values into the pages (with the date and whether the machine was otherwise idle).
#   tools/measure-readme-figures.sh            the cheap figures (a few minutes on 2 cores)
#   tools/measure-readme-figures.sh --all      also the long ones (benchmarks beside PyTorch/Stan, MPI, the GPU bundle:
#                                              an hour or more; PyTorch, R/rstan and MPICH where they are compared)
#   tools/measure-readme-figures.sh --list     the figures and their commands, without running anything
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mode="${1:-cheap}"
cores="$(nproc)"
cli="dotnet Engine.Cli/bin/Release/net10.0/TorchEbm.Cli.dll"
bench="dotnet run -c Release --project Engine.Bench --no-build --"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# id | where quoted | long? | command (run from the repository root)
figures=(
  "train-400|README.md set-up block (torchebm train --steps 400)|cheap|$cli train --steps 400 --out $out/quickstart"
  "train-default|docs/articles/cli.md (train defaults)|cheap|$cli train --out $out/default"
  "train-dsm|docs/articles/cli.md (Which loss: --loss dsm)|cheap|$cli train --loss dsm --out $out/dsm"
  "train-sm-noise|docs/articles/cli.md (Which loss: --loss sm --data-noise 0.2)|cheap|$cli train --loss sm --data-noise 0.2 --batch-size 128 --out $out/sm"
  "train-ssm-noise|docs/articles/cli.md (Which loss: --loss ssm --data-noise 0.2)|cheap|$cli train --loss ssm --data-noise 0.2 --batch-size 128 --out $out/ssm"
  "examples|docs/articles/getting-started.md (examples, as CI runs them)|cheap|bash examples/run-all.sh"
  "eight-schools|docs/articles/posteriors.md (eight schools, HMC 1000 + 1000 x 64 chains)|long|dotnet test Engine.Tests -c Release --no-build --filter FullyQualifiedName~EightSchoolsTests"
  "bench-compare|docs/articles/performance.md (W1-W6 beside PyTorch)|long|$bench compare 1"
  "bench-score-matching|docs/articles/performance.md (score matching beside PyTorch)|long|$bench score-matching 3"
  "posteriordb|docs/articles/posteriors.md (NUTS beside Stan)|long|$bench posteriordb"
  "mpi-1-rank|docs/articles/performance.md (MPI, 1 rank, batch 2048)|long|env TORCHEBM_CPU_LAYOUT=2,1,1 taskset -c 0 $cli train --eval-steps 0 --steps 50 --batch-size 2048 --out $out/mpi1"
  "mpi-2-ranks|docs/articles/performance.md (MPI, 2 ranks, batch 2048)|long|env TORCHEBM_CPU_LAYOUT=2,1,1 mpiexec -n 2 -bind-to core $cli train --eval-steps 0 --steps 50 --batch-size 2048 --out $out/mpi2"
  "gpu-bundle-cpu-smoke|docs/articles/gpu.md (tools/gpu-run.sh --cpu-smoke)|long|bash tools/gpu-run.sh --cpu-smoke"
)

if [[ "$mode" == --list ]]; then
    for f in "${figures[@]}"; do IFS='|' read -r id where kind command <<<"$f"; echo "$id ($where, $kind): $command"; done
    exit 0
fi

echo "== building (Release)"
dotnet build -c Release Engine.Cli/Engine.Cli.csproj --nologo -v quiet >/dev/null || exit 1
if [[ "$mode" == --all ]]; then
    dotnet build -c Release Engine.Bench/Engine.Bench.csproj --nologo -v quiet >/dev/null || exit 1
    dotnet build -c Release Engine.Tests/Engine.Tests.csproj --nologo -v quiet >/dev/null || exit 1
fi
echo "== $(date -u '+%Y-%m-%d %H:%M UTC'), $cores cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), load $(cut -d' ' -f1-3 /proc/loadavg)"

status=0
for f in "${figures[@]}"; do
    IFS='|' read -r id where kind command <<<"$f"
    [[ "$kind" == long && "$mode" != --all ]] && continue
    start=$(date +%s.%N)
    if $command >"$out/$id.log" 2>&1; then result=ok; else result="FAILED (exit $?; log below)"; status=1; fi
    seconds=$(echo "$(date +%s.%N) - $start" | bc)
    line="$id ($where): on a $cores-core machine, $(printf '%.1f' "$seconds") s"
    # torchebm train also records its own training time (without start-up and evaluation) in metrics.json
    metrics="$(ls "$out"/*/metrics.json 2>/dev/null | grep -F "/${command##*--out $out/}/" | head -n 1)"
    [[ -n "$metrics" ]] && line="$line (training alone $(grep -oE '"wall_seconds": *[0-9.]+' "$metrics" | grep -oE '[0-9.]+$' | xargs printf '%.1f') s)"
    echo "$line  [$command]${result:+ $result}" | sed 's/ ok$//'
    [[ "$result" != ok ]] && tail -n 20 "$out/$id.log"
    # the long benchmarks print their own tables: show them
    [[ "$kind" == long && "$result" == ok && "$id" != mpi-* ]] && tail -n 40 "$out/$id.log"
done
echo "== load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status

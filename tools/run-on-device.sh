#!/usr/bin/env bash
# The ONE script a GPU machine runs (no .NET SDK, no network needed): tools/gpu-run.sh copies it beside the bundle
# as gpu-bundle/run-on-device.sh. From the repository root of the device's copy:
#
#   bash gpu-bundle/run-on-device.sh              # on the GPU: TORCHEBM_DEVICE=cuda
#   bash gpu-bundle/run-on-device.sh --cpu-smoke  # anywhere: TORCHEBM_DEVICE=cpu, a small subset, to check the bundle
#
# Unpacks the self-contained bundle, then runs phases, each under `timeout`, going on when one fails:
#   nvidia-smi            -> $OUT/nvidia-smi.txt (+ where libcuda is: $OUT/libcuda.txt)
#   TorchEbm.Cli info     -> $OUT/device-info.txt (the devices ILGPU sees)
#   Engine.Bench langevin -> $OUT/bench-langevin.txt and $OUT/bench-langevin.json (W1-W6, engine only, no Python)
#   Engine.Bench tape-energy, posteriordb (GPU only) -> $OUT/bench-traced.txt (energies written in tape ops, traced:
#                            Rosenbrock beside the built-in model; eight schools, arK, kidiq; engine only, no Stan)
#   Engine.GpuRunner      -> $OUT/tests-gpu.log and $OUT/tests-gpu.xml (every NUnit test in category Gpu)
# and writes $OUT/phases.tsv (phase, exit code, seconds) and $OUT/summary.txt. Total budget 9 minutes (BUDGET_S).
# Exit code: 0 when every phase passed, 1 otherwise (results are written either way).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mode=gpu
[[ "${1:-}" == "--cpu-smoke" ]] && mode=cpu
OUT="${OUT:-$here/out-$mode}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
budget="${BUDGET_S:-540}"
start=$(date +%s)
exec > >(tee -a "$OUT/run-on-device.log") 2>&1

elapsed() { echo $(( $(date +%s) - start )); }
left() { echo $(( budget - $(elapsed) )); }
: > "$OUT/phases.tsv"
failures=0

# phase NAME LIMIT_S COMMAND...: runs COMMAND under timeout min(LIMIT_S, time left - 5 s), records its exit code.
phase() {
    local name="$1" limit="$2"; shift 2
    local remaining=$(( $(left) - 5 ))
    (( limit > remaining )) && limit=$remaining
    if (( limit < 5 )); then
        echo "== $name: skipped, budget spent"
        printf '%s\t%s\t%s\n' "$name" "skipped" 0 >> "$OUT/phases.tsv"
        failures=$((failures + 1))
        return
    fi
    echo "== $name (limit ${limit} s, at $(elapsed) s)"
    local t0=$(date +%s)
    timeout --kill-after=10 "$limit" "$@"
    local rc=$?
    local dt=$(( $(date +%s) - t0 ))
    echo "== $name: exit $rc in ${dt} s$( ((rc == 124 || rc == 137)) && echo ' (TIMED OUT)')"
    printf '%s\t%s\t%s\n' "$name" "$rc" "$dt" >> "$OUT/phases.tsv"
    ((rc != 0)) && failures=$((failures + 1))
    return 0
}

# --- unpack -------------------------------------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/torchebm-bundle.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "== unpack $here/torchebm-gpu-bundle.tar.xz into $work"
if ! tar -xJf "$here/torchebm-gpu-bundle.tar.xz" -C "$work"; then
    echo "unpack failed" | tee "$OUT/summary.txt"
    exit 1
fi
app="$work/app"
cat "$app/BUNDLE.txt" 2>/dev/null
cp "$app/BUNDLE.txt" "$OUT/bundle.txt" 2>/dev/null

# No ICU is needed (the bundle is published with InvariantGlobalization); no telemetry, no first-run writes.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0 LC_ALL=C
export TORCHEBM_DEVICE="$( [[ $mode == gpu ]] && echo cuda || echo cpu )"

# ILGPU loads the CUDA driver as "cuda", which .NET resolves as libcuda.so; a driver-only machine (or a container
# with the driver injected) may have only libcuda.so.1. Give it a libcuda.so beside the app when that is so.
{
    echo "ldconfig:"; ldconfig -p 2>/dev/null | grep -E 'libcuda\.so|libnvidia-ml' || echo "  (no libcuda in ldconfig)"
    for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/nvidia/lib64 /usr/local/cuda/compat /lib/x86_64-linux-gnu; do
        ls -l "$d"/libcuda.so* 2>/dev/null
    done
    echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
} > "$OUT/libcuda.txt" 2>&1
if [[ $mode == gpu ]]; then
    so1="$(ldconfig -p 2>/dev/null | awk '/libcuda\.so\.1 .*x86-64/ {print $NF; exit}')"
    if [[ -z "$so1" ]]; then
        for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/nvidia/lib64 /lib/x86_64-linux-gnu; do
            [[ -e "$d/libcuda.so.1" ]] && so1="$d/libcuda.so.1" && break
        done
    fi
    has_so="$(ldconfig -p 2>/dev/null | grep -c 'libcuda\.so ' || true)"
    if [[ -n "$so1" && "$has_so" == 0 ]]; then
        ln -sf "$so1" "$app/libcuda.so"
        export LD_LIBRARY_PATH="$app${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        echo "linked $app/libcuda.so -> $so1" | tee -a "$OUT/libcuda.txt"
    fi
fi

# --- phases -------------------------------------------------------------------------------------------------------
if command -v nvidia-smi > /dev/null; then
    phase nvidia-smi 30 bash -c "nvidia-smi > '$OUT/nvidia-smi.txt' 2>&1; rc=\$?; nvidia-smi -q >> '$OUT/nvidia-smi.txt' 2>&1; exit \$rc"
else
    echo "no nvidia-smi" | tee "$OUT/nvidia-smi.txt"
    [[ $mode == gpu ]] && printf 'nvidia-smi\tmissing\t0\n' >> "$OUT/phases.tsv" && failures=$((failures + 1))
fi

phase device-info 60 bash -c "'$app/TorchEbm.Cli' info > '$OUT/device-info.txt' 2>&1; rc=\$?; cat '$OUT/device-info.txt'; exit \$rc"

if [[ $mode == gpu ]]; then
    reps="${BENCH_REPS:-5}"; bench_limit="${BENCH_TIMEOUT_S:-180}"
    tests_args=(--category Gpu); tests_limit="${TESTS_TIMEOUT_S:-300}"
else
    reps="${BENCH_REPS:-1}"; bench_limit="${BENCH_TIMEOUT_S:-300}"
    # A small CPU subset (random numbers, checkpoints against PyTorch fixtures), then the Gpu category itself,
    # which must skip every test cleanly without CUDA.
    cpu_subset='RandomFillTests\(Cpu\)|CheckpointTests\(Cpu\)'; tests_limit="${TESTS_TIMEOUT_S:-120}"
fi

# The throughput runner first: its figures are what a device session is for; then every GPU fixture.
phase bench-langevin "$bench_limit" bash -c "set -o pipefail; '$app/Engine.Bench' langevin $reps 2>&1 | tee '$OUT/bench-langevin.txt'"
{
    device_line="$(head -n 1 "$OUT/bench-langevin.txt" 2>/dev/null | sed 's/\\/\\\\/g; s/"/\\"/g')"
    echo "{"
    echo "  \"device\": \"$device_line\","
    echo "  \"torchebm_device\": \"$TORCHEBM_DEVICE\","
    echo "  \"repetitions\": $reps,"
    echo "  \"results\": ["
    sed -nE 's/^(.*[^ ]) +([0-9.]+) ms +([0-9.]+E[+-][0-9]+) ([^ ]+)( +acceptance ([0-9.]+))?$/    {"name": "\1", "ms": \2, "rate": \3, "unit": "\4", "acceptance": "\6"},/p' \
        "$OUT/bench-langevin.txt" 2>/dev/null \
        | sed -E 's/"acceptance": ""/"acceptance": null/; s/"acceptance": "([0-9.]+)"/"acceptance": \1/' \
        | sed '$ s/,$//'
    echo "  ]"
    echo "}"
} > "$OUT/bench-langevin.json"

if [[ $mode == gpu ]]; then
    # The traced path (issue 25): a model written in tape ops run as one chain kernel, beside the built-in fused model,
    # and three posteriordb posteriors (NUTS, the suite's defaults).
    phase bench-traced "${TRACED_TIMEOUT_S:-100}" bash -c "set -o pipefail; { '$app/Engine.Bench' tape-energy 3 && '$app/Engine.Bench' posteriordb eight_schools-eight_schools_noncentered arK-arK kidiq-kidscore_interaction; } 2>&1 | tee '$OUT/bench-traced.txt'"
    phase tests-gpu "$tests_limit" bash -c "set -o pipefail; '$app/Engine.GpuRunner' ${tests_args[*]} --result '$OUT/tests-gpu.xml' 2>&1 | tee '$OUT/tests-gpu.log'"
    # All skipped means CUDA was not found: that is a failure on the device.
    if grep -qE '^0 passed, 0 failed' "$OUT/tests-gpu.log"; then
        echo "tests-gpu: nothing ran (every GPU fixture skipped: is CUDA visible to ILGPU? see libcuda.txt)"
        failures=$((failures + 1))
    fi
else
    phase tests-cpu-subset "$tests_limit" bash -c "set -o pipefail; '$app/Engine.GpuRunner' --test '$cpu_subset' --result '$OUT/tests-cpu-subset.xml' 2>&1 | tee '$OUT/tests-cpu-subset.log'"
    phase tests-gpu-category-skips 60 bash -c "set -o pipefail; '$app/Engine.GpuRunner' --category Gpu --result '$OUT/tests-gpu.xml' 2>&1 | tee '$OUT/tests-gpu.log'"
fi

{
    echo "mode: $mode (TORCHEBM_DEVICE=$TORCHEBM_DEVICE), $(elapsed) s of a ${budget} s budget"
    echo "phases (name, exit code, seconds):"
    sed 's/^/  /' "$OUT/phases.tsv"
    echo "tests:"; for f in "$OUT"/tests-*.log; do [[ -f $f ]] && echo "  $(basename "$f" .log): $(grep -E '^[0-9]+ passed, [0-9]+ failed' "$f" | tail -n 1)"; done
    echo "bench:"; sed -n '1,20p' "$OUT/bench-langevin.txt" 2>/dev/null | sed 's/^/  /'
    echo "failures: $failures"
} > "$OUT/summary.txt"
cat "$OUT/summary.txt"
((failures == 0))

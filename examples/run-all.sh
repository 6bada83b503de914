#!/usr/bin/env bash
# Builds every example and runs each with small settings (seconds each on 2 cores), as CI does; exit 1 if any fails.
# Examples run on the CPU accelerator here (TORCHEBM_DEVICE=cpu) unless TORCHEBM_DEVICE is set. MpiSampling runs under
# `mpiexec -n 2` where mpiexec is installed, else as one process (no MPI needed), saying so.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 TORCHEBM_DEVICE="${TORCHEBM_DEVICE:-cpu}"

# name and its small settings (the first argument of each example)
examples=(
    "QuickStart 100"
    "SamplingDiagnostics 200"
    "TapeEnergy 200"
    "ConstrainedPosterior 150"
    "TrainOnCsv 2"
    "CheckpointRoundTrip 20"
    "MpiSampling 256"
)

failed=0
# One build of Examples.sln (all examples and the engine projects they use), then each example runs.
if ! dotnet build -c Release Examples.sln --nologo -v quiet; then
    echo "examples: the build failed"
    exit 1
fi
for entry in "${examples[@]}"; do
    read -r name settings <<<"$entry"
    dll="$name/bin/Release/net10.0/$name.dll"
    [[ -f "$dll" ]] || continue
    echo "== $name $settings"
    start=$(date +%s)
    if [[ "$name" == MpiSampling ]] && command -v mpiexec >/dev/null 2>&1; then
        run=(mpiexec -n 2 dotnet "$dll" $settings)
    else
        [[ "$name" == MpiSampling ]] && echo "(mpiexec not found: running one rank without MPI; apt-get install mpich for two)"
        run=(dotnet "$dll" $settings)
    fi
    if timeout 300 "${run[@]}"; then
        echo "== $name ok ($(( $(date +%s) - start )) s)"
    else
        echo "== $name FAILED ($(( $(date +%s) - start )) s)"
        failed=$((failed + 1))
    fi
done
echo "examples: $failed failed"
[[ "$failed" -eq 0 ]]

#!/usr/bin/env bash
# Builds the self-contained GPU bundle (for a machine with an NVIDIA GPU and its driver, but no .NET SDK and no
# network) and the one script that machine runs:
#
#   bash tools/gpu-run.sh               # build gpu-bundle/torchebm-gpu-bundle.tar.xz + gpu-bundle/run-on-device.sh
#   bash tools/gpu-run.sh --cpu-smoke   # the same, then run the bundle here with TORCHEBM_DEVICE=cpu on a subset
#   bash tools/gpu-run.sh --smoke-only  # run the existing bundle's CPU smoke without rebuilding
#
# The bundle holds Engine.GpuRunner (Engine.Tests run by NUnit's framework API) and Engine.Bench, published
# `-r linux-x64 --self-contained` into one folder (their shared files must be identical), without .pdb and XML
# docs, packed with tar + xz. gpu-bundle/ is ignored through the repository's .git/info/exclude (never .gitignore).
# On the device, from the repository root: `bash gpu-bundle/run-on-device.sh`; results land in $OUT (see that script).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bundle=gpu-bundle
limit_bytes=$((64 * 1024 * 1024))
build=1 smoke=0
case "${1:-}" in
    --cpu-smoke) smoke=1 ;;
    --smoke-only) build=0 smoke=1 ;;
    "") ;;
    *) echo "usage: $0 [--cpu-smoke|--smoke-only]" >&2; exit 2 ;;
esac

# gpu-bundle/ in the shared exclude file (a worktree's .git is a file: use the common git directory).
exclude="$(git rev-parse --git-common-dir)/info/exclude"
mkdir -p "$(dirname "$exclude")"
touch "$exclude"
grep -qxF "$bundle/" "$exclude" || echo "$bundle/" >> "$exclude"

if ((build)); then
    stage="$(mktemp -d "${TMPDIR:-/tmp}/torchebm-publish.XXXXXX")"
    trap 'rm -rf "$stage"' EXIT
    publish=(-c Release -r linux-x64 --self-contained true -p:InvariantGlobalization=true
             -p:SatelliteResourceLanguages=en -p:ErrorOnDuplicatePublishOutputFiles=false -nologo -v quiet)
    echo "== publish Engine.GpuRunner"
    dotnet publish Engine.GpuRunner/Engine.GpuRunner.csproj "${publish[@]}" -o "$stage/runner"
    echo "== publish Engine.Bench"
    dotnet publish Engine.Bench/Engine.Bench.csproj "${publish[@]}" -o "$stage/bench"

    # One folder: the runtime and every shared assembly must be the same file in both publishes.
    app="$stage/app"
    cp -a "$stage/runner" "$app"
    conflicts=0
    while IFS= read -r -d '' f; do
        rel="${f#"$stage/bench/"}"
        if [[ -e "$app/$rel" ]]; then
            cmp -s "$f" "$app/$rel" || { echo "conflict: $rel differs between the two publishes" >&2; conflicts=1; }
        else
            mkdir -p "$(dirname "$app/$rel")"
            cp -a "$f" "$app/$rel"
        fi
    done < <(find "$stage/bench" -type f -print0)
    ((conflicts == 0)) || { echo "the runner and the bench need different versions of a file; not bundled" >&2; exit 1; }

    # Not needed to run: symbols, XML docs beside their assemblies.
    find "$app" -name '*.pdb' -delete
    for x in "$app"/*.xml; do [[ -e "${x%.xml}.dll" ]] && rm -f "$x"; done
    {
        echo "TorchEbm.Gpu GPU bundle"
        echo "commit: $(git rev-parse HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (+ uncommitted changes)')"
        echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ) with .NET SDK $(dotnet --version)"
        echo "apps: Engine.GpuRunner, Engine.Bench, TorchEbm.Cli (linux-x64, self-contained, invariant globalization)"
    } > "$app/BUNDLE.txt"

    rm -rf "$bundle"
    mkdir -p "$bundle"
    echo "== pack ($(du -sh "$app" | cut -f1) unpacked)"
    tar -C "$stage" -cf - app | xz -9e -T0 > "$bundle/torchebm-gpu-bundle.tar.xz"
    cp tools/run-on-device.sh "$bundle/run-on-device.sh"
    chmod +x "$bundle/run-on-device.sh"
    size=$(du -cb "$bundle" | tail -n 1 | cut -f1)
    echo "bundle: $bundle/ $((size / 1024)) KiB ($(awk -v s="$size" 'BEGIN {printf "%.1f", s / 1048576}') MiB; limit 64 MiB)"
    ((size < limit_bytes)) || { echo "bundle over 64 MiB" >&2; exit 1; }
fi

if ((smoke)); then
    [[ -f "$bundle/torchebm-gpu-bundle.tar.xz" ]] || { echo "no bundle: run without --smoke-only first" >&2; exit 1; }
    OUT="${OUT:-$bundle/out-cpu}" bash "$bundle/run-on-device.sh" --cpu-smoke
fi

#!/usr/bin/env bash
# ptxas-check.sh — assemble every kernel's PTX with NVIDIA's ptxas for sm_90 (no GPU needed).
#
# 1. fetches ptxas (Debian non-free nvidia-cuda-toolkit, CUDA 11.8) into a cache via tools/fetch-ptxas.sh;
# 2. writes every registered kernel's PTX with `torchebm ptx --out DIR`;
# 3. runs `ptxas -arch=sm_90 -v` on each file and prints registers, stack, static shared memory and spill bytes per kernel.
# Fails on any assembly error, or on any spill in a kernel marked [Kernel(Hot = true)].
#
# Usage: tools/ptxas-check.sh [PTX_DIR]   (PTX_DIR defaults to .ptx; set PTXAS_SKIP_BUILD=1 to reuse its files)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ptx_dir="${1:-$repo/.ptx}"
arch="${PTXAS_ARCH:-sm_90}"

ptxas="$("$repo/tools/fetch-ptxas.sh" | tail -n 1)"
echo "ptxas: $("$ptxas" --version | tail -n 1)"

if [[ "${PTXAS_SKIP_BUILD:-0}" != 1 ]]; then
    rm -rf "$ptx_dir"
    dotnet run -c Release --project "$repo/Engine.Cli" -- ptx --out "$ptx_dir" >/dev/null
fi
[[ -f "$ptx_dir/kernels.tsv" ]] || { echo "ptxas-check: no $ptx_dir/kernels.tsv (run torchebm ptx first)" >&2; exit 1; }

failed=0
checked=0
printf '%-44s %4s %9s %11s %10s %10s %s\n' kernel hot registers stack_bytes smem_bytes spill_bytes status
while IFS=$'\t' read -r file kernel hot; do
    [[ "$file" == file ]] && continue
    checked=$((checked + 1))
    if ! report="$("$ptxas" -arch="$arch" -v "$ptx_dir/$file" -o /dev/null 2>&1)"; then
        printf '%-44s %4s %9s %11s %10s %10s %s\n' "$kernel" "$hot" - - - - "ASSEMBLY ERROR"
        printf '%s\n' "$report" | sed 's/^/    /' >&2
        failed=$((failed + 1))
        continue
    fi
    registers="$(grep -oE 'Used [0-9]+ registers' <<<"$report" | grep -oE '[0-9]+' | sort -n | tail -n 1)"
    stack="$(grep -oE '[0-9]+ bytes stack frame' <<<"$report" | grep -oE '^[0-9]+' | sort -n | tail -n 1)"
    smem="$(grep -oE '[0-9]+ bytes smem' <<<"$report" | awk '{if ($1 > m) m = $1} END {print m + 0}' || true)"
    spills="$(grep -oE '[0-9]+ bytes spill (stores|loads)' <<<"$report" | grep -oE '^[0-9]+' | awk '{s += $1} END {print s + 0}')"
    status=ok
    if [[ "$hot" == hot && "$spills" -gt 0 ]]; then
        status="SPILLS IN HOT KERNEL"
        failed=$((failed + 1))
    fi
    printf '%-44s %4s %9s %11s %10s %10s %s\n' "$kernel" "$hot" "${registers:-?}" "${stack:-0}" "${smem:-0}" "$spills" "$status"
done < "$ptx_dir/kernels.tsv"

echo "ptxas-check: $checked kernels assembled for $arch, $failed failed"
[[ "$checked" -gt 0 && "$failed" -eq 0 ]]

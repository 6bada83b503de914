#!/usr/bin/env bash
# fetch-ptxas.sh — make NVIDIA's `ptxas` available without installing it
# system-wide and without a GPU.
#
# It uses Debian's non-free `nvidia-cuda-toolkit` package (bookworm: CUDA 11.8,
# PTX ISA up to 7.8, targets up to sm_90), which ships /usr/bin/ptxas. ptxas is
# linked only against libc/libm/libpthread, so that one package is all we need.
#
# The package is fetched with a PRIVATE apt configuration (own sources.list,
# own lists and cache dirs), so the system's apt sources and state are never
# touched, and unpacked with `dpkg -x` into the cache directory.
#
# Output: the absolute path of a working ptxas on the LAST stdout line; all
# progress and diagnostics go to stderr. A second run with a warm cache does
# no network access and returns immediately.
#
# Environment:
#   PTXAS_CACHE          cache dir (default: $HOME/.cache/torchebm-ptxas)
#   PTXAS_DEBIAN_MIRROR  Debian mirror URI (default: the one the system's apt
#                        sources use, else http://deb.debian.org/debian)
#   PTXAS_SUITE          Debian suite (default: bookworm)
#   PTXAS_PACKAGE        package that contains ptxas (default: nvidia-cuda-toolkit)
set -euo pipefail

log() { printf 'fetch-ptxas: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

CACHE="${PTXAS_CACHE:-${HOME:-/root}/.cache/torchebm-ptxas}"
SUITE="${PTXAS_SUITE:-bookworm}"
PACKAGE="${PTXAS_PACKAGE:-nvidia-cuda-toolkit}"

mkdir -p "$CACHE"
CACHE="$(cd "$CACHE" && pwd -P)"
ROOT="$CACHE/root"
PTXAS="$ROOT/usr/bin/ptxas"

# A ptxas is "working" when --version runs and identifies itself.
ptxas_works() {
    local bin="$1" out
    [[ -x "$bin" ]] || return 1
    out="$("$bin" --version 2>&1)" || return 1
    [[ "$out" == *"Cuda compilation tools"* ]]
}

# Fast path: cache already holds a working ptxas.
if ptxas_works "$PTXAS"; then
    log "using cached $("$PTXAS" --version | grep -o 'release [0-9.]*, V[0-9.]*' || true)"
    printf '%s\n' "$PTXAS"
    exit 0
fi

for tool in apt-get dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (this script needs a Debian-based system)"
done

# Serialise concurrent runs on the same cache.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE/.lock"
    flock 9
    # Another run may have finished while we waited.
    if ptxas_works "$PTXAS"; then
        printf '%s\n' "$PTXAS"
        exit 0
    fi
fi

# Find the Debian mirror the system already uses (only a reachable mirror
# works in restricted networks). Reads deb822 *.sources and one-line *.list
# files; picks the first URI whose path ends in /debian (not -security etc.).
detect_mirror() {
    local f uri
    local -a files=()
    [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] && files+=("$f")
    done
    ((${#files[@]})) || return 1
    for f in "${files[@]}"; do
        if [[ "$f" == *.sources ]]; then
            # URIs: a b c   (may list several)
            uri="$(sed -n 's/^[[:space:]]*URIs:[[:space:]]*//p' "$f" | tr ' \t' '\n\n' |
                   grep -E '^(https?|ftp)://[^ ]*/debian/?$' | head -n1 || true)"
        else
            # deb [opts] URI suite comp...
            uri="$(sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' "$f" |
                   grep -E '^(https?|ftp)://[^ ]*/debian/?$' | head -n1 || true)"
        fi
        if [[ -n "$uri" ]]; then
            printf '%s\n' "${uri%/}"
            return 0
        fi
    done
    return 1
}

MIRROR="${PTXAS_DEBIAN_MIRROR:-}"
if [[ -z "$MIRROR" ]]; then
    MIRROR="$(detect_mirror || true)"
    MIRROR="${MIRROR:-http://deb.debian.org/debian}"
fi
log "mirror: $MIRROR, suite: $SUITE, package: $PACKAGE"

SIGNED_BY=""
if [[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]]; then
    SIGNED_BY="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
fi

mkdir -p "$CACHE/lists/partial" "$CACHE/apt/archives/partial" "$CACHE/debs"
SOURCES="$CACHE/sources.list"
printf 'deb %s%s %s main contrib non-free non-free-firmware\n' \
    "$SIGNED_BY" "$MIRROR" "$SUITE" >"$SOURCES"

APT_OPTS=(
    -o "Dir::Etc::SourceList=$SOURCES"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$CACHE/lists"
    -o "Dir::Cache=$CACHE/apt"
    -o "Acquire::Languages=none"
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"
    -o "Acquire::Retries=3"
)
# As root, apt drops privileges to _apt, which cannot write into a cache
# under /root; keep the download as the invoking user instead.
if [[ "$(id -u)" -eq 0 ]]; then
    APT_OPTS+=(-o "APT::Sandbox::User=root")
fi

log "updating private package lists in $CACHE/lists"
apt-get "${APT_OPTS[@]}" -q update >&2 || die "apt-get update failed (mirror $MIRROR unreachable?)"

rm -f "$CACHE/debs/"*.deb
log "downloading $PACKAGE"
(cd "$CACHE/debs" && apt-get "${APT_OPTS[@]}" -q download "$PACKAGE") >&2 ||
    die "apt-get download $PACKAGE failed"

shopt -s nullglob
debs=("$CACHE/debs/"*.deb)
shopt -u nullglob
((${#debs[@]})) || die "no .deb was downloaded"

# Unpack into a staging dir, verify, then swap it in atomically.
STAGE="$CACHE/root.tmp.$$"
rm -rf "$STAGE"
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE"
for deb in "${debs[@]}"; do
    log "unpacking $(basename "$deb") ($(du -h "$deb" | cut -f1))"
    dpkg-deb -x "$deb" "$STAGE"
done

if ! ptxas_works "$STAGE/usr/bin/ptxas"; then
    if [[ -x "$STAGE/usr/bin/ptxas" ]] && command -v ldd >/dev/null 2>&1; then
        ldd "$STAGE/usr/bin/ptxas" >&2 || true
    fi
    die "unpacked ptxas does not run (missing shared libraries?)"
fi

rm -rf "$ROOT"
mv "$STAGE" "$ROOT"
trap - EXIT
rm -f "$CACHE/debs/"*.deb   # keep the cache small; lists stay for re-fetches

ptxas_works "$PTXAS" || die "ptxas at $PTXAS does not run"
log "ready: $("$PTXAS" --version | grep -o 'release [0-9.]*, V[0-9.]*' || true)"
printf '%s\n' "$PTXAS"

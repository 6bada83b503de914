#!/usr/bin/env bash
# Opens the built docs site (artifacts/docs, from `dotnet cake --target=Docs`) in headless Chromium and saves three
# screenshots: the landing page, one API page (TorchEbm.Samplers.NoUTurnSampler) and one article (getting started, with
# its code included from examples/QuickStart), to artifacts/docs-landing.png, docs-api.png and docs-article.png. Exit 1 when a page is missing or Chromium writes no image.
# Needs Debian's chromium (apt-get install -y chromium). The site is served on 127.0.0.1 (python3 -m http.server), as
# the pages load their scripts and search index by relative URL.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
site=artifacts/docs
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
[[ -n "$browser" ]] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }
pages=("index.html:artifacts/docs-landing.png" "api/TorchEbm.Samplers.NoUTurnSampler.html:artifacts/docs-api.png"
       "articles/getting-started.html:artifacts/docs-article.png")
for entry in "${pages[@]}"; do
    [[ -f "$site/${entry%%:*}" ]] || { echo "$site/${entry%%:*} not found: run dotnet cake --target=Docs first" >&2; exit 1; }
done

port=$(( 20000 + RANDOM % 20000 ))
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$site" >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

status=0
for entry in "${pages[@]}"; do
    page="${entry%%:*}" image="${entry#*:}"
    rm -f "$image"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1600 \
        --virtual-time-budget=5000 --screenshot="$PWD/$image" "http://127.0.0.1:$port/$page" >/dev/null 2>&1 || true
    if [[ -s "$image" ]]; then
        echo "$page -> $image ($(stat -c %s "$image") bytes)"
    else
        echo "$page: no screenshot written" >&2
        status=1
    fi
done
exit $status

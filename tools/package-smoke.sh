#!/usr/bin/env bash
# Packs the libraries and the torchebm tool into artifacts/packages, then checks them as a user would:
# installs the tool from that folder and runs `torchebm info`, and builds and runs a console app
# (tools/package-smoke/) that references the TorchEbm package: it samples a model, trains an MLP energy on its
# own float[,] data, saves a checkpoint and loads it back with Checkpoint.LoadModel. Exit 0 when all of it works.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
packages="$PWD/artifacts/packages"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rm -rf "$packages"
dotnet pack TorchEbm.Gpu.sln -c Release -o "$packages" --nologo -v quiet

# Package caches would serve an older TorchEbm 0.1.0: use a private one. nuget.config sits beside the app.
export NUGET_PACKAGES="$work/nuget-cache"
cat > "$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$packages" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML

echo "== dotnet tool install TorchEbm.Cli from $packages"
dotnet tool install --tool-path "$work/tools" --add-source "$packages" --configfile "$work/nuget.config" TorchEbm.Cli --version 0.1.0
"$work/tools/torchebm" info

echo "== console app referencing the TorchEbm package"
cp tools/package-smoke/PackageSmoke.csproj tools/package-smoke/Program.cs "$work/"
cd "$work"
dotnet run -c Release --project PackageSmoke.csproj -- "$work/model.safetensors"

#!/usr/bin/env bash
# Packs every package under src/ into a local folder feed, then builds and runs a fresh console app OUTSIDE the
# repository against those packages, the way a user first meets BatchKit:
#   - the app is created with `dotnet new console` in a temp folder; empty Directory.Build.props/.targets and
#     Directory.Packages.props there stop anything above it from being inherited (no repo props, no central versions);
#   - its nuget.config lists the local feed plus the repository's own sources;
#   - it adds BatchKit, BatchKit.Csv, BatchKit.Parquet and BatchKit.DuckDb by name and exact version, and pins
#     Microsoft.Extensions.Logging.Abstractions 10.0.0 (the dependency floors must restore without NU1605);
#   - it runs eng/smoke/Program.cs: a JSON Lines job with the SQLite store, run twice; DuckDB reads the output back;
#   - it packs the batchkit tool (tools/BatchKit.Cli), installs it from the feed with `dotnet tool install --tool-path`
#     and runs `batchkit runs` against the job's state file.
# Every step that fails prints why and makes the script exit non-zero; the last line is `pack-smoke: passed` or
# `pack-smoke: FAILED (...)`.
#
# usage: eng/pack-smoke.sh [--no-build] [--keep]
#   --no-build  pack what `dotnet build -c Release` already built (as .ci/run does)
#   --keep      leave the temp folder (feed, app, job output) behind and print where it is
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

no_build=""; keep=0
for arg in "$@"; do
  case "$arg" in
    --no-build) no_build="--no-build" ;;
    --keep) keep=1 ;;
    *) echo "usage: $0 [--no-build] [--keep]" >&2; exit 2 ;;
  esac
done

fail() { echo "pack-smoke: FAILED ($*)"; exit 1; }
step() { echo "pack-smoke: $* ($(( SECONDS - started ))s)"; }
started=$SECONDS

work="$(mktemp -d "${TMPDIR:-/tmp}/batchkit-pack-smoke.XXXXXX")" || fail "no temp folder"
case "$work/" in "$repo"/*) fail "temp folder $work is inside the repository: set TMPDIR elsewhere" ;; esac
feed="$work/feed"; app="$work/app"; run="$work/run"

# A version of its own per run, so the global packages folder never hands back a stale copy of an earlier pack
# with the same version. Those copies are removed again on exit.
base_version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo/Directory.Build.props" | head -1)"
[ -n "$base_version" ] || fail "no <Version> in Directory.Build.props"
version="$base_version-smoke.$(date -u +%Y%m%d%H%M%S).$$"
packages=()
for proj in "$repo"/src/*/*.csproj; do packages+=("$(basename "$proj" .csproj)"); done
[ "${#packages[@]}" -gt 0 ] || fail "no projects under src/"

global_packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
cleanup() {
  if [ -n "$global_packages" ]; then
    for id in "${packages[@]}"; do rm -rf "$global_packages/${id,,}/$version"; done
  fi
  if [ "$keep" -eq 1 ]; then echo "pack-smoke: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# 1. Pack. Every package gets its .nupkg and .snupkg in the feed.
step "packing ${packages[*]} $version"
for id in "${packages[@]}"; do
  dotnet pack "$repo/src/$id/$id.csproj" -c Release $no_build -o "$feed" -p:PackageVersion="$version" -warnaserror --nologo -v quiet \
    || fail "dotnet pack $id"
done

# 2. What a package must carry to be publishable: readme, licence, repository URL, symbols with SourceLink, and
#    dependencies on the net10.0 floors (the 10.0.x line) rather than on whatever the repo's tests use.
for id in "${packages[@]}"; do
  nupkg="$feed/$id.$version.nupkg"; snupkg="$feed/$id.$version.snupkg"
  [ -f "$nupkg" ] || fail "$id: no $nupkg"
  [ -f "$snupkg" ] || fail "$id: no symbol package"
  nuspec="$(unzip -p "$nupkg" "$id.nuspec")" || fail "$id: no nuspec"
  grep -q '<readme>README.md</readme>' <<<"$nuspec" || fail "$id: no readme in the nuspec"
  unzip -l "$nupkg" README.md >/dev/null || fail "$id: README.md not packed"
  grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || fail "$id: no MIT licence expression"
  grep -q '<repository type="git" url="https://' <<<"$nuspec" || fail "$id: no repository URL"
  grep -q '<description>Package Description</description>' <<<"$nuspec" && fail "$id: default description"
  grep -q '<tags>' <<<"$nuspec" || fail "$id: no tags"
  grep -o '<dependency id="Microsoft\.[^"]*" version="[^"]*"\|<dependency id="System\.[^"]*" version="[^"]*"' <<<"$nuspec" \
    | grep -v 'version="10\.0\.' | sed 's/^/  above the net10.0 floor: /' | grep . && fail "$id: depends on more than the 10.0.x line"
  pdb="$(unzip -p "$snupkg" "lib/net10.0/$id.pdb" | grep -a -c 'raw.githubusercontent.com')"
  [ "${pdb:-0}" -gt 0 ] || fail "$id: PDB has no SourceLink to the repository"
done
step "packed and checked $(ls "$feed" | wc -l) files"

# 3. A fresh console app in the temp folder, nothing inherited from above.
mkdir -p "$app" "$run"
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do
  echo '<Project><!-- stops MSBuild from importing anything above this folder --></Project>' > "$work/$f"
done
{
  echo '<?xml version="1.0" encoding="utf-8"?>'
  echo '<configuration>'
  echo '  <packageSources>'
  echo '    <clear />'
  echo "    <add key=\"batchkit-local\" value=\"$feed\" />"
  # The repository's own sources (nuget.org here), copied from its nuget.config.
  grep -o '<add key="[^"]*" value="[^"]*"' "$repo/nuget.config" | sed 's:^:    :; s:$: />:'
  echo '  </packageSources>'
  echo '</configuration>'
} > "$work/nuget.config"
grep -q 'batchkit-local' "$work/nuget.config" && [ "$(grep -c '<add key' "$work/nuget.config")" -ge 2 ] \
  || fail "nuget.config for the smoke app: $(cat "$work/nuget.config")"

dotnet new console -n BatchKitSmoke -o "$app" --framework net10.0 >/dev/null || fail "dotnet new console"
cp "$repo/eng/smoke/Program.cs" "$app/Program.cs" || fail "no eng/smoke/Program.cs"
dotnet add "$app/BatchKitSmoke.csproj" package Microsoft.Extensions.Logging.Abstractions --version 10.0.0 --no-restore >/dev/null \
  || fail "dotnet add package Microsoft.Extensions.Logging.Abstractions"
for id in "${packages[@]}"; do
  dotnet add "$app/BatchKitSmoke.csproj" package "$id" --version "$version" --no-restore >/dev/null || fail "dotnet add package $id"
done
step "created the console app"

# 4. Restore (NU1605 and every other warning is an error), build, check the resolved floors, run.
dotnet build "$app/BatchKitSmoke.csproj" -c Release -warnaserror --nologo -v quiet || fail "the console app does not build"
assets="$app/obj/project.assets.json"
for pinned in Microsoft.Extensions.Logging.Abstractions/10.0.0 Microsoft.Data.Sqlite/10.0.0 System.Threading.RateLimiting/10.0.0; do
  grep -q "\"$pinned\"" "$assets" || fail "the app did not resolve $pinned"
done
step "built the console app"

(cd "$run" && dotnet "$app/bin/Release/net10.0/BatchKitSmoke.dll" "$run")
code=$?
[ "$code" -eq 0 ] || fail "the job exited with $code"
lines=$(find "$run/output" -name '*.jsonl' -exec cat {} + | wc -l)
[ "$lines" -eq 299 ] || fail "the job wrote $lines output lines, expected 299"
[ -f "$run/state.db" ] || fail "no SQLite state file"
step "ran the job: exit 0, $lines output lines"

# 5. The batchkit tool: packed with PackAsTool, installed from the local feed with `dotnet tool install --tool-path`,
#    run against the state file the job just wrote (table and --json), and against a file that does not exist.
dotnet pack "$repo/tools/BatchKit.Cli/BatchKit.Cli.csproj" -c Release $no_build -o "$feed" -p:PackageVersion="$version" -warnaserror --nologo -v quiet \
  || fail "dotnet pack BatchKit.Cli"
unzip -p "$feed/BatchKit.Cli.$version.nupkg" BatchKit.Cli.nuspec | grep -q '<packageType name="DotnetTool"' || fail "BatchKit.Cli is not a DotnetTool package"
tools="$work/tools"
dotnet tool install BatchKit.Cli --version "$version" --tool-path "$tools" --configfile "$work/nuget.config" >/dev/null \
  || fail "dotnet tool install BatchKit.Cli from the local feed"
[ -x "$tools/batchkit" ] || fail "no batchkit command in $tools"
runs="$("$tools/batchkit" runs --store "$run/state.db")" || fail "batchkit runs exited with $?"
grep -q 'Completed' <<<"$runs" || fail "batchkit runs shows no completed run: $runs"
json="$(BATCHKIT_STORE="$run/state.db" "$tools/batchkit" runs --json)" || fail "batchkit runs --json exited with $?"
grep -q '"status": "Completed"' <<<"$json" || fail "batchkit runs --json: $json"
"$tools/batchkit" runs --store "$run/missing.db" >/dev/null 2>&1; missing=$?
[ "$missing" -eq 3 ] || fail "batchkit runs on a missing file exited with $missing, expected 3"
step "installed the batchkit tool and listed the job's runs"
echo "pack-smoke: passed"

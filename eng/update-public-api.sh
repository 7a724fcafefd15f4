#!/usr/bin/env bash
# Regenerates PublicAPI.Unshipped.txt of every project under src/ from the current code, then builds src/ to prove the
# files match (RS0016: public API missing from the files; RS0017: an entry whose API no longer exists).
#
# How: each Unshipped file is reset to its header, then `dotnet format analyzers --diagnostics RS0016` applies the
# analyzer's own "add to public API" fix to every public symbol not in PublicAPI.Shipped.txt. Resetting is what removes
# the entries of deleted or renamed API: the RS0017 fix does not remove them when run through `dotnet format`.
# PublicAPI.Shipped.txt is never touched: it changes only at a release (move the Unshipped lines into it).
# After a release, removing shipped API needs a `*REMOVED*<line>` entry in Unshipped; the build check below names
# any such line and this script then fails rather than guess.
#
# usage: eng/update-public-api.sh [project.csproj ...]   (default: every src/*/*.csproj)
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ "$#" -gt 0 ]; then projects=("$@"); else projects=(src/*/*.csproj); fi
# The core first: the adapters' workspaces load it, and it must be settled before them.
sorted=()
for p in "${projects[@]}"; do [ "$(basename "$p")" = "BatchKit.csproj" ] && sorted+=("$p"); done
for p in "${projects[@]}"; do [ "$(basename "$p")" = "BatchKit.csproj" ] || sorted+=("$p"); done

header='#nullable enable'
for proj in "${sorted[@]}"; do
  dir="$(dirname "$proj")"
  [ -f "$dir/PublicAPI.Shipped.txt" ] || printf '%s\n' "$header" > "$dir/PublicAPI.Shipped.txt"
  printf '%s\n' "$header" > "$dir/PublicAPI.Unshipped.txt"
done

for proj in "${sorted[@]}"; do
  echo "update-public-api: $proj"
  # Restore first: without the analyzer package restored, `dotnet format` finds no RS0016 and silently adds nothing.
  dotnet restore "$proj" --nologo -v quiet >/dev/null || { echo "update-public-api: restore failed for $proj"; exit 1; }
  dotnet format analyzers "$proj" --diagnostics RS0016 --severity info --no-restore \
    || { echo "update-public-api: dotnet format failed on $proj"; exit 1; }
done

# The files must now match the code exactly: build and look for any public-API diagnostic.
log="$(mktemp)"; trap 'rm -f "$log"' EXIT
status=0
for proj in "${sorted[@]}"; do
  dotnet build "$proj" -c Release --nologo -v quiet >"$log" 2>&1 || status=1
  if grep -E 'RS00(16|17|26|27|36|37|41|48|49)' "$log" | sed 's/^.*: error /  /' | sort -u | grep .; then
    echo "update-public-api: $proj still disagrees with its PublicAPI files (above)"; exit 1
  fi
  if [ "$status" -ne 0 ]; then cat "$log"; echo "update-public-api: $proj does not build"; exit 1; fi
done
for proj in "${sorted[@]}"; do
  echo "update-public-api: $(dirname "$proj")/PublicAPI.Unshipped.txt: $(($(wc -l < "$(dirname "$proj")/PublicAPI.Unshipped.txt") - 1)) entries"
done

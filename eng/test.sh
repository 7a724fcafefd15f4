#!/usr/bin/env bash
# The README's test command: starts the servers the tests need (eng/services.sh installs them when missing), runs the
# whole suite against them, and stops them. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash eng/services.sh dotnet test BatchKit.sln -c Release "$@"

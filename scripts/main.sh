#!/usr/bin/env bash
# Set up (idempotent) and run the main job on the embedded defaults, without network:
# validate every shipped recipe, then print the plan of the reference stream (vLLM).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
"$here/scripts/setup.sh"
streams="$here/.venv/bin/streams"

echo "==> streams validate recipes/*.toml"
"$streams" validate recipes/*.toml
echo "==> streams validate --plan vllm"
"$streams" validate --plan vllm

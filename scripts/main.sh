#!/usr/bin/env bash
# Set up (idempotent), then run the main job on the embedded defaults, without network:
#
# 1. validate every shipped recipe;
# 2. lock the reference stream, vLLM 0.33.0, for fedora-44-x86_64 and fedora-45-x86_64 on the
#    embedded Fedora snapshots, against the recorded real-world index (tests/data/index/vllm)
#    and the recorded build information of its sdists; show what is reused and bundled;
# 3. generate the vLLM stream's spec files for both targets;
# 4. build two small demo streams end to end with rpmbuild (lock, build in dependency order,
#    publish, check the provides firewall, install them side by side and run them).
#
# Everything it writes goes under ./out/ (and ./out/demo-work/).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
"$here/scripts/setup.sh"
streams="$here/.venv/bin/streams"
out="$here/out"
mkdir -p "$out"
index="$here/tests/data/index/vllm/simple"
seeds="$here/tests/data/specgen/vllm/buildinfo"
lock="$out/vllm.lock.toml"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "streams validate recipes/*.toml"
"$streams" validate recipes/*.toml

step "streams lock vllm --offline (embedded Fedora 44/45 snapshots, recorded index)"
"$streams" lock vllm --offline --index-url "$index" --seed "$seeds" --lock "$lock"

for target in fedora-44-x86_64 fedora-45-x86_64; do
    step "streams show vllm --target $target --origin fedora (reused from Fedora)"
    "$streams" show vllm --lock "$lock" --target "$target" --origin fedora | sed -n "1,30p"
    step "streams why vllm torch --target $target"
    "$streams" why vllm torch --lock "$lock" --target "$target"
    step "streams specgen vllm --target $target"
    "$streams" specgen vllm --lock "$lock" --target "$target" --seed "$seeds" --no-sources \
        -o "$out/specgen/vllm/$target"
done
"$streams" graph vllm --lock "$lock" --target fedora-44-x86_64 --format html \
    -o "$out/vllm-fedora-44.html"

step "the demo streams, end to end (lock, build, publish, check)"
"$here/.venv/bin/python" "$here/tools/demo.py" "$out/demo-work"

step "done: lock $lock, specs under $out/specgen/vllm, graph $out/vllm-fedora-44.html"

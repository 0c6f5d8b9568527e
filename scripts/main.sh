#!/usr/bin/env bash
# Set up (idempotent), then run the main job on the embedded defaults, without network:
#
# 1. validate every shipped recipe;
# 2. lock the reference stream's two variants on the embedded Fedora snapshots, each against
#    the real-world index recorded for it and the recorded build information of its sdists:
#    cuda (vLLM 0.33.0, PyPI's CUDA build, fedora-44-x86_64 and fedora-45-x86_64) and cpu
#    (Fedora-clean, base-first on Fedora 44's torch); show what is reused and bundled;
# 3. generate the vLLM stream's spec files for each variant and target; compare the lock with
#    the base and the index (streams outdated), write its SBOM and its report page;
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
index_cpu="$here/tests/data/index/vllm-cpu/simple"
seeds="$here/tests/data/specgen/vllm/buildinfo"
lock="$out/vllm.lock.toml"

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "streams validate recipes/*.toml"
"$streams" validate recipes/*.toml

step "streams lock vllm --variant cuda --offline (embedded Fedora 44/45 snapshots, recorded index)"
"$streams" lock vllm --variant cuda --offline --index-url "$index" --seed "$seeds" --lock "$lock"
step "streams lock vllm --variant cpu --offline (Fedora's torch, base-first; its recorded index)"
"$streams" lock vllm --variant cpu --offline --index-url "$index_cpu" --seed "$seeds" \
    --lock "$lock"

for closure in cuda:fedora-44-x86_64 cuda:fedora-45-x86_64 cpu:fedora-44-x86_64; do
    variant=${closure%%:*} target=${closure#*:}
    step "streams show vllm --variant $variant --target $target --origin fedora (reused from Fedora)"
    "$streams" show vllm --lock "$lock" --variant "$variant" --target "$target" --origin fedora \
        | sed -n "1,30p"
    step "streams why vllm torch --variant $variant --target $target"
    "$streams" why vllm torch --lock "$lock" --variant "$variant" --target "$target"
    step "streams specgen vllm --variant $variant --target $target"
    "$streams" specgen vllm --lock "$lock" --variant "$variant" --target "$target" \
        --seed "$seeds" --no-sources -o "$out/specgen/vllm-$variant/$target"
done
"$streams" graph vllm --lock "$lock" --variant cuda --target fedora-44-x86_64 --format html \
    -o "$out/vllm-fedora-44.html"

# exit 1: updates are available (3 would mean the lock no longer installs on the base)
step "streams outdated vllm --variant cuda (drift against the snapshots and the recorded index)"
status=0
"$streams" outdated vllm --lock "$lock" --variant cuda --offline --index-url "$index" || status=$?
[ "$status" -le 1 ] || exit "$status"
step "streams sbom vllm --variant cuda --target fedora-44-x86_64 (CycloneDX 1.6)"
"$streams" sbom vllm --lock "$lock" --variant cuda --target fedora-44-x86_64 \
    -o "$out/vllm-fedora-44.cdx.json"
step "streams report vllm --drift (one offline page: closures, licenses, drift, why-paths)"
"$streams" report vllm --lock "$lock" --drift --offline --index-url "$index" \
    --index-url "cpu=$index_cpu" -o "$out/vllm-report.html"

step "the demo streams, end to end (lock, build, publish, check)"
"$here/.venv/bin/python" "$here/tools/demo.py" "$out/demo-work"

step "done: lock $lock, specs under $out/specgen/vllm-*, graph $out/vllm-fedora-44.html, SBOM $out/vllm-fedora-44.cdx.json, report $out/vllm-report.html"

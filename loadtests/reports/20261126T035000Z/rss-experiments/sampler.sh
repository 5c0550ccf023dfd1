#!/bin/bash
# samples the soak gateway every 30 s: rss, anon, file, threads, GC metrics
out="$1"; : >"$out"
while true; do
  pid=$(pgrep -f "data-soak" | head -1)
  if [[ -n "$pid" ]]; then
    mport=$(tr '\0' '\n' </proc/$pid/cmdline | grep -o 'Metrics:Port=[0-9]*' | cut -d= -f2)
    rss=$(awk '/^Rss:/{print $2}' /proc/$pid/smaps_rollup); anon=$(awk '/^Anonymous:/{print $2}' /proc/$pid/smaps_rollup)
    thr=$(ls /proc/$pid/task | wc -l)
    m=$(curl -s --max-time 5 "http://127.0.0.1:$mport/metrics" | grep -E '^dotnet_gc_last_collection_heap_size_bytes|^dotnet_gc_last_collection_memory_committed_size_bytes|dotnet_gc_last_collection_memory_committed|^dotnet_gc_collections_total|^dotnet_process_memory_working_set|^dotnet_gc_last_collection_heap_fragmentation' | awk '{printf "%s=%s ", $1, $2}')
    echo "$(date +%T) pid=$pid rss_kb=$rss anon_kb=$anon threads=$thr $m" >>"$out"
  fi
  sleep 30
done

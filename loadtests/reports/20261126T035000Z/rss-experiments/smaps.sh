#!/bin/bash
out="$1"
for i in $(seq 1 200); do pid=$(pgrep -f "data-soak" | head -1); [[ -n "$pid" ]] && break; sleep 3; done
sleep 75
python3 - "$pid" >"$out" <<'PY'
import sys,re,collections
pid=sys.argv[1]
cur=None; agg=collections.Counter(); anon=collections.Counter()
for line in open(f"/proc/{pid}/smaps"):
    if re.match(r'^[0-9a-f]+-[0-9a-f]+ ', line):
        parts=line.split()
        cur=parts[5] if len(parts)>5 else '[anon]'
    elif line.startswith('Rss:'):
        agg[cur]+=int(line.split()[1])
tot=sum(agg.values())
print("total rss kb", tot)
for k,v in agg.most_common(40): print(v, k)
PY

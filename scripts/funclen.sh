#!/usr/bin/env bash
# Function lengths of the runtime's C++ (not tests/): how many exceed a limit,
# the longest ones, and lines per folder.  Issue 18's before/after numbers.
#   scripts/funclen.sh [LIMIT]     (default 60)
# Needs universal-ctags (Debian: universal-ctags); lambdas are not counted
# on their own, they are part of the function that holds them.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-60}
dirs=(runtime ns cgroup rootfs spec)
mapfile -t files < <(find "${dirs[@]}" \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) | sort)
ctags --fields=+ne --kinds-c++=f --kinds-c=f -o - "${files[@]}" 2>/dev/null |
  awk -F'\t' -v limit="$limit" '
    $1 ~ /^__anon/ { next }
    { line = ""; end = ""
      for (i = 4; i <= NF; i++) {
        if ($i ~ /^line:/) line = substr($i, 6)
        if ($i ~ /^end:/) end = substr($i, 5)
      }
      if (line == "" || end == "") next
      n = end - line + 1
      printf "%d %s:%d %s\n", n, $2, line, $1
    }' | sort -rn > /tmp/funclen.$$
total=$(wc -l < /tmp/funclen.$$)
over=$(awk -v l="$limit" '$1 > l' /tmp/funclen.$$ | wc -l)
over_rt=$(awk -v l="$limit" '$1 > l && $2 ~ /^runtime\//' /tmp/funclen.$$ | wc -l)
echo "functions: $total; over $limit lines: $over (runtime/: $over_rt)"
echo "longest:"
head -n 15 /tmp/funclen.$$ | sed 's/^/  /'
rm -f /tmp/funclen.$$
echo "lines per folder (.cpp .h .c):"
for d in "${dirs[@]}" tests; do
  printf '  %-8s %6d\n' "$d" "$(find "$d" \( -name '*.cpp' -o -name '*.h' -o -name '*.c' \) -print0 | xargs -0 cat | wc -l)"
done

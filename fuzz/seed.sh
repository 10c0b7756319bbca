#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/reader, fuzz/corpus/pipeline) from the
# shared rule-file corpus beside the checkout (../shared/corpus), the
# repository's own fixtures and examples, and the minimized regression
# inputs. The seeds are copies named by their SHA-1, as libFuzzer names
# its own finds; nothing here is committed (see .gitignore).
#
# Usage: fuzz/seed.sh [SHARED_CORPUS_DIR [OUTPUT_DIR]]
# OUTPUT_DIR (default fuzz/corpus) receives OUTPUT_DIR/reader and
# OUTPUT_DIR/pipeline; a relative one is taken from fuzz/.
# Files larger than MAX_SEED_BYTES (default 65536) are left out: libFuzzer
# mutates small inputs far faster, and the large files only repeat the
# shapes of the small ones.
set -euo pipefail
cd "$(dirname "$0")"
shared="${1:-../../shared/corpus}"
max_bytes="${MAX_SEED_BYTES:-65536}"
output="${2:-corpus}"

sources=()
if [ -d "$shared" ]; then
  sources+=("$shared")
else
  echo "fuzz/seed.sh: no shared corpus at $shared; seeding from the repository only" >&2
fi
sources+=(../tests/fixtures ../examples)

for target in reader pipeline; do
  mkdir -p "$output/$target"
  count=0
  while IFS= read -r -d '' file; do
    name=$(sha1sum "$file" | cut -d' ' -f1)
    cp "$file" "$output/$target/$name"
    count=$((count + 1))
  done < <(find "${sources[@]}" -type f -size -"$((max_bytes + 1))"c \
             ! -name MANIFEST.tsv ! -name README.md ! -name '*.snap' ! -name '*.toml' -print0)
  echo "fuzz/seed.sh: $count seeds for $target"
done

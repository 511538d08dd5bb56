#!/usr/bin/env bash
# The small run of the fault campaigns (tests/campaigns/README.md): kill -9
# during backup, prune and rollback, single-bit flips in every kind of
# repository file, bad inputs. `make campaigns` runs the full size.
# Size: $TIDEMARK_CAMPAIGN_SIZE, else 16 (6 for a sanitizer build, which is
# ~10x slower). Seed: $TIDEMARK_CAMPAIGN_SEED, else 1.
# Usage: campaigns_test.sh path/to/tidemark
set -uo pipefail
T=$(realpath "${1:?usage: campaigns_test.sh path/to/tidemark}")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
size=16
if grep -qa __asan_init "$T"; then size=6; fi
size=${TIDEMARK_CAMPAIGN_SIZE:-$size}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
TIDEMARK_BIN=$T python3 "$here/campaigns/run" "$size" "$out" "${TIDEMARK_CAMPAIGN_SEED:-1}"

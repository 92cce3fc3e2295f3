#!/usr/bin/env bash
# `make demo`: prepares the default corpus, then runs a local network (a validator and 3 miners as
# separate processes on 127.0.0.1) for 10 rounds of the micro model, printing each round's global
# held-out loss and finally the leaderboard, with the live web dashboard served while it runs.
# Usage: scripts/demo.sh path/to/loconet
set -euo pipefail
bin=${1:-build/apps/loconet}
listen=${DASHBOARD_LISTEN:-127.0.0.1:8080}
"$bin" data prepare --out data/corpus --cache data/cache
"$bin" devnet --miners 3 --rounds 10 --local-steps 30 --batch 8 \
  --model configs/models/micro.toml --data data/corpus --dir runs/devnet \
  --dashboard "$listen" --cache data/cache
echo
echo "The dashboard of this run (ranking, loss curve, every miner's history):"
echo "  make dashboard      # then open http://$listen/"
echo "Read the ledger yourself:"
echo "  $bin ledger verify --db runs/devnet/validator/ledger"
echo "  $bin leaderboard --db runs/devnet/validator/ledger [--json | --html board.html]"

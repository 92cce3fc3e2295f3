#!/usr/bin/env bash
# `make demo`: prepares the default corpus, then runs a local network (a validator and 3 miners as
# separate processes on 127.0.0.1) for 10 rounds of the micro model, printing each round's global
# held-out loss and finally the leaderboard, with the live web dashboard served while it runs, then
# a short sample of text from the network's final model (the validator's state file).
# DEMO_VALIDATORS=3 runs three validators (a signed network file, Yuma consensus rewards) instead
# of one; every validator scores every submission, so rounds take longer on 2 cores.
# Usage: scripts/demo.sh path/to/loconet
set -euo pipefail
bin=${1:-build/apps/loconet}
listen=${DASHBOARD_LISTEN:-127.0.0.1:8080}
validators=${DEMO_VALIDATORS:-1}
"$bin" data prepare --out data/corpus --cache data/cache
"$bin" devnet --validators "$validators" --miners 3 --rounds 10 --local-steps 60 --batch 4 \
  --model configs/models/micro.toml --data data/corpus --dir runs/devnet \
  --dashboard "$listen" --cache data/cache
model=runs/devnet/validator/state.pt
prompt="The whale"
echo
echo "A sample from the network's model ($model, 40 tokens, seed 1):"
"$bin" generate --checkpoint "$model" --data data/corpus --prompt "$prompt" \
  --max-tokens 40 --temperature 0.8 --top-k 40 --seed 1
echo
echo "Sample again, or export the model for Python (safetensors):"
echo "  $bin generate --checkpoint $model --prompt \"$prompt\" [--seed N --temperature T --top-k K]"
echo "  $bin export --checkpoint $model --out network.safetensors"
echo
echo "The dashboard of this run (ranking, loss curve, every miner's history):"
echo "  make dashboard      # then open http://$listen/"
echo "Read the ledger yourself:"
echo "  $bin ledger verify --db runs/devnet/validator/ledger"
echo "  $bin leaderboard --db runs/devnet/validator/ledger [--json | --html board.html]"

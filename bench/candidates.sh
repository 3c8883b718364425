#!/usr/bin/env bash
# Candidate selection: 1,000 images x 500 tags (node/python-like), selections/s and allocation on one thread.
# Usage: bin/bench candidates [IMAGES] [TAGS] [CURRENTS_PER_IMAGE]
set -euo pipefail
su_bench_java CandidatesBench.java "$@"

#!/usr/bin/env bash
# The CLIP baseline's CI configuration, end to end: a random-weight tiny open_clip model on
# generated images of the built-in demo data, scored and checked against the reference
# numbers (exit 4 if one drifted). Needs the clip extra; downloads nothing.
#   bash baselines/clip/ci/run.sh [WORKDIR]          (default WORKDIR: a new temporary folder)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
py="${PYTHON:-python}"
swig="$("$py" -c 'import ovbench; print(ovbench.demo_data("ov-swig").annotations)')"
hico="$("$py" -c 'import ovbench; print(ovbench.demo_data("hico-det").annotations)')"

"$py" "$here/make_inputs.py" "$work"
model=(--model ovbench-tiny --model-config "$here/ovbench-tiny.json" --pretrained "$work/model/tiny.pt"
       --device cpu --batch-size 16)

ovbench baseline clip -b ov-swig --annotations "$swig" --images "$work/images/ov-swig" --split test \
    "${model[@]}" -o "$work/ov-swig.preds.json"
ovbench split ov-swig --annotations "$swig" --seed 0 --n-unseen 3 --n-rare 5 -o "$work/ov-swig.manifest.json"
ovbench score "$work/ov-swig.preds.json" -b ov-swig --annotations "$swig" --split test \
    --manifest "$work/ov-swig.manifest.json" -o "$work/ov-swig.result.json"

ovbench baseline clip -b hico-det --annotations "$hico" --images "$work/images/hico-det" \
    "${model[@]}" -o "$work/hico-det.preds.json"
ovbench score "$work/hico-det.preds.json" -b hico-det --annotations "$hico" --setting rf-uc \
    -o "$work/hico-det.result.json"

ovbench check "$work/ov-swig.result.json" "$work/hico-det.result.json" --expected "$here/../expected-ci.json"
echo "results in $work"

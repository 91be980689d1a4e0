"""v-coco benchmark: demo data, CLI, bad input, pairs-24 labelling, check."""

from __future__ import annotations

import json
import pickle
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import require_shared
from reference_vcoco import VCOCOeval

from ovbench.annotations.vcoco import ROLE_ENTRIES, load_annotations
from ovbench.benchmarks import vcoco as bench
from ovbench.cli.app import main
from ovbench.errors import InputError

DEMO = Path(str(resources.files("ovbench.data").joinpath("v_coco_demo")))
PREDS = DEMO / "predictions.json"


def _dets():
    return json.loads(PREDS.read_text())["predictions"]


def test_demo_matches_reference_with_ignore_regions():
    gt = load_annotations(DEMO, "val")
    assert (gt.person_label[:, 0] == -1).sum() > 10        # unannotated persons: ignore regions
    result = bench.score_files(PREDS, annotations=DEMO, split="val")
    assert result["counts"]["dropped_unannotated_person"] > 0
    assert result["counts"]["images_missing"] == 1
    nan = float("nan")
    dets = [{k: [nan if x is None else x for x in v] if isinstance(v, list) else v for k, v in d.items()}
            for d in _dets()]
    ref = VCOCOeval(DEMO / "vcoco_val.json", DEMO / "instances_vcoco_all_2014.json", DEMO / "vcoco_val.ids")
    orig = ref._collect_detections_for_image
    ref._collect_detections_for_image = lambda _, image_id: orig(dets, image_id)
    agent, _ = ref.agent_eval(None)
    np.testing.assert_allclose(list(result["per_entry_ap"]["agent"].values()), agent, rtol=0, atol=1e-12)
    for scen, key in (("scenario_1", "role_s1"), ("scenario_2", "role_s2")):
        role, _ = ref.role_eval(None, scen)
        want = [role[a, r] for a, r, _ in ROLE_ENTRIES]
        np.testing.assert_allclose(list(result["per_entry_ap"][key].values()), want, rtol=0, atol=1e-12)
    m = result["metrics"]
    for k in ("s1", "s2"):
        assert set(m["role"][k]) == {"mean", "mean_24"}
    assert 0 < m["role"]["s1"]["mean"] <= m["role"]["s2"]["mean"] <= 1
    assert abs(m["agent"]["mean"] - float(np.mean(agent.astype(np.float64)))) < 1e-12  # float64 mean of float32 APs


def test_cli_table_json_and_check(tmp_path):
    out = tmp_path / "r.json"
    run = CliRunner().invoke(main, ["score", str(PREDS), "-b", "v-coco", "--annotations", str(DEMO),
                                    "--split", "val", "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert "Role AP Scenario 1" in run.output and "no point (24)" in run.output
    result = json.loads(out.read_text())
    expected = {"schema": "ovbench.expected/1", "results": [
        {"benchmark": "v-coco", "split": "val", "scorer": "vcoco-role-ap@1",
         "metrics": {"metrics.role.s2.mean_24": result["metrics"]["role"]["s2"]["mean_24"]}}]}
    exp = tmp_path / "expected.json"
    exp.write_text(json.dumps(expected))
    run = CliRunner().invoke(main, ["check", str(out), "-e", str(exp)])
    assert run.exit_code == 0, run.output
    run = CliRunner().invoke(main, ["score", str(PREDS), "-b", "v-coco", "--annotations", str(DEMO),
                                    "--split", "val", "--box-frame", "gt"])
    assert run.exit_code == 3 and "contradicts" in run.output


def _write(tmp_path, dets, name="p.json"):
    p = tmp_path / name
    p.write_text(json.dumps({"predictions": dets}))
    return p


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d.pop("hold_obj"), "'hold_obj' missing"),
    (lambda d: d.update(hold_objj=[1, 2, 3, 4, 5]), "unknown field 'hold_objj'"),
    (lambda d: d.update(person_box=[1, 2, 3]), "person_box"),
    (lambda d: d.update(eat_instr=[1, 2, 3, 0.5]), "eat_instr"),
    (lambda d: d.update(hit_obj=[1, None, 3, 4, 0.5]), "hit_obj"),
    (lambda d: d.update(image_id="x"), "image_id"),
])
def test_bad_json_exit_3_names_field(tmp_path, mutate, needle):
    dets = _dets()[:5]
    mutate(dets[3])
    p = _write(tmp_path, dets)
    out = tmp_path / "r.json"
    run = CliRunner().invoke(main, ["score", str(p), "-b", "v-coco", "--annotations", str(DEMO),
                                    "--split", "val", "-o", str(out)])
    assert run.exit_code == 3, run.output
    assert needle in run.output and str(p) in run.output
    assert not out.exists()


def test_bad_pickles(tmp_path):
    dets = _dets()[:4]
    dets[2]["ride_agent"] = float("nan")
    p = tmp_path / "nan.pkl"
    p.write_bytes(pickle.dumps(dets, protocol=2))
    with pytest.raises(InputError, match=r"detection 2 .*ride_agent.*non-finite"):
        bench.score_files(p, annotations=DEMO, split="val")
    p.write_bytes(pickle.dumps(dets, protocol=2)[:100])
    with pytest.raises(InputError, match="not a readable .*pickle"):
        bench.score_files(p, annotations=DEMO, split="val")

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))
    p.write_bytes(pickle.dumps([Evil()], protocol=2))
    with pytest.raises(InputError, match="refusing to unpickle"):
        bench.score_files(p, annotations=DEMO, split="val")


def test_require_all_images_and_outside_split(tmp_path):
    with pytest.raises(InputError, match="no detection"):
        bench.score_files(PREDS, annotations=DEMO, split="val", require_all_images=True)
    dets = _dets()
    dets.append(dict(dets[0], image_id=5))
    result = bench.score_files(_write(tmp_path, dets), annotations=DEMO, split="val")
    assert result["counts"]["detections_outside_split"] == 1
    assert result["counts"]["outside_split_examples"] == [5]


def test_unsorted_ids_file_is_refused(tmp_path):
    for name in ("vcoco_val.json", "instances_vcoco_all_2014.json"):
        (tmp_path / name).write_bytes((DEMO / name).read_bytes())
    ids = (DEMO / "vcoco_val.ids").read_text().split()
    (tmp_path / "vcoco_val.ids").write_text("\n".join(ids[::-1]))
    with pytest.raises(InputError, match="ascending"):
        load_annotations(tmp_path, "val")


def test_pairs_format_is_never_labelled_s1_s2():
    path = require_shared("data", "vcoco", "fredzzhang", "instances_vcoco_val.json")
    gt = load_annotations(path, "val")
    assert gt.source_format == "pairs-24" and not gt.scenarios_defined
    result = bench.score_files(PREDS, annotations=path, split="val")
    assert set(result["metrics"]["role"]) == {"pairs24"} and "agent" not in result["metrics"]
    assert set(result["metrics"]["role"]["pairs24"]) == {"mean_24"}
    assert "not Scenario 1/2" in result["benchmark"]["scenarios"]
    assert len(result["per_entry_ap"]["role_pairs24"]) == 24

"""The CoFormer-family model loop against a small torch module with the same output dictionary."""

from __future__ import annotations

import json

import numpy as np

from conftest import require_module

from test_adapters import vocab  # noqa: F401  (fixture)

torch = require_module("torch")

from ovbench.adapters import get_adapter  # noqa: E402
from ovbench.adapters._common import read_lines, read_train_classes  # noqa: E402
from ovbench.adapters.coformer import collect_outputs, letterbox, load_vocab, run_model  # noqa: E402

TOPS = {"rowing_1.jpg": ["rowing", "phoning", "patting", "plowing", "coloring"],
        "phoning_2.jpg": ["rowing", "glaring", "patting", "plowing", "coloring"]}
GT = {"rowing_1.jpg": "rowing", "phoning_2.jpg": "phoning"}
SIZES = {"rowing_1.jpg": (512, 683), "phoning_2.jpg": (700, 512)}


class TinySituationModel(torch.nn.Module):
    """Returns CoFormer's output keys: the verb logits are the input rows; role j of conditioning
    verb v gets noun class (7 v + j) % 9926 + 1 and a fixed box, confident for even j only."""

    def __init__(self, n_classes: int, noun_key: str):
        super().__init__()
        self.n_classes, self.noun_key = n_classes, noun_key
        self.calls: list[list[tuple[int, list[int]]]] = []
        self.bias = torch.nn.Parameter(torch.zeros(1))

    def forward(self, samples, targets):
        self.calls.append([(int(t["verbs"]), t["roles"].tolist()) for t in targets])
        b = samples.shape[0]
        noun = torch.zeros(b, 6, self.n_classes)
        for i, t in enumerate(targets):
            for j in range(6):
                noun[i, j, (7 * int(t["verbs"]) + j) % 9926 + 1] = 10.0
        box = torch.tensor([0.5, 0.5, 0.2, 0.4]).expand(b, 6, 4).clone()
        conf = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, -1.0]).expand(b, 6).unsqueeze(-1).clone()
        return {"pred_verb": samples + self.bias, self.noun_key: noun, "pred_bbox": box, "pred_bbox_conf": conf}


def _loader(voc, roles):
    role_idx = {r: i for i, r in enumerate(roles)}
    samples = torch.full((2, len(voc["verbs"])), -5.0)
    targets = []
    for i, name in enumerate(TOPS):
        for r, verb in enumerate(TOPS[name]):
            samples[i, voc["verbs"].index(verb)] = 10.0 - r
        lb = letterbox([SIZES[name][0]], [SIZES[name][1]], min_side=512, max_side=700, canvas=700)
        gt = GT[name]
        targets.append({"verbs": torch.tensor(voc["verbs"].index(gt)),
                        "roles": torch.tensor([role_idx[r] for r in voc["orders"][gt]]),
                        "img_name": f"images_512/{name}",
                        **{k: torch.tensor(float(v[0])) for k, v in lb.items()}})
    return [(samples, targets)]


def test_model_loop_fills_topk_and_gt_frames(vocab):  # noqa: F811
    info = get_adapter("coformer")
    voc = load_vocab(vocab=vocab)
    roles = read_lines(vocab / "role_indices.txt", "roles")
    classes = read_train_classes(vocab / "train_classes.csv")
    model = TinySituationModel(len(classes), info.variant["noun_key"])
    out = run_model(model, _loader(voc, roles), vocab=vocab, progress=False)
    preds = out["predictions"]
    assert set(preds) == set(TOPS)
    # 1 ground-truth pass + 5 teacher-forced passes; each forced pass gets the verb's own roles.
    assert len(model.calls) == 6
    for r in range(5):
        for i, name in enumerate(TOPS):
            verb, role_ids = model.calls[r + 1][i]
            assert voc["verbs"][verb] == TOPS[name][r]
            assert [roles[k] for k in role_ids] == voc["orders"][TOPS[name][r]]
    for name in TOPS:
        entry = preds[name]
        assert entry["verbs"] == TOPS[name]
        assert set(entry["frames"]) == set(TOPS[name]) | {GT[name]}
        for verb, frame in entry["frames"].items():
            v = voc["verbs"].index(verb)
            assert list(frame) == voc["orders"][verb]
            for j, role in enumerate(voc["orders"][verb]):
                assert frame[role]["noun"] == classes[(7 * v + j) % 9926 + 1]
                assert (frame[role]["box"] is None) == (j % 2 == 1)
    # rowing_1 is 512 x 683: the canvas box (280, 210, 420, 490) maps to (186, 202, 326, 482).
    assert np.allclose(preds["rowing_1.jpg"]["frames"]["rowing"]["agent"]["box"], [186, 202, 326, 482])
    assert out["meta"]["postprocess"]["letterbox"]["source"] == "arrays"


def test_collected_arrays_convert_like_the_cli(vocab, tmp_path, run_cli):  # noqa: F811
    """collect_outputs -> np.savez -> `ovbench convert` gives what run_model gives."""
    info = get_adapter("coformer")
    voc = load_vocab(vocab=vocab)
    roles = read_lines(vocab / "role_indices.txt", "roles")
    classes = read_train_classes(vocab / "train_classes.csv")
    arrays = collect_outputs(TinySituationModel(len(classes), info.variant["noun_key"]), _loader(voc, roles),
                             info=info, vocab=vocab, progress=False)
    np.savez(tmp_path / "outputs.npz", **arrays)
    res = run_cli("convert", "--from", "coformer", tmp_path / "outputs.npz", "--vocab", vocab, "-o", tmp_path / "p.json")
    assert res.exit_code == 0, res.output
    direct = run_model(TinySituationModel(len(classes), info.variant["noun_key"]), _loader(voc, roles),
                       vocab=vocab, progress=False)
    assert json.loads((tmp_path / "p.json").read_text())["predictions"] == direct["predictions"]

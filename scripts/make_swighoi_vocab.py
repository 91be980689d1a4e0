"""Build ``splits/swig-hoi/swig-hoi-1.json``: the frozen SWIG-HOI vocabulary and subsets.

Source (facts, not code): ``datasets/swig_v1_categories.py`` of scwangdyd/promting_hoi (THID),
commit 29938ccbcb7c8206873a984628a132064c769270, which hard-codes ``SWIG_CATEGORIES`` (1,000
object categories), ``SWIG_ACTIONS`` (407 actions) and ``SWIG_INTERACTIONS`` (14,130 action-object
pairs with ``frequency`` 0 zero-shot / 1 rare / 2 common and ``evaluation`` 0/1). CMD-SE
(ltttpku/CMD-SE-release) ships the same file. The literals are read with ``ast.literal_eval``
(nothing is executed) and only ids, names and flags are kept.

Usage (the upstream file is not part of ovbench; get it with ``git show``)::

    python scripts/make_swighoi_vocab.py swig_v1_categories.py \
        --commit 29938ccbcb7c8206873a984628a132064c769270 -o splits/swig-hoi/swig-hoi-1.json

Rerunning on the same file reproduces the committed JSON byte for byte.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
from pathlib import Path

REPO = "scwangdyd/promting_hoi"
PATH = "datasets/swig_v1_categories.py"


def literals(source: str) -> dict[str, list]:
    """The module-level list literals of the upstream file, by name (no code runs)."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.startswith("SWIG_"):
                out[name] = ast.literal_eval(node.value)
    return out


def canonical(values) -> bytes:
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()


def sha(values) -> str:
    return hashlib.sha256(canonical(values)).hexdigest()


def build(source: str, commit: str) -> dict:
    lit = literals(source)
    cats, acts, inters = lit["SWIG_CATEGORIES"], lit["SWIG_ACTIONS"], lit["SWIG_INTERACTIONS"]
    for name, rows in (("SWIG_CATEGORIES", cats), ("SWIG_ACTIONS", acts), ("SWIG_INTERACTIONS", inters)):
        if [r["id"] for r in rows] != list(range(len(rows))):
            raise SystemExit(f"{name}: ids are not 0..n-1 in order")
    objects = [[c["name"], c["noun_id"]] for c in cats]
    actions = [a["name"] for a in acts]
    interactions = [[r["action_id"], r["object_id"], r["frequency"], r["evaluation"]] for r in inters]
    names = [r.get("name") or f"{actions[r['action_id']]} {objects[r['object_id']][0]}" for r in inters]
    evaluated = [i for i, r in enumerate(inters) if r["evaluation"] == 1]
    subsets = {
        "zero_shot": [i for i in evaluated if inters[i]["frequency"] == 0],
        "rare": [i for i in evaluated if inters[i]["frequency"] == 1],
        "non_rare": [i for i in evaluated if inters[i]["frequency"] == 2],
        "full": evaluated,
    }
    if len({(a, o) for a, o, _, _ in interactions}) != len(interactions):
        raise SystemExit("SWIG_INTERACTIONS: an (action, object) pair appears twice")

    def entry(values, description):
        return {"description": description, "size": len(values), "sha256": sha(values), "values": values}

    return {
        "name": "swig-hoi",
        "version": 1,
        "source": {"repository": REPO, "commit": commit, "path": PATH,
                   "read_with": "ast.literal_eval of SWIG_CATEGORIES, SWIG_ACTIONS, SWIG_INTERACTIONS"},
        "hash_rule": "sha256 of the value's canonical JSON (no whitespace, UTF-8), in stored order",
        "vocabulary": {
            "objects": entry(objects, "[name, WordNet noun id] of the 1,000 object categories, by category id "
                                      "(names repeat: 963 distinct)"),
            "actions": entry(actions, "names of the 407 actions, by action id"),
            "interactions": entry(interactions, "[action_id, object_id, frequency, evaluation] of the 14,130 "
                                                "interactions, by interaction (HOI) id; frequency 0 zero-shot, "
                                                "1 rare, 2 common; evaluation 1 = scored"),
            "interaction_names": entry(names, "upstream display name of each interaction, by HOI id"),
        },
        "subsets": {
            "full": entry(subsets["full"], "every evaluated interaction (evaluation == 1)"),
            "zero_shot": entry(subsets["zero_shot"], "evaluated, frequency 0 (zero-shot)"),
            "rare": entry(subsets["rare"], "evaluated, frequency 1 (rare)"),
            "non_rare": entry(subsets["non_rare"], "evaluated, frequency 2 (common / non-rare)"),
        },
    }


def render(spec: dict) -> str:
    """Indented JSON with every ``values`` list on one line (small, diffable, deterministic)."""
    placeholders = {}

    def strip(node):
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "values":
                    key = f"@@{len(placeholders)}@@"
                    placeholders[key] = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
                    out[k] = key
                else:
                    out[k] = strip(v)
            return out
        return node

    text = json.dumps(strip(spec), ensure_ascii=False, indent=1)
    for key, value in placeholders.items():
        text = text.replace(f'"{key}"', value)
    return text + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=Path, help=f"{PATH} from {REPO}")
    ap.add_argument("--commit", required=True, help="the upstream commit the file comes from")
    ap.add_argument("-o", "--output", type=Path, default=Path("splits/swig-hoi/swig-hoi-1.json"))
    args = ap.parse_args()
    spec = build(args.source.read_text(encoding="utf-8"), args.commit)
    args.output.write_text(render(spec), encoding="utf-8")
    sizes = {k: v["size"] for k, v in spec["subsets"].items()}
    print(f"wrote {args.output}: {len(spec['vocabulary']['interactions']['values'])} interactions, {sizes}")


if __name__ == "__main__":
    main()

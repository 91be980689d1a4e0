"""A literal restatement of s-gupta/v-coco ``vsrl_eval.py`` (HEAD 489cc4d) for parity tests.

Same loops, same float32 arrays, same ``get_overlap`` and ``voc_ap``; ``pickle.load`` is replaced
by an in-memory list of detection dicts, ``np.bool`` by ``bool``, and the sort is a parameter:
``ties="official"`` is the original ``argsort()[::-1]``; ``ties="stable"`` the ovbench declared
order (descending score, ties in input order). Where the original crashes (empty class, no
GT person) this reference applies ovbench's defined answers so the whole run can be compared;
those branches are marked ``# defined answer``. Ground truth is built from the files with
pycocotools exactly as ``_get_vcocodb`` does: it does not share code with ovbench's loader.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np


def load_vcoco(vcoco_file):
    with open(vcoco_file) as f:
        vsrl_data = json.load(f)
    for i in range(len(vsrl_data)):
        vsrl_data[i]["role_object_id"] = np.array(vsrl_data[i]["role_object_id"]).reshape(
            (len(vsrl_data[i]["role_name"]), -1)).T
        for j in ["ann_id", "label", "image_id"]:
            vsrl_data[i][j] = np.array(vsrl_data[i][j]).reshape((-1, 1))
    return vsrl_data


def clip_xyxy_to_image(x1, y1, x2, y2, height, width):
    x1 = np.minimum(width - 1., np.maximum(0., x1))
    y1 = np.minimum(height - 1., np.maximum(0., y1))
    x2 = np.minimum(width - 1., np.maximum(0., x2))
    y2 = np.minimum(height - 1., np.maximum(0., y2))
    return x1, y1, x2, y2


def get_overlap(boxes, ref_box):
    ixmin = np.maximum(boxes[:, 0], ref_box[0])
    iymin = np.maximum(boxes[:, 1], ref_box[1])
    ixmax = np.minimum(boxes[:, 2], ref_box[2])
    iymax = np.minimum(boxes[:, 3], ref_box[3])
    iw = np.maximum(ixmax - ixmin + 1., 0.)
    ih = np.maximum(iymax - iymin + 1., 0.)
    inters = iw * ih
    uni = ((ref_box[2] - ref_box[0] + 1.) * (ref_box[3] - ref_box[1] + 1.) +
           (boxes[:, 2] - boxes[:, 0] + 1.) * (boxes[:, 3] - boxes[:, 1] + 1.) - inters)
    with np.errstate(divide="ignore", invalid="ignore"):
        return inters / uni


def voc_ap(rec, prec):
    mrec = np.concatenate(([0.], rec, [1.]))
    mpre = np.concatenate(([0.], prec, [0.]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    return np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])


def _argsort_desc(x, ties):
    if ties == "official":
        return x.argsort()[::-1]
    return np.argsort(-x, kind="stable")


class VCOCOeval:
    def __init__(self, vsrl_annot_file, coco_annot_file, split_file, ties="stable"):
        from pycocotools.coco import COCO

        with contextlib.redirect_stdout(io.StringIO()):
            self.COCO = COCO(coco_annot_file)
        self.VCOCO = load_vcoco(vsrl_annot_file)
        self.image_ids = np.loadtxt(open(split_file))
        assert np.all(np.equal(np.sort(np.unique(self.VCOCO[0]["image_id"])), self.image_ids))
        self.ties = ties
        self.actions = [x["action_name"] for x in self.VCOCO]
        self.roles = [x["role_name"] for x in self.VCOCO]
        self.num_actions = len(self.actions)
        self.json_category_id_to_contiguous_id = {v: i + 1 for i, v in enumerate(self.COCO.getCatIds())}
        self.vcocodb = self._get_vcocodb()

    def _get_vcocodb(self):
        import copy

        vcocodb = copy.deepcopy(self.COCO.loadImgs(self.image_ids.tolist()))
        for entry in vcocodb:
            entry["boxes"] = np.empty((0, 4), dtype=np.float32)
            entry["gt_classes"] = np.empty((0), dtype=np.int32)
            entry["gt_actions"] = np.empty((0, self.num_actions), dtype=np.int32)
            entry["gt_role_id"] = np.empty((0, self.num_actions, 2), dtype=np.int32)
            self._add_gt_annotations(entry)
        return vcocodb

    def _add_gt_annotations(self, entry):
        ann_ids = self.COCO.getAnnIds(imgIds=entry["id"], iscrowd=None)
        objs = self.COCO.loadAnns(ann_ids)
        valid_objs, valid_ann_ids = [], []
        width, height = entry["width"], entry["height"]
        for i, obj in enumerate(objs):
            if "ignore" in obj and obj["ignore"] == 1:
                continue
            x1 = obj["bbox"][0]
            y1 = obj["bbox"][1]
            x2 = x1 + np.maximum(0., obj["bbox"][2] - 1.)
            y2 = y1 + np.maximum(0., obj["bbox"][3] - 1.)
            x1, y1, x2, y2 = clip_xyxy_to_image(x1, y1, x2, y2, height, width)
            if obj["area"] > 0 and x2 > x1 and y2 > y1:
                obj["clean_bbox"] = [x1, y1, x2, y2]
                valid_objs.append(obj)
                valid_ann_ids.append(ann_ids[i])
        n = len(valid_objs)
        boxes = np.zeros((n, 4), dtype=np.float32)
        gt_classes = np.zeros((n), dtype=np.int32)
        gt_actions = -np.ones((n, self.num_actions), dtype=np.int32)
        gt_role_id = -np.ones((n, self.num_actions, 2), dtype=np.int32)
        for ix, obj in enumerate(valid_objs):
            boxes[ix, :] = obj["clean_bbox"]
            gt_classes[ix] = self.json_category_id_to_contiguous_id[obj["category_id"]]
            gt_actions[ix, :], gt_role_id[ix, :, :] = self._get_vsrl_data(valid_ann_ids[ix], valid_ann_ids)
        entry["boxes"], entry["gt_classes"] = boxes, gt_classes
        entry["gt_actions"], entry["gt_role_id"] = gt_actions, gt_role_id

    def _get_vsrl_data(self, ann_id, ann_ids):
        action_id = -np.ones((self.num_actions), dtype=np.int32)
        role_id = -np.ones((self.num_actions, 2), dtype=np.int32)
        in_vcoco = np.where(self.VCOCO[0]["ann_id"] == ann_id)[0]
        if in_vcoco.size > 0:
            action_id[:] = 0
            role_id[:] = -1
        else:
            return action_id, role_id
        for i, x in enumerate(self.VCOCO):
            has_label = np.where(np.logical_and(x["ann_id"] == ann_id, x["label"] == 1))[0]
            if has_label.size > 0:
                action_id[i] = 1
                rids = x["role_object_id"][has_label]
                for j in range(1, rids.shape[1]):
                    if rids[0, j] == 0:
                        continue
                    aid = np.where(np.asarray(ann_ids) == rids[0, j])[0]
                    assert aid.size > 0
                    role_id[i, j - 1] = aid[0]
        return action_id, role_id

    def _collect_detections_for_image(self, dets, image_id):
        agents = np.empty((0, 4 + self.num_actions), dtype=np.float32)
        roles = np.empty((0, 5 * self.num_actions, 2), dtype=np.float32)
        for det in dets:
            if det["image_id"] == image_id:
                this_agent = np.zeros((1, 4 + self.num_actions), dtype=np.float32)
                this_role = np.zeros((1, 5 * self.num_actions, 2), dtype=np.float32)
                this_agent[0, :4] = det["person_box"]
                for aid in range(self.num_actions):
                    for j, rid in enumerate(self.roles[aid]):
                        if rid == "agent":
                            this_agent[0, 4 + aid] = det[self.actions[aid] + "_" + rid]
                        else:
                            this_role[0, 5 * aid: 5 * aid + 5, j - 1] = det[self.actions[aid] + "_" + rid]
                agents = np.concatenate((agents, this_agent), axis=0)
                roles = np.concatenate((roles, this_role), axis=0)
        return agents, roles

    def _ap(self, tp, fp, sc, npos):
        a_fp = np.array(fp, dtype=np.float32)
        a_tp = np.array(tp, dtype=np.float32)
        a_sc = np.array(sc, dtype=np.float32)
        if npos == 0:
            return np.nan  # defined answer (original: AssertionError)
        if a_sc.size == 0:
            return 0.0  # defined answer (original: ValueError in np.amax)
        idx = _argsort_desc(a_sc, self.ties)
        a_fp = np.cumsum(a_fp[idx])
        a_tp = np.cumsum(a_tp[idx])
        rec = a_tp / float(npos)
        assert np.amax(rec) <= 1
        prec = a_tp / np.maximum(a_tp + a_fp, np.finfo(np.float64).eps)
        return voc_ap(rec, prec)

    def role_eval(self, dets, eval_type, ovr_thresh=0.5):
        vcocodb = self.vcocodb
        tp = [[[] for r in range(2)] for a in range(self.num_actions)]
        fp = [[[] for r in range(2)] for a in range(self.num_actions)]
        sc = [[[] for r in range(2)] for a in range(self.num_actions)]
        npos = np.zeros((self.num_actions), dtype=np.float32)
        for i in range(len(vcocodb)):
            image_id = vcocodb[i]["id"]
            gt_inds = np.where(vcocodb[i]["gt_classes"] == 1)[0]
            gt_boxes = vcocodb[i]["boxes"][gt_inds]
            gt_actions = vcocodb[i]["gt_actions"][gt_inds]
            ignore = np.any(gt_actions == -1, axis=1)
            for aid in range(self.num_actions):
                npos[aid] += np.sum(gt_actions[:, aid] == 1)
            pred_agents, pred_roles = self._collect_detections_for_image(dets, image_id)
            for aid in range(self.num_actions):
                if len(self.roles[aid]) < 2:
                    continue
                for rid in range(len(self.roles[aid]) - 1):
                    covered = np.zeros((gt_boxes.shape[0]), dtype=bool)
                    gt_role_inds = vcocodb[i]["gt_role_id"][gt_inds, aid, rid]
                    gt_roles = -np.ones_like(gt_boxes)
                    for j in range(gt_boxes.shape[0]):
                        if gt_role_inds[j] > -1:
                            gt_roles[j] = vcocodb[i]["boxes"][gt_role_inds[j]]
                    agent_boxes = pred_agents[:, :4]
                    role_boxes = pred_roles[:, 5 * aid: 5 * aid + 4, rid]
                    agent_scores = pred_roles[:, 5 * aid + 4, rid]
                    valid = np.where(np.isnan(agent_scores) == False)[0]  # noqa: E712
                    agent_scores = agent_scores[valid]
                    agent_boxes = agent_boxes[valid, :]
                    role_boxes = role_boxes[valid, :]
                    idx = _argsort_desc(agent_scores, self.ties)
                    for j in idx:
                        pred_box = agent_boxes[j, :]
                        if gt_boxes.shape[0] == 0:  # defined answer (original: argmax of empty)
                            sc[aid][rid].append(agent_scores[j])
                            fp[aid][rid].append(1)
                            tp[aid][rid].append(0)
                            continue
                        overlaps = get_overlap(gt_boxes, pred_box)
                        jmax = overlaps.argmax()
                        ovmax = overlaps.max()
                        if ignore[jmax]:
                            continue
                        if np.all(gt_roles[jmax, :] == -1):
                            if eval_type == "scenario_1":
                                if np.all(role_boxes[j, :] == 0.0) or np.all(np.isnan(role_boxes[j, :])):
                                    ov_role = 1.0
                                else:
                                    ov_role = 0.0
                            elif eval_type == "scenario_2":
                                ov_role = 1.0
                            else:
                                raise ValueError("Unknown eval type")
                        else:
                            ov_role = get_overlap(gt_roles[jmax, :].reshape((1, 4)), role_boxes[j, :])
                        is_true_action = gt_actions[jmax, aid] == 1
                        sc[aid][rid].append(agent_scores[j])
                        if is_true_action and (ovmax >= ovr_thresh) and (ov_role >= ovr_thresh):
                            if covered[jmax]:
                                fp[aid][rid].append(1)
                                tp[aid][rid].append(0)
                            else:
                                fp[aid][rid].append(0)
                                tp[aid][rid].append(1)
                                covered[jmax] = True
                        else:
                            fp[aid][rid].append(1)
                            tp[aid][rid].append(0)
        role_ap = np.zeros((self.num_actions, 2), dtype=np.float32)
        role_ap[:] = np.nan
        for aid in range(self.num_actions):
            if len(self.roles[aid]) < 2:
                continue
            for rid in range(len(self.roles[aid]) - 1):
                role_ap[aid, rid] = self._ap(tp[aid][rid], fp[aid][rid], sc[aid][rid], npos[aid])
        return role_ap, npos

    def agent_eval(self, dets, ovr_thresh=0.5):
        vcocodb = self.vcocodb
        tp = [[] for a in range(self.num_actions)]
        fp = [[] for a in range(self.num_actions)]
        sc = [[] for a in range(self.num_actions)]
        npos = np.zeros((self.num_actions), dtype=np.float32)
        for i in range(len(vcocodb)):
            image_id = vcocodb[i]["id"]
            gt_inds = np.where(vcocodb[i]["gt_classes"] == 1)[0]
            gt_boxes = vcocodb[i]["boxes"][gt_inds]
            gt_actions = vcocodb[i]["gt_actions"][gt_inds]
            ignore = np.any(gt_actions == -1, axis=1)
            for aid in range(self.num_actions):
                npos[aid] += np.sum(gt_actions[:, aid] == 1)
            pred_agents, _ = self._collect_detections_for_image(dets, image_id)
            for aid in range(self.num_actions):
                covered = np.zeros((gt_boxes.shape[0]), dtype=bool)
                agent_scores = pred_agents[:, 4 + aid]
                agent_boxes = pred_agents[:, :4]
                valid = np.where(np.isnan(agent_scores) == False)[0]  # noqa: E712
                agent_scores = agent_scores[valid]
                agent_boxes = agent_boxes[valid, :]
                idx = _argsort_desc(agent_scores, self.ties)
                for j in idx:
                    pred_box = agent_boxes[j, :]
                    if gt_boxes.shape[0] == 0:  # defined answer
                        sc[aid].append(agent_scores[j])
                        fp[aid].append(1)
                        tp[aid].append(0)
                        continue
                    overlaps = get_overlap(gt_boxes, pred_box)
                    jmax = overlaps.argmax()
                    ovmax = overlaps.max()
                    if ignore[jmax]:
                        continue
                    is_true_action = gt_actions[jmax, aid] == 1
                    sc[aid].append(agent_scores[j])
                    if is_true_action and (ovmax >= ovr_thresh):
                        if covered[jmax]:
                            fp[aid].append(1)
                            tp[aid].append(0)
                        else:
                            fp[aid].append(0)
                            tp[aid].append(1)
                            covered[jmax] = True
                    else:
                        fp[aid].append(1)
                        tp[aid].append(0)
        agent_ap = np.zeros((self.num_actions), dtype=np.float32)
        for aid in range(self.num_actions):
            agent_ap[aid] = self._ap(tp[aid], fp[aid], sc[aid], npos[aid])
        return agent_ap, npos

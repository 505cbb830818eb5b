# --8<-- [start:setup]
import contextlib
import io

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.patches import FancyBboxPatch, Rectangle
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from torch import nn

torch.manual_seed(0)
rng = np.random.default_rng(0)
# --8<-- [end:setup]


# --8<-- [start:idea_figure]
def box(ax, x, y, text, color, width=1.9):
    ax.add_patch(
        FancyBboxPatch((x - width / 2, y - 0.28), width, 0.56, boxstyle="round,pad=0.04",
                       facecolor=color, alpha=0.3, edgecolor=color)
    )  # fmt: skip
    ax.text(x, y, text, ha="center", va="center", fontsize=9)


def row(ax, y, title, steps):
    ax.text(-0.2, y, title, ha="right", va="center", fontweight="bold", fontsize=9)
    for i, (text, color) in enumerate(steps):
        box(ax, 1 + 2.4 * i, y, text, color)
        if i:
            ax.annotate("", xy=(1 + 2.4 * i - 0.98, y), xytext=(1 + 2.4 * i - 1.42, y),
                        arrowprops={"arrowstyle": "->"})  # fmt: skip


fig, ax = plt.subplots(figsize=(9, 2.8))
pipelines = {
    "R-CNN": ["image", "crop each\nproposal", "CNN on\neach crop", "classify\neach crop"],
    "Fast R-CNN": ["image", "CNN once", "pool each\nproposal (RoI)", "classify\neach region"],
    "Faster R-CNN": ["image", "CNN once", "RPN: anchors\n→ proposals", "RoI pool and\nclassify"],
}
for y, (title, steps) in zip([2, 1, 0], pipelines.items(), strict=True):
    row(ax, y, title, zip(steps, ["C7", "C2", "C0", "C1"], strict=True))
ax.set(xlim=(-2.2, 9.2), ylim=(-0.5, 2.5))
ax.axis("off")
plt.show()
# --8<-- [end:idea_figure]


# --8<-- [start:iou]
def iou(a, b):
    """Intersection over union of every box in a (n, 4) with every box in b (m, 4), as (n, m).
    Boxes are (x1, y1, x2, y2), corners in pixels."""
    a, b = torch.as_tensor(a, dtype=torch.float32), torch.as_tensor(b, dtype=torch.float32)
    top_left = torch.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    intersection = (bottom_right - top_left).clamp(min=0).prod(dim=2)
    area_a = (a[:, 2:] - a[:, :2]).prod(dim=1)
    area_b = (b[:, 2:] - b[:, :2]).prod(dim=1)
    return intersection / (area_a[:, None] + area_b[None, :] - intersection)


square = [[0, 0, 2, 2]]
print("same box:", iou(square, square).item())
print("disjoint:", iou(square, [[5, 5, 6, 6]]).item())
print("shifted by half:", round(iou(square, [[1, 0, 3, 2]]).item(), 4))  # 2 / (4 + 4 - 2)
print("inside:", iou(square, [[0, 0, 1, 1]]).item())  # 1 / 4
assert iou(square, square).item() == 1 and iou(square, [[5, 5, 6, 6]]).item() == 0
assert abs(iou(square, [[1, 0, 3, 2]]).item() - 1 / 3) < 1e-6
assert iou(square, [[0, 0, 1, 1]]).item() == 0.25
assert iou(square, [[2, 0, 4, 2]]).item() == 0  # touching edges do not overlap
# --8<-- [end:iou]


# --8<-- [start:nms]
def nms(boxes, scores, threshold=0.5):
    """Indices of the boxes kept: best score first, dropping boxes that overlap a kept one."""
    order = torch.argsort(torch.as_tensor(scores), descending=True)
    overlaps = iou(boxes, boxes)
    keep = []
    for i in order.tolist():
        if all(overlaps[i, j] <= threshold for j in keep):
            keep.append(i)
    return keep


boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 9]]
scores = [0.8, 0.9, 0.7, 0.6]
print("IoU of box 1 with boxes 0, 2, 3:", iou(boxes[1:2], boxes).numpy().round(2)[0, [0, 2, 3]])
print("IoU of box 0 with box 3:", round(iou(boxes[:1], boxes[3:]).item(), 2))
print("kept at 0.5:", nms(boxes, scores))
assert round(iou(boxes[:1], boxes[1:2]).item(), 2) == 0.68  # 81 / (100 + 100 - 81)
assert nms(boxes, scores) == [1, 2]  # box 1 wins; boxes 0 and 3 overlap it; box 2 is alone
assert nms(boxes, scores, threshold=0.7) == [1, 0, 2]  # box 0 survives, and removes box 3
assert nms(boxes, scores, threshold=0.95) == [1, 0, 2, 3]
# --8<-- [end:nms]

# --8<-- [start:data]
size, stride = 32, 4  # 32 x 32 images; the CNN's features form an 8 x 8 grid of cells
cells = size // stride
class_names = ["square", "circle", "triangle"]


def make_images(n):
    """Grey images with 1 to 3 shapes; boxes (x1, y1, x2, y2) and class labels per image."""
    rows, cols = np.mgrid[0:size, 0:size] + 0.5
    X = rng.normal(0, 0.1, (n, 1, size, size)).astype(np.float32)
    targets = []
    for i in range(n):
        boxes, labels = [], []
        while len(boxes) < rng.integers(1, 4):
            w = rng.integers(8, 13)
            x1, y1 = rng.integers(0, size - w + 1, 2)
            new = [x1, y1, x1 + w, y1 + w]
            if (
                boxes
                and iou([new], boxes).max() > 0
                or any(  # no overlap, and
                    (new[0] + new[2]) // 2 // stride == (b[0] + b[2]) // 2 // stride
                    and (new[1] + new[3]) // 2 // stride == (b[1] + b[3]) // 2 // stride
                    for b in boxes
                )
            ):  # centres in different cells
                continue
            label = rng.integers(0, 3)
            cx, cy, r = x1 + w / 2, y1 + w / 2, w / 2
            if label == 0:
                mask = (abs(cols - cx) < r) & (abs(rows - cy) < r)
            elif label == 1:
                mask = (cols - cx) ** 2 + (rows - cy) ** 2 < r**2
            else:
                mask = (rows > y1) & (rows < y1 + w) & (2 * abs(cols - cx) < rows - y1)
            X[i, 0][mask] += rng.uniform(0.6, 1.0)
            boxes.append(new)
            labels.append(label)
        targets.append((torch.tensor(boxes, dtype=torch.float32), torch.tensor(labels)))
    return torch.from_numpy(X), targets


X_train, targets_train = make_images(600)
X_test, targets_test = make_images(200)
num_objects = sum(len(labels) for _, labels in targets_test)
print("images:", tuple(X_train.shape), "test objects:", num_objects)
assert X_train.shape == (600, 1, 32, 32) and len(X_test) == 200
# --8<-- [end:data]


# --8<-- [start:data_figure]
def show(ax, image, boxes, labels, scores=None, color="C1"):
    ax.imshow(image[0], cmap="gray")
    for k, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        ax.add_patch(Rectangle((x1 - 0.5, y1 - 0.5), x2 - x1, y2 - y1, fill=False, color=color))
        text = class_names[labels[k]] + ("" if scores is None else f" {scores[k]:.2f}")
        ax.text(x1 - 0.5, y1 - 1, text, color=color, fontsize=7)
    ax.axis("off")


fig, axes = plt.subplots(1, 4, figsize=(8, 2.4))
for i, ax in enumerate(axes):
    show(ax, X_train[i], *targets_train[i])
plt.show()
# --8<-- [end:data_figure]


# --8<-- [start:anchors]
def make_anchors(sizes=(8, 12, 16), ratios=(0.5, 1.0, 2.0)):
    """Faster R-CNN's anchors: centred on every cell, one box per size and aspect ratio
    (height / width), each of area size**2; (x1, y1, x2, y2), shape (cells * cells * k, 4)."""
    shapes = torch.tensor([[s / r**0.5, s * r**0.5] for s in sizes for r in ratios])  # w, h
    centre = (torch.arange(cells) + 0.5) * stride
    cy, cx = torch.meshgrid(centre, centre, indexing="ij")
    centres = torch.stack([cx, cy], dim=-1).reshape(-1, 1, 2)  # (cells * cells, 1, 2)
    return torch.cat([centres - shapes / 2, centres + shapes / 2], dim=-1).reshape(-1, 4)


def centre_size(boxes):
    return (boxes[:, :2] + boxes[:, 2:]) / 2, boxes[:, 2:] - boxes[:, :2]


def encode_box(boxes, anchors):
    """Faster R-CNN's regression targets (t_x, t_y, t_w, t_h) of each box from its anchor."""
    (c, wh), (c_a, wh_a) = centre_size(boxes), centre_size(anchors)
    return torch.cat([(c - c_a) / wh_a, torch.log(wh / wh_a)], dim=1)


def decode_box(t, anchors):
    c_a, wh_a = centre_size(anchors)
    c, wh = c_a + t[:, :2] * wh_a, wh_a * t[:, 2:].exp()
    return torch.cat([c - wh / 2, c + wh / 2], dim=1)


anchors = make_anchors()
widths, heights = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
print(f"anchors: {len(anchors)} = {cells} x {cells} positions x {len(anchors) // cells**2}")
print("anchor shapes (w x h) at one position:", [f"{w:.1f} x {h:.1f}" for w, h in
      zip(widths[:9].tolist(), heights[:9].tolist(), strict=True)])  # fmt: skip
assert anchors.shape == (576, 4)  # 8 x 8 positions, 3 sizes x 3 ratios
areas, ratios = (widths * heights)[:9], (heights / widths)[:9]  # the 9 anchors of one position
torch.testing.assert_close(areas, torch.tensor([64.0] * 3 + [144.0] * 3 + [256.0] * 3))
torch.testing.assert_close(ratios, torch.tensor([0.5, 1.0, 2.0] * 3))
true_boxes = torch.cat([boxes for boxes, _ in targets_train])
best_iou, best = iou(true_boxes, anchors).max(dim=1)  # each true box's best anchor
good = (best_iou >= 0.7).sum().item()
print(f"training boxes: {len(true_boxes)}; their best anchor's IoU: lowest {best_iou.min():.2f}, "
      f"mean {best_iou.mean():.2f}; 0.7 or more for {good}")  # fmt: skip
assert len(true_boxes) == 967 and good == 397 and best_iou.min() > 0.4
t = encode_box(true_boxes, anchors[best])
k = 2  # the third box: 10 x 10 pixels, its best anchor 12 x 12
print(f"box {true_boxes[k].tolist()}, its best anchor {anchors[best[k]].tolist()}")
print("t_x, t_y, t_w, t_h:", t[k].numpy().round(3))
expected = torch.tensor([1 / 12, 1 / 12, np.log(10 / 12), np.log(10 / 12)], dtype=torch.float32)
torch.testing.assert_close(t[k], expected)
torch.testing.assert_close(decode_box(t, anchors[best]), true_boxes)  # the round trip
# --8<-- [end:anchors]

# --8<-- [start:grid_detector]
num_classes = 3
backbone = nn.Sequential(  # each 4 x 4 patch -> 16 features: cell (i, j) sees only its patch
    nn.Conv2d(1, 16, kernel_size=stride, stride=stride), nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=1), nn.ReLU(),
)  # fmt: skip
head = nn.Sequential(  # per cell: objectness, 3 class scores, 4 box numbers
    nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(),
    nn.Conv2d(32, 1 + num_classes + 4, kernel_size=1),
)  # fmt: skip


def encode(targets):
    """Per image and cell: is an object centred here, its class, its box (in cell units)."""
    n = len(targets)
    objectness = torch.zeros(n, cells, cells)
    labels = torch.zeros(n, cells, cells, dtype=torch.long)
    box = torch.zeros(n, cells, cells, 4)
    for i, (boxes, classes) in enumerate(targets):
        for (x1, y1, x2, y2), c in zip(boxes.tolist(), classes.tolist(), strict=True):
            cx, cy = (x1 + x2) / 2 / stride, (y1 + y2) / 2 / stride
            col, row = int(cx), int(cy)
            objectness[i, row, col], labels[i, row, col] = 1, c
            box[i, row, col] = torch.tensor([cx - col, cy - row, (x2 - x1) / 8, (y2 - y1) / 8])
    return objectness, labels, box


def detector_loss(out, objectness, labels, box):
    out = out.permute(0, 2, 3, 1)  # (n, cells, cells, 8)
    loss = F.binary_cross_entropy_with_logits(out[..., 0], objectness)
    here = objectness == 1
    loss = loss + F.cross_entropy(out[..., 1:4][here], labels[here])
    predicted_box = torch.cat([out[..., 4:6].sigmoid(), out[..., 6:8]], dim=-1)[here]
    return loss + 5 * F.smooth_l1_loss(predicted_box, box[here])


num_backbone = sum(p.numel() for p in backbone.parameters())
num_head = sum(p.numel() for p in head.parameters())
print(f"parameters: backbone {num_backbone}, head {num_head}")
assert num_backbone == 544 and num_head == 4904
print("output per image:", tuple(head(backbone(X_train[:1])).shape[1:]))
encoded = encode(targets_train)
net = nn.Sequential(backbone, head)
optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
num_steps, batch_size = 300, 64
for _ in range(num_steps):
    batch = torch.randint(0, len(X_train), (batch_size,))
    loss = detector_loss(net(X_train[batch]), *(t[batch] for t in encoded))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"final training loss {loss.item():.3f}")
# --8<-- [end:grid_detector]


# --8<-- [start:decode]
@torch.no_grad()
def detect(X, min_score=0.05, nms_threshold=0.5):
    """(boxes, scores, labels) per image: every cell proposes one box, NMS per class."""
    out = net(X).permute(0, 2, 3, 1)
    rows, cols = torch.meshgrid(torch.arange(cells), torch.arange(cells), indexing="ij")
    cx = (cols + out[..., 4].sigmoid()) * stride
    cy = (rows + out[..., 5].sigmoid()) * stride
    w, h = out[..., 6] * 8, out[..., 7] * 8
    all_boxes = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], dim=-1)
    class_prob = out[..., 1:4].softmax(dim=-1) * out[..., :1].sigmoid()
    detections = []
    for i in range(len(X)):
        scores, labels = class_prob[i].flatten(0, 1).max(dim=-1)
        boxes = all_boxes[i].flatten(0, 1)
        found = []
        for c in range(num_classes):
            idx = torch.nonzero((labels == c) & (scores > min_score)).flatten()
            found += idx[nms(boxes[idx], scores[idx], nms_threshold)].tolist()
        found = torch.tensor(found, dtype=torch.long)
        detections.append((boxes[found], scores[found], labels[found]))
    return detections


detections = detect(X_test)
print("detections on the test images:", sum(len(d[1]) for d in detections))
# --8<-- [end:decode]


# --8<-- [start:average_precision]
def average_precision(detections, targets, iou_threshold=0.5, recall_points=101):
    """Mean over classes of the area under the precision-recall curve, read at
    recall_points evenly spaced recalls (COCO: 101, VOC 2007: 11)."""
    per_class = []
    for c in range(num_classes):
        found = []  # (score, is it a true positive?) for every detection of class c
        num_truths = 0
        for (boxes, scores, labels), (true_boxes, true_labels) in zip(
            detections, targets, strict=True
        ):
            mine, truth = labels == c, true_boxes[true_labels == c]
            num_truths += len(truth)
            order = torch.argsort(scores[mine], descending=True, stable=True)
            taken = torch.zeros(len(truth), dtype=torch.bool)
            overlaps = iou(boxes[mine][order], truth) if len(truth) else None
            for k, score in enumerate(scores[mine][order].tolist()):
                best, match = iou_threshold, -1  # the unclaimed truth it overlaps most
                for t in range(len(truth)):
                    if not taken[t] and overlaps[k, t] >= best:
                        best, match = overlaps[k, t], t
                if match >= 0:
                    taken[match] = True
                found.append((score, match >= 0))
        found.sort(key=lambda item: -item[0])
        hits = np.cumsum([hit for _, hit in found])
        recall = hits / num_truths
        precision = hits / np.arange(1, len(found) + 1)
        precision = np.maximum.accumulate(precision[::-1])[::-1]  # the envelope
        at = np.searchsorted(recall, np.linspace(0, 1, recall_points), side="left")
        per_class.append(np.mean([precision[k] if k < len(found) else 0 for k in at]))
    return float(np.mean(per_class))


ap = average_precision(detections, targets_test)
print(f"AP at IoU 0.5, this page's code: {ap:.4f}")
assert ap >= 0.85
# --8<-- [end:average_precision]


# --8<-- [start:pycocotools]
def coco_average_precision(detections, targets, iou_threshold=0.5):
    """The same AP computed by pycocotools, the reference implementation of COCO's metric."""

    def xywh(box):
        return [box[0], box[1], box[2] - box[0], box[3] - box[1]]

    truth = {"images": [], "annotations": [], "categories": [{"id": c} for c in range(3)]}
    for i, (boxes, labels) in enumerate(targets):
        truth["images"].append({"id": i})
        for box, label in zip(boxes.tolist(), labels.tolist(), strict=True):
            truth["annotations"].append({
                "id": len(truth["annotations"]) + 1, "image_id": i, "category_id": label,
                "bbox": xywh(box), "area": xywh(box)[2] * xywh(box)[3], "iscrowd": 0,
            })  # fmt: skip
    results = [
        {"image_id": i, "category_id": label, "bbox": xywh(box), "score": score}
        for i, (boxes, scores, labels) in enumerate(detections)
        for box, score, label in zip(boxes.tolist(), scores.tolist(), labels.tolist(), strict=True)
    ]
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        coco_truth = COCO()
        coco_truth.dataset = truth
        coco_truth.createIndex()
        evaluation = COCOeval(coco_truth, coco_truth.loadRes(results), iouType="bbox")
        evaluation.params.iouThrs = np.array([iou_threshold])
        evaluation.evaluate()
        evaluation.accumulate()
    precision = evaluation.eval["precision"][
        0, :, :, 0, -1
    ]  # (recalls, classes): all sizes, 100 dets
    return float(precision.mean())


coco_ap = coco_average_precision(detections, targets_test)
print(f"AP at IoU 0.5, pycocotools:      {coco_ap:.4f} (difference {abs(ap - coco_ap):.1e})")
assert abs(ap - coco_ap) < 1e-4
# --8<-- [end:pycocotools]

# --8<-- [start:voc]
voc_ap = average_precision(detections, targets_test, recall_points=11)
print(f"AP at IoU 0.5, VOC 2007 11-point: {voc_ap:.4f} (COCO-style 101-point: {ap:.4f})")
assert abs(voc_ap - ap) > 1e-3
# --8<-- [end:voc]

# --8<-- [start:detections_figure]
fig, axes = plt.subplots(1, 4, figsize=(8, 2.4))
for i, ax in enumerate(axes):
    boxes, scores, labels = detections[i]
    confident = scores > 0.5
    show(ax, X_test[i], boxes[confident], labels[confident], scores[confident], color="C0")
plt.show()
# --8<-- [end:detections_figure]

# --8<-- [start:proposals]
proposals = torch.tensor(
    [[x, y, x + w, y + w] for w in (8, 12) for y in range(0, size - w + 1, stride)
     for x in range(0, size - w + 1, stride)], dtype=torch.float32,
)  # fmt: skip
print("proposals per image:", len(proposals))


def proposal_labels(targets):
    """The class of the object a proposal overlaps with IoU >= 0.5, else background (3)."""
    labels = []
    for boxes, classes in targets:
        best, which = iou(proposals, boxes).max(dim=1)
        labels.append(torch.where(best >= 0.5, classes[which], num_classes))
    return torch.stack(labels)


cells_of = (proposals / stride).long()  # corners in feature-map cells: the boxes are aligned


def roi_pool(features, box_cells, output_size=2):
    """Fast R-CNN's RoI pooling: the box's part of the feature map, max-pooled to 2 x 2."""
    c1, r1, c2, r2 = box_cells.tolist()
    return F.adaptive_max_pool2d(features[..., r1:r2, c1:c2], output_size).flatten(-3)


with torch.no_grad():
    features_train = backbone(X_train)  # the trained detector's backbone, frozen
    pooled = torch.stack([roi_pool(features_train, b) for b in cells_of], dim=1)  # (n, 85, 64)
pooled, labels_train = pooled.flatten(0, 1), proposal_labels(targets_train).flatten()
objects = torch.nonzero(labels_train < num_classes).flatten()
background = torch.nonzero(labels_train == num_classes).flatten()
print(f"training proposals: {len(objects)} on objects, {len(background)} background")
classifier = nn.Linear(pooled.shape[-1], num_classes + 1)  # 3 shapes + background
optimizer = torch.optim.Adam(classifier.parameters(), lr=1e-2)
for _ in range(300):  # as R-CNN: 32 object and 96 background proposals per mini-batch
    batch = torch.cat([objects[torch.randint(len(objects), (32,))],
                       background[torch.randint(len(background), (96,))]])  # fmt: skip
    loss = F.cross_entropy(classifier(pooled[batch]), labels_train[batch])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"region classifier: final loss {loss.item():.3f}")
# --8<-- [end:proposals]


# --8<-- [start:rcnn_vs_fast]
def cnn(images):  # the backbone, counting every image (or crop) it processes, and their pixels
    cnn.images += len(images)
    cnn.pixels += images[:, 0].numel()
    return backbone(images)


@torch.no_grad()
def r_cnn(X):  # one CNN pass per proposal, on the crop
    probs = torch.zeros(len(X), len(proposals), num_classes + 1)
    for i in range(len(X)):
        for k, (x1, y1, x2, y2) in enumerate(proposals.long().tolist()):
            crop = X[i : i + 1, :, y1:y2, x1:x2]
            features = cnn(crop)
            probs[i, k] = classifier(F.adaptive_max_pool2d(features, 2).flatten(1))[0].softmax(-1)
    return probs


@torch.no_grad()
def fast_r_cnn(X):  # one CNN pass per image, then every proposal pooled from its features
    features = cnn(X)
    pooled = torch.stack([roi_pool(features, b) for b in cells_of], dim=1)
    return classifier(pooled).softmax(-1)


def to_detections(probs):
    detections = []
    for p in probs:
        scores, labels = p[:, :num_classes].max(dim=1)
        keep = torch.tensor(nms(proposals, scores), dtype=torch.long)
        keep = keep[scores[keep] > 0.05]
        detections.append((proposals[keep], scores[keep], labels[keep]))
    return detections


few = X_test[:10]
cnn.images = cnn.pixels = 0
probs_slow = r_cnn(few)
passes_slow, pixels_slow = cnn.images, cnn.pixels
cnn.images = cnn.pixels = 0
probs_fast = fast_r_cnn(few)
passes_fast, pixels_fast = cnn.images, cnn.pixels
print(f"{len(few)} images: R-CNN ran the CNN {passes_slow} times, Fast R-CNN {passes_fast} times")
print(f"pixels the CNN processed: R-CNN {pixels_slow}, Fast R-CNN {pixels_fast}")
difference = (probs_slow - probs_fast).abs().max().item()
print(f"largest difference in class probabilities: {difference:.1e}")
slow, fast = to_detections(probs_slow), to_detections(probs_fast)
same = all(
    torch.equal(a[0], b[0]) and torch.equal(a[2], b[2]) for a, b in zip(slow, fast, strict=True)
)
print("same detections:", same)
assert len(proposals) == 85 and passes_slow == 850 and passes_fast == len(few) == 10
assert pixels_slow == 83200 and pixels_fast == 10240  # 8.125 times fewer pixels, not 85
assert difference < 1e-5 and same
# --8<-- [end:rcnn_vs_fast]

# --8<-- [start:exercise_1]
ap_75 = average_precision(detections, targets_test, iou_threshold=0.75)
coco_ap_75 = coco_average_precision(detections, targets_test, iou_threshold=0.75)
print(f"AP at IoU 0.75: this page {ap_75:.4f}, pycocotools {coco_ap_75:.4f}")
assert abs(ap_75 - coco_ap_75) < 1e-4 and ap_75 < ap
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
every_box = detect(X_test, nms_threshold=1.0)  # NMS keeps everything
print("detections without NMS:", sum(len(d[1]) for d in every_box))
print("detections with NMS:", sum(len(d[1]) for d in detections))
assert sum(len(d[1]) for d in every_box) > sum(len(d[1]) for d in detections)
ap_no_nms = average_precision(every_box, targets_test)
print(f"AP at IoU 0.5 without NMS: {ap_no_nms:.4f} (with NMS: {ap:.4f})")
assert ap_no_nms < ap
# --8<-- [end:exercise_2]

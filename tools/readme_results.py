"""README.md, written from its source nbs/index.ipynb (nbdev's `readme_nb`), with the results section rendered from
the committed metrics (never typed by hand).

    python tools/readme_results.py           # render the results block into nbs/index.ipynb, write README.md from it
    python tools/readme_results.py --check   # exit 1 if README.md or the notebook disagree (CI)

Edit the README in nbs/index.ipynb (JupyterLab or any editor), then run this: README.md is the notebook's markdown
cells, one after another. (nbdev's own `nbdev_readme` needs Quarto, which this project does not install.)

Every number links to the file that holds it. A file that does not exist yet (no `dvc repro` committed) is shown
as "not measured".
"""

import argparse
import json
import sys
from pathlib import Path

BEGIN, END = "<!-- results:begin (tools/readme_results.py) -->", "<!-- results:end -->"
GPU_BEGIN, GPU_END = "<!-- paper-gpu:begin (tools/readme_results.py) -->", "<!-- paper-gpu:end -->"
METRICS = Path("data/metrics")
PROJECTION = Path("benchmarks/results/paper_gpu_projection.json")
SPEED_BEGIN, SPEED_END = "<!-- speed:begin (tools/readme_results.py) -->", "<!-- speed:end -->"
BENCH_CPU, BENCH_GPU = Path("benchmarks/results/bench_vsm_cpu.json"), Path("benchmarks/results/bench_gpu_h200.json")
FRESH = Path("benchmarks/results/fresh_clone_repro.json")
HEAD_COST = {
    "shipped pixel-space model": Path("benchmarks/results/head_cost_shipped.json"),
    "patch architecture (issue 19, random weights)": Path("benchmarks/results/head_cost_patch.json"),
}
REPRO_BEGIN, REPRO_END = "<!-- repro:begin (tools/readme_results.py) -->", "<!-- repro:end -->"


def load(name: str) -> dict | None:
    path = METRICS / name
    return json.loads(path.read_text()) if path.is_file() else None


def get(d, *keys):
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def fmt(v, digits: int = 3) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    return f"{v:.{digits}f}"


def ci(v) -> str:
    return "" if not v else f" [{v[0]:.3f}, {v[1]:.3f}]"


def link(name: str) -> str:
    return f"[`{name}`](data/metrics/{name})"


def backbone_rows(b: dict) -> list[str]:
    g = b.get("generation", {})
    best = b.get("best_layer")
    rows = [
        "| generator: class accuracy of class-conditional samples (chance 0.125; the classifier on held-out renders) "
        "| "
        f"{fmt(g.get('class_accuracy'))} ({fmt(g.get('classifier_accuracy_on_renders'))}) | {link('backbone.json')} |",
        f"| generator: FID on EfficientNet-Lite0 features, {fmt(get(g, 'settings', 'n_samples'))} samples vs renders "
        f"(render-vs-render floor at the same size; ratio; FID and floor both grow as the sample count falls) | "
        f"{fmt(g.get('fid_effnet'), 1)} ({fmt(g.get('fid_effnet_floor'), 1)}; {fmt(g.get('fid_ratio'), 2)}x) | "
        f"{link('backbone.json')} |",
        f"| generator: conditioning effect (same seed, other class, recognised as the new class) | "
        f"{fmt(g.get('conditioning_effect'))} | {link('backbone.json')} |",
        f"| features: semantic correspondence PCK@0.1, best layer {best}, trained vs random weights | "
        f"{fmt(get(b, 'best', 'trained', 'pck@0.1'))} vs {fmt(get(b, 'best', 'random', 'pck@0.1'))} | "
        f"{link('backbone.json')} |",
    ]
    return rows


def dataset_rows(d: dict) -> list[str]:
    q, before = get(d, "total", "alteration_quality") or {}, d.get("alteration_quality_before_filter") or {}
    samples = d.get("samples", {})
    return [
        "| dataset: samples train / val / test, mean oracle | "
        f"{' / '.join(fmt(samples.get(s)) for s in ('train', 'val', 'test'))}, "
        f"{fmt(get(d, 'total', 'oracle', 'mean'))} | {link('dataset.json')} |",
        f"| dataset: altered regions still their part (recognised and coherent), every altered image checked / kept | "
        f"{fmt(before.get('part_preserved'))} / {fmt(q.get('part_preserved'))} | {link('dataset.json')} |",
        f"| dataset: sharpness ratio (median, altered / original), every altered image checked / kept | "
        f"{fmt(before.get('sharpness_ratio'))} / {fmt(q.get('sharpness_ratio'))} | {link('dataset.json')} |",
        "| dataset: candidates rejected by the alteration check | "
        f"{fmt(get(d, 'filters', 'alteration_quality', 'rejected'))} of "
        f"{fmt(get(d, 'filters', 'alteration_quality', 'evaluated'))} | {link('dataset.json')} |",
    ]


def train_rows(t: dict) -> list[str]:
    cal = t.get("val_calibration") or {}
    rule = f"{'one-to-one' if cal.get('one_to_one') else 'all matches'}, visual {cal.get('visual_at', 'anywhere')}"
    return [
        "| heads: visual separation AUROC on val, trained (raw features) | "
        f"{fmt(get(t, 'trained', 'visual_separation_auroc'))} "
        f"({fmt(get(t, 'raw_backbone', 'visual_separation_auroc'))}) | {link('train.json')} |",
        "| heads: VSM's T_v and rule calibrated on val (val Spearman with the oracle) | "
        f"{fmt(cal.get('threshold'), 2)}, {rule} "
        f"({fmt(cal.get('spearman'))}) | {link('train.json')} |",
        *stability_rows(cal.get("stability")),
    ]


def stability_rows(stability: dict | None) -> list[str]:
    "How firmly the val pairs pick T_v: the choice rerun on bootstrap resamples (absent from older train.json files)."
    if not stability or not stability.get("threshold_quantiles"):
        return []
    q = stability["threshold_quantiles"]
    return [
        f"| heads: T_v chosen on {stability['n_boot']} bootstrap resamples of val: 5/50/95% quantiles; share with the "
        f"same T_v and rule | {fmt(q['0.05'], 2)} / {fmt(q['0.5'], 2)} / {fmt(q['0.95'], 2)}; "
        f"{fmt(stability['same_choice'], 2)} | {link('train.json')} |"
    ]


def eval_rows(e: dict) -> list[str]:
    c = e.get("controlled", {})
    main = get(c, "metrics", c.get("main")) or {}
    others = {
        k: v for k, v in (c.get("metrics") or {}).items() if not k.startswith("vsm_") and v.get("pearson") is not None
    }
    best = max(others.items(), key=lambda kv: kv[1]["pearson"], default=(None, {}))
    loc = c.get("localization", {})
    return [
        "| Table 1, controlled test split: VSM Pearson / Spearman with the oracle | "
        f"{fmt(main.get('pearson'))}{ci(main.get('pearson_ci'))} / "
        f"{fmt(main.get('spearman'))}{ci(main.get('spearman_ci'))} | {link('eval.json')} |",
        f"| Table 1: best available baseline ({best[1].get('label', 'none')}) Pearson / Spearman | "
        f"{fmt(best[1].get('pearson'))}"
        f"{ci(best[1].get('pearson_ci'))} / {fmt(best[1].get('spearman'))}{ci(best[1].get('spearman_ci'))} | "
        f"{link('eval.json')} |",
        f"| heat-map localisation AUROC, VSM (raw features) | {fmt(get(loc, 'vsm', 'auroc'))} "
        f"({fmt(get(loc, 'raw', 'auroc'))}) | "
        f"{link('eval.json')} |",
    ]


def probe_rows(p: dict) -> list[str]:
    held, vsm = get(p, "point_auroc", "held_out") or {}, p.get("vsm") or {}
    layers = held.get("layers") or {}
    best = max(layers.items(), key=lambda kv: kv[1] or 0, default=("-", None))
    return [
        f"| probe, held-out operators ({', '.join(p.get('held_out_operators', []))}): point AUROC Ψv / Ψs / pixel "
        f"colour / best raw layer ({best[0]}) | "
        f"{fmt(held.get('visual'))} / {fmt(held.get('semantic'))} / {fmt(held.get('pixel'))} / {fmt(best[1])} | "
        f"{link('probe.json')} |",
        f"| probe: VSM Spearman with the oracle, all operators / held-out | {fmt(vsm.get('spearman'))} / "
        f"{fmt(get(vsm, 'held_out', 'spearman'))} | {link('probe.json')} |",
        "| probe: control delta (mean VSM change under lighting and noise) and heat-map AUROC | "
        f"{fmt(vsm.get('control_delta'))}, "
        f"{fmt(p.get('heatmap_auroc'))} | {link('probe.json')} |",
    ] + change_rows(get(p, "point_auroc", "held_out_by_change") or {})


def change_rows(by_change: dict) -> list[str]:
    "The probe's held-out point AUROC on the largest changes, and how many changes the world's own variation hides."
    largest = list((by_change.get("bins") or {}).items())[-1:]
    if not largest or "altered_below_between_view_median" not in by_change:
        return []
    name, row = largest[0]
    return [
        "| probe, held-out: altered points that change less than the world's median between-view distance "
        f"({fmt(by_change['between_view_distance']['median'])}) | "
        f"{by_change['altered_below_between_view_median']:.0%} | {link('probe.json')} |",
        f"| probe, held-out, largest changes ({name}, {row['n_altered']} points): point AUROC Ψv / Ψs / pixel colour / "
        f"best raw layer ({row.get('best_layer')}) | "
        f"{fmt(row['visual'])} / {fmt(row['semantic'])} / {fmt(row['pixel'])} / {fmt(row.get('best_layer_auroc'))} | "
        f"{link('probe.json')} |",
    ]


def consistency_rows(c: dict) -> list[str]:
    rows = []
    for key, test in (c.get("tests") or {}).items():
        score, gens = test.get("score"), test.get("generators", ["base", "other"])
        d = test.get("describe", {})
        rows.append(
            f"| consistency ({score}): mean base / {gens[1]}, Wilcoxon p, rank-biserial | "
            f"{fmt(get(d, gens[0], 'mean'), 1)} / "
            f"{fmt(get(d, gens[1], 'mean'), 1)}, {fmt(get(test, 'wilcoxon', 'p'), 4)}, "
            f"{fmt(get(test, 'effect_size', 'rank_biserial'), 2)} | "
            f"{link('consistency.json')} |"
        )
    return rows


def resources_table(r: dict) -> list[str]:
    lines = ["| stage | wall (min) | CPU (min) | peak RSS (GB) |", "|---|---|---|---|"]
    for stage, e in r.items():
        lines.append(f"| {stage} | {e['wall_s'] / 60:.1f} | {e['cpu_s'] / 60:.1f} | {e['peak_rss_mb'] / 1024:.2f} |")
    total = sum(e["wall_s"] for e in r.values()) / 60
    peak = max(e["peak_rss_mb"] for e in r.values()) / 1024
    lines.append(f"| **all stages** | **{total:.1f}** | | **{peak:.2f}** (largest stage) |")
    return lines + from_scratch(r)


def from_scratch(r: dict) -> list[str]:
    "The stages a fresh clone measured from scratch (a rerun may resume persisted output), and the whole it implies."
    if not FRESH.is_file():
        return []
    f = json.loads(FRESH.read_text())
    stages = {k: e for k, e in f["stages"].items() if k in r}
    each = ", ".join(
        f"`{k}` {e['wall_s'] / 60:.1f} min (peak {e['peak_rss_mb'] / 1024:.2f} GB)" for k, e in stages.items()
    )
    total = (sum(e["wall_s"] for e in r.values()) + sum(e["wall_s"] - r[k]["wall_s"] for k, e in stages.items())) / 60
    return [
        "",
        f"A rerun resumes persisted output (the `dataset` split), so these times can be shorter than a first run. On a "
        f"fresh clone (commit {f['commit']}, {f['date']}; [`{FRESH.name}`]({FRESH})) from scratch: {each}. With "
        f"those, rerunning every stage from scratch (`dvc repro -f`) takes about {total:.0f} min; a fresh clone's "
        "`make repro` skips the stages whose committed results are current (above).",
    ]


def render() -> str:
    out = [BEGIN, "", "| result | value | file |", "|---|---|---|"]
    for name, rows in (
        ("backbone.json", backbone_rows),
        ("dataset.json", dataset_rows),
        ("train.json", train_rows),
        ("eval.json", eval_rows),
        ("probe.json", probe_rows),
        ("consistency.json", consistency_rows),
    ):
        data = load(name)
        out += rows(data) if data is not None else [f"| {name} | not measured: no committed `dvc repro` result | |"]
    resources = load("resources.json")
    out += ["", f"Time and memory per stage ({link('resources.json')}, written by `tools/track.py`):", ""]
    out += resources_table(resources) if resources else ["not measured: no committed `dvc repro` result"]
    out += ["", END]
    return "\n".join(out)


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"


def render_gpu() -> str:
    "The paper profile's projected time per stage on one GPU (benchmarks/project_paper_gpu.py)."
    out = [GPU_BEGIN, ""]
    if not PROJECTION.is_file():
        return "\n".join(out + ["not projected yet: run `python benchmarks/project_paper_gpu.py`", "", GPU_END])
    p = json.loads(PROJECTION.read_text())
    call = {k: f"{v:.1f} s" if v >= 1 else f"{v * 1000:.0f} ms" for k, v in p["seconds_per_call"].items()}
    out += [
        f"Projected, not measured, for one {p['anchor']['device']} ({p['anchor']['dtype']}), from "
        f"[`{PROJECTION.name}`]({PROJECTION}): the FLOPs of each model call",
        f"times the FLOP rate measured for the SD 2.1 feature pass ({p['rate_tflops']:.0f} TFLOP/s), at the profile's "
        f"sizes, with every attempted pair kept (acceptance {p['acceptance']:g}; the dataset stages scale by",
        f"1 / acceptance). Per call: SD 2.1 features {call['sd21_features_768']}, SDXL inpainting (29 steps, 1024 px) "
        f"{call['sdxl_inpainting_1024']}, SDXL generation (20 steps, 768 px)",
        f"{call['sdxl_generation_768']}, SAM ViT-H {call['sam_vit_h_1024']}, Grounding DINO-T "
        f"{call['grounding_dino_t_800']}, VSM {call['vsm_pair_measured']} per pair (measured).",
        "",
        "| stage | projected time | work |",
        "|---|---|---|",
    ]
    for stage, e in p["stages"].items():
        work = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in e.items() if k != "seconds")
        out.append(f"| {stage} | {duration(e['seconds'])} | {work} |")
    out += [f"| **all stages** | **{duration(p['total_hours'] * 3600)}** | |", "", GPU_END]
    return "\n".join(out)


def render_speed() -> str:
    "VSM scoring speed from the committed outputs of `bench_vsm.py --json` (CPU) and `bench_gpu.py --json` (H200)."
    out = [SPEED_BEGIN]
    if BENCH_CPU.is_file():
        c = json.loads(BENCH_CPU.read_text())
        rate, ratio, heads = c["pairs_per_s"], c["scorer_over_backbone"], c["heads_over_backbone"]
        out += [
            f"VSM scoring runs at {rate:.1f} pairs/s on the build machine ({c['machine']}) with the shipped model, "
            f"{ratio:.2f}x the backbone's forward time alone; the heads are {heads:.2f}x of it",
            f"([`{BENCH_CPU.name}`]({BENCH_CPU}), `python benchmarks/bench_vsm.py --json ...`, median of "
            f"{c['repeats']} interleaved rounds; this shared machine's speed drifts by ±15 % between runs).",
        ]
    if BENCH_GPU.is_file():
        g = json.loads(BENCH_GPU.read_text())
        vsm, train = g["vsm"], g["train"]
        out += [
            f"On one {g['device']} with a Stable Diffusion 2.1-sized backbone at {g['size']} px in {g['dtype']} "
            f"(random weights, the real model's compute; [`{BENCH_GPU.name}`]({BENCH_GPU})):",
            f"{vsm['pairs_per_s']:.0f} pairs/s, {vsm['ratio']:.2f}x the backbone; one training step of the heads "
            f"({train['batch']} samples x {train['images_per_sample']} images) {train['step_s']:.2f} s,",
            f"{train['backbone_s'] / train['step_s']:.0%} of it in the frozen backbone.",
        ]
    return "\n".join(out + head_cost_rows() + [SPEED_END])


def head_cost_rows() -> list[str]:
    "Scoring / backbone per head layout and size, for each backbone `head_cost.py --json` measured."
    records = {name: json.loads(path.read_text()) for name, path in HEAD_COST.items() if path.is_file()}
    if not records:
        return []
    first = next(iter(records.values()))
    out = [
        "",
        "Scoring time over the backbone's by head layout and size (`python benchmarks/head_cost.py --json ...`: "
        f"heads and `vsm_score` timed beside the backbone, {first['pairs']} pairs, {first['machine']}):",
        "",
        "| heads | " + " | ".join(records) + " |",
        "|---|" + "---|" * len(records),
    ]
    for variant in first["over_backbone"]:
        layout, q = variant.rsplit("_q", 1)
        cells = [f"{r['over_backbone'][variant]['scoring']:.2f}x" for r in records.values()]
        out.append(f"| {layout}, q {q} | " + " | ".join(cells) + " |")
    floors = [f"{r['seconds']['backbone'] * 1000:,.0f} ms" for r in records.values()]
    out.append("| *backbone forward, " + f"{2 * first['pairs']} images* | " + " | ".join(floors) + " |")
    return out


def quoted(names) -> str:
    return ", ".join(f"`{n}`" for n in names)


def record_kinds(paths) -> str:
    "How many files of each kind: metrics (.json), reports (.ipynb), figures (.png), result tables (.md)."
    kinds = {".json": "metrics files", ".ipynb": "executed reports", ".png": "figures", ".md": "result tables"}
    counts = {name: sum(str(p).endswith(ext) for p in paths) for ext, name in kinds.items()}
    return ", ".join(f"{n} {name}" for name, n in counts.items() if n) or "none"


def render_repro() -> str:
    "The README's first command as measured on a fresh clone (`tools/fresh_clone_repro.py`)."
    out = [REPRO_BEGIN]
    f = json.loads(FRESH.read_text()) if FRESH.is_file() else {}
    if "wall_s" not in f:
        return "\n".join(out + ["not measured yet: run `python tools/fresh_clone_repro.py`", REPRO_END])
    minutes, seconds = divmod(round(f["wall_s"]), 60)
    reproduced, changed = f["cached_outs_reproduced"], f["cached_outs_changed"]
    verdict = (
        f"Every output DVC caches ({len(reproduced)}, listed in the JSON) hashed to its value in `dvc.lock`"
        if not changed
        else f"These cached outputs did not reproduce: {quoted(changed)}"
    )
    out += [
        f"On a fresh clone of this 2-core CPU machine (commit {f['commit']}, {f['date']}; "
        f"[`{FRESH.name}`]({FRESH}), `python tools/fresh_clone_repro.py`), `make repro` took "
        f"**{minutes} min {seconds} s**, setup of `.venv` included ({f['setup_s'] / 60:.1f} min), and its largest "
        f"process peaked at {f['peak_rss_mb'] / 1024:.2f} GB. It ran {quoted(f['ran'])}, whose outputs live in the DVC "
        f"cache and not in git, and skipped {quoted(f['skipped'])}, whose committed results are current. {verdict}. "
        f"Committed records that changed (listed in the JSON; timings and executed reports always do): "
        f"{record_kinds(f['records_changed'])}.",
    ]
    return "\n".join(out + [REPRO_END])


INDEX = Path("nbs/index.ipynb")
BLOCKS = (
    (BEGIN, END, render),
    (GPU_BEGIN, GPU_END, render_gpu),
    (SPEED_BEGIN, SPEED_END, render_speed),
    (REPRO_BEGIN, REPRO_END, render_repro),
)


def with_results(text: str) -> str:
    "`text` with every generated block between its markers rendered anew."
    for begin, end, make in BLOCKS:
        if begin in text and end in text:
            head, rest = text.split(begin, 1)
            text = head + make() + rest.split(end, 1)[1]
    return text


def rendered_index() -> tuple[dict, str]:
    "The index notebook with its results block rendered, and the README text its markdown cells make."
    nb = json.loads(INDEX.read_text())
    cells = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    texts = ["".join(c["source"]) for c in cells]
    for begin, end, _ in BLOCKS:
        if not any(begin in t and end in t for t in texts):
            raise SystemExit(f"{INDEX} lacks the markers {begin} ... {end}")
    for block, text in enumerate(texts):
        texts[block] = with_results(text)
        cells[block]["source"] = texts[block].splitlines(True)
    return nb, "\n\n".join(t.rstrip("\n") for t in texts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    nb, readme = rendered_index()
    nb_text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    if args.check:
        if readme != Path("README.md").read_text() or nb_text != INDEX.read_text():
            print(
                f"README.md or {INDEX} disagree with each other or with the committed metrics: run `python "
                "tools/readme_results.py`"
            )
            return 1
        print(f"readme_results: README.md is {INDEX} with the committed metrics")
        return 0
    INDEX.write_text(nb_text)
    Path("README.md").write_text(readme)
    return 0


if __name__ == "__main__":
    sys.exit(main())

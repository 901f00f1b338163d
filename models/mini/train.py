"""Train the mini family: python3 -m models.mini.train --profile <smoke|cpu|gpu> --out DIR

Stages (each checkpointed in --work, so a cut-off run resumes where it stopped):
  image     image encoder (+ caption encoder), autoencoder, token-conditioned diffusion decoder
  pretrain  shared-subject brain model + prior on subjects 02-08
  finetune  the pretrained backbone with a new adapter and a new prior, on subject 01's single session
  alone     the same model trained from scratch on subject 01's single session (the baseline)
Then every model is exported (models.mini.export) and scored (models.mini.evaluate).

A stage's checkpoint is named by a hash of what it depends on (its settings, the data, its networks'
parameter shapes and the keys of the stages it starts from), so changing a setting retrains that
stage and every stage after it, and nothing else. A change to the training code that keeps all of
these needs a fresh --work.
"""
from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import json
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .brain_model import BrainConfig, BrainModel, Prior
from .config import PRETRAIN_SUBJECTS, TARGET_SUBJECT, TrainConfig, describe, get_config
from .data import ImageSet, SubjectTrials, build_vocabulary, load_training, words
from .diffusion import add_noise, cosine_alphas_cumprod, v_target
from .evaluate import evaluate_all
from .export import export_all
from .image_model import Autoencoder, CaptionEncoder, ImageConfig, ImageEncoder, TokenDecoder


class Log:
    def __init__(self, path: Path):
        self.path, self.start = path, time.time()

    def __call__(self, message: str, **values: object) -> None:
        record = {"seconds": round(time.time() - self.start, 1), "message": message, **values}
        print(json.dumps(record), flush=True)
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")


def schedule(step: int, total: int, lr: float, warmup: int = 100) -> float:
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def stage_key(settings: dict) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:12]


class Stage:
    """Optimises `modules` for `total` steps with periodic checkpoints it can resume from.

    `settings` is everything else the result depends on (data, hyper-parameters, the keys of earlier
    stages); with the step count, learning rate and parameter shapes it makes the stage's `key`, which
    names the checkpoint: a checkpoint of other settings is never resumed. `lr_scales` scales the
    learning rate of the parameters whose names ("model.backbone.…") start with a key."""

    def __init__(self, name: str, modules: dict[str, torch.nn.Module], total: int, lr: float, cfg: TrainConfig,
                 work: Path, log: Log, settings: dict, lr_scales: dict[str, float] | None = None):
        self.name, self.modules, self.total, self.lr, self.cfg, self.log = name, modules, total, lr, cfg, log
        shapes = {f"{k}.{n}": list(p.shape) for k, m in modules.items() for n, p in m.state_dict().items()}
        self.settings = {"stage": name, "steps": total, "lr": lr, "weight_decay": cfg.weight_decay, "bf16": cfg.bf16,
                         "seed": cfg.seed, "parameters": stage_key(shapes), **settings,
                         **({"lr_scales": lr_scales} if lr_scales else {})}
        self.key = stage_key(self.settings)
        self.path = work / f"{name}-{self.key}.pt"
        groups: dict[float, list[torch.nn.Parameter]] = {}
        for k, m in modules.items():
            for n, p in m.named_parameters():
                if p.requires_grad:
                    scale = next((s for prefix, s in (lr_scales or {}).items() if f"{k}.{n}".startswith(prefix)), 1.0)
                    groups.setdefault(scale, []).append(p)
        self.optimizer = torch.optim.AdamW([{"params": p, "lr_scale": s} for s, p in groups.items()], lr=lr,
                                           weight_decay=cfg.weight_decay)
        self.step = 0
        if self.path.exists():
            state = torch.load(self.path, map_location=cfg.device)
            for key, module in modules.items():
                module.load_state_dict(state["modules"][key])
            self.optimizer.load_state_dict(state["optimizer"])  # its param groups keep their lr_scale
            self.step = state["step"]
            torch.set_rng_state(state["rng"])
            log(f"{name}: resumed", step=self.step, key=self.key)
        elif (work / f"{name}.pt").exists() or any(work.glob(f"{name}-*.pt")):
            log(f"{name}: settings changed, training again", key=self.key)

    @property
    def done(self) -> bool:
        return self.step >= self.total

    def update(self, loss: torch.Tensor, **metrics: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = schedule(self.step, self.total, self.lr) * group["lr_scale"]
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for g in self.optimizer.param_groups for p in g["params"]], 1.0)
        self.optimizer.step()
        self.step += 1
        if self.step % max(1, self.total // 10) == 0 or self.step == self.total:
            self.log(f"{self.name}", step=self.step, loss=round(float(loss), 5), **{k: round(v, 5) for k, v in metrics.items()})
        if self.step % self.cfg.checkpoint_every == 0 or self.step == self.total:
            self.save()

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        torch.save({"modules": {k: m.state_dict() for k, m in self.modules.items()},
                    "optimizer": self.optimizer.state_dict(), "step": self.step, "rng": torch.get_rng_state(),
                    "settings": self.settings}, tmp)
        tmp.replace(self.path)


def autocast(cfg: TrainConfig):
    if cfg.bf16 and cfg.device == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def contrastive(brain: torch.Tensor, image: torch.Tensor, temperature: float, soft_targets: torch.Tensor | None = None,
                mix: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """CLIP loss both ways. `mix` = (lam, perm) gives BiMixCo's mixed targets; `soft_targets` SoftCLIP's."""
    brain, image = F.normalize(brain, dim=-1), F.normalize(image, dim=-1)
    logits = brain @ image.T / temperature
    if mix is not None:
        lam, perm = mix
        targets = torch.diag(lam) + torch.zeros_like(logits).index_put((torch.arange(len(perm), device=perm.device), perm),
                                                                      1 - lam, accumulate=True)
    elif soft_targets is not None:
        targets = soft_targets
    else:
        targets = torch.eye(len(brain), device=brain.device)
    return 0.5 * (torch.sum(-targets * F.log_softmax(logits, -1), -1).mean()
                  + torch.sum(-targets.T * F.log_softmax(logits.T, -1), -1).mean())


# ---------------------------------------------------------------- image side

def sessions_of(cfg: TrainConfig) -> dict[str, int]:
    return {s: cfg.pretrain_sessions for s in PRETRAIN_SUBJECTS} | {TARGET_SUBJECT: cfg.target_sessions}


def train_image_side(cfg: TrainConfig, images: ImageSet, work: Path, log: Log) -> dict:
    icfg = ImageConfig()
    # every stage here draws batches of all the training images, from one generator
    common = {"data": cfg.dataset_profile, "sessions": sessions_of(cfg), "image_batch": cfg.image_batch,
              "image": asdict(icfg)}
    device = cfg.device
    pixels = torch.from_numpy(images.pixels).permute(0, 3, 1, 2).contiguous()
    vocabulary = build_vocabulary(images.captions, icfg.vocab)
    index = {w: i for i, w in enumerate(vocabulary)}
    caption_ids = [[index.get(w, 0) for w in words(c)] for c in images.captions]
    generator = torch.Generator().manual_seed(cfg.seed)

    def batch_indices() -> torch.Tensor:
        return torch.randint(len(pixels), (cfg.image_batch,), generator=generator)

    encoder, captions = ImageEncoder(icfg).to(device), CaptionEncoder(icfg).to(device)
    stage = Stage("image-encoder", {"encoder": encoder, "captions": captions}, cfg.encoder_steps, cfg.image_lr, cfg, work,
                  log, common)
    encoder_key = stage.key
    while not stage.done:
        idx = batch_indices()
        x = pixels[idx].to(device)
        flat = [caption_ids[i] for i in idx.tolist()]
        offsets = torch.tensor([0] + [len(c) for c in flat[:-1]]).cumsum(0).to(device)
        with autocast(cfg):
            tokens, embedding = encoder(x)
            text = captions(torch.tensor([w for c in flat for w in c], device=device), offsets)
            clip = contrastive(embedding.float(), text.float(), 0.07)
            patches = F.mse_loss(encoder.reconstruct_patches(tokens).float(), x)
        stage.update(clip + 10 * patches, clip=float(clip), patch_mse=float(patches))

    autoencoder = Autoencoder(icfg).to(device)
    stage = Stage("autoencoder", {"autoencoder": autoencoder}, cfg.autoencoder_steps, cfg.image_lr, cfg, work, log,
                  {**common, "after": encoder_key})
    autoencoder_key = stage.key
    while not stage.done:
        x = pixels[batch_indices()].to(device)
        with autocast(cfg):
            latent = autoencoder.encode(x)
            l1 = F.l1_loss(autoencoder.decode(latent).float(), x)
            reg = 1e-4 * latent.float().pow(2).mean()
        stage.update(l1 + reg, l1=float(l1))

    encoder.eval(), autoencoder.eval()
    tokens, embeddings, latents = encode_images(encoder, autoencoder, pixels, cfg)
    latent_scale = float(1 / latents.std())
    alphas = cosine_alphas_cumprod(cfg.decoder_train_steps)
    decoder = TokenDecoder(icfg).to(device)
    stage = Stage("decoder", {"decoder": decoder}, cfg.decoder_steps, cfg.image_lr / 2, cfg, work, log,
                  {**common, "after": autoencoder_key, "decoder_train_steps": cfg.decoder_train_steps,
                   "cfg_dropout": cfg.cfg_dropout})
    while not stage.done:
        idx = batch_indices()
        z0 = latents[idx].to(device) * latent_scale
        cond = tokens[idx].to(device).float()
        drop = torch.rand(len(idx), generator=generator) < cfg.cfg_dropout
        cond[drop.to(device)] = 0  # the unconditional tokens classifier-free guidance uses
        t = torch.randint(cfg.decoder_train_steps, (len(idx),), generator=generator).to(device)
        noise = torch.randn(z0.shape, generator=generator).to(device)
        with autocast(cfg):
            out = decoder(add_noise(z0, noise, t, alphas), t.float(), cond)
            loss = F.mse_loss(out.float(), v_target(z0, noise, t, alphas))
        stage.update(loss)
    decoder.eval()
    return {"config": icfg, "encoder": encoder, "captions": captions, "autoencoder": autoencoder, "decoder": decoder,
            "latent_scale": latent_scale, "vocabulary": vocabulary, "tokens": tokens, "embeddings": embeddings,
            "latents": latents, "key": autoencoder_key}


@torch.no_grad()
def encode_images(encoder: ImageEncoder, autoencoder: Autoencoder, pixels: torch.Tensor, cfg: TrainConfig):
    tokens, embeddings, latents = [], [], []
    for chunk in pixels.split(256):
        t, e = encoder(chunk.to(cfg.device))
        tokens.append(t.half().cpu()), embeddings.append(e.cpu()), latents.append(autoencoder.encode(chunk.to(cfg.device)).cpu())
    return torch.cat(tokens), torch.cat(embeddings), torch.cat(latents)


# ---------------------------------------------------------------- brain side

def train_brain(name: str, cfg: TrainConfig, trials: dict[str, SubjectTrials], image_side: dict, steps: int,
                work: Path, log: Log, start_from: dict | None = None) -> dict:
    """One brain model + prior trained on `trials` (all subjects at once, one adapter each)."""
    bcfg = BrainConfig()
    device = cfg.device
    model = BrainModel(bcfg, {s: t.betas.shape[1] for s, t in trials.items()}).to(device)
    prior = Prior(bcfg).to(device)
    lr_scales = None
    if start_from is not None:
        # Fine-tuning starts from the shared backbone, learns new adapters and a new prior, and moves the
        # backbone at a tenth of the learning rate. Measured on subject 01 (cpu profile): at the full
        # rate the backbone overfits the 675 trials (test token MSE .077 after 100 steps, .085 after
        # 400; alone: .088), at a tenth it keeps improving (.072, image retrieval 22 vs 17 %). The
        # pretrained prior, fine-tuned, made the reconstructions worse than no prior at all (two-way
        # 81.8 vs 82.8 %), a fresh one better (83.4 %): the prior learns how far to trust its cond
        # tokens, and the pretraining subjects' tokens err differently.
        model.backbone.load_state_dict(start_from["model"].backbone.state_dict())
        lr_scales = {"model.backbone.": cfg.finetune_backbone_lr_scale}
    alphas = cosine_alphas_cumprod(cfg.prior_train_steps)
    tokens, embeddings = image_side["tokens"], image_side["embeddings"]
    latents = image_side["latents"] * image_side["latent_scale"]
    betas = {s: torch.from_numpy(t.betas) for s, t in trials.items()}
    image_of = {s: torch.from_numpy(t.image) for s, t in trials.items()}
    generator = torch.Generator().manual_seed(cfg.seed + 1)
    sessions = sessions_of(cfg)
    settings = {"data": cfg.dataset_profile, "sessions": {s: sessions[s] for s in trials}, "brain": asdict(bcfg),
                "images": image_side["key"], "start_from": start_from and {"backbone": start_from["key"]},
                **{k: getattr(cfg, k) for k in ("brain_batch", "prior_batch", "mixco_fraction", "temperature",
                                                "prior_train_steps")}}
    stage = Stage(name, {"model": model, "prior": prior}, steps, cfg.brain_lr, cfg, work, log, settings, lr_scales)
    model.train(), prior.train()
    while not stage.done:
        shared, images, mixed, lams, perms = [], [], [], [], []
        mixing = stage.step < cfg.mixco_fraction * steps
        for subject in trials:
            idx = torch.randint(len(betas[subject]), (cfg.brain_batch // len(trials),), generator=generator)
            voxels = betas[subject][idx].float().to(device)
            shared.append(model.adapters[subject](voxels))
            images.append(image_of[subject][idx])
            if mixing:  # BiMixCo: mix voxels of two trials, ask for the matching mix of images
                lam = torch.distributions.Beta(0.15, 0.15).sample((len(idx),)).to(device)
                perm = torch.randperm(len(idx), generator=generator).to(device)
                mixed.append(model.adapters[subject](lam[:, None] * voxels + (1 - lam[:, None]) * voxels[perm]))
                lams.append(lam)
                perms.append(perm + sum(len(p) for p in perms))
        images_t = torch.cat(images)
        target_tokens = tokens[images_t].to(device).float()
        target_embedding = embeddings[images_t].to(device)
        with autocast(cfg):
            clip_tokens, retrieval, blurry = model.backbone(torch.cat(shared))
            token_loss = F.mse_loss(clip_tokens.float(), target_tokens)
            some = torch.randperm(len(images_t), generator=generator)[: cfg.prior_batch].to(device)
            t = torch.randint(cfg.prior_train_steps, (len(some),), generator=generator).to(device)
            noise = torch.randn(target_tokens[some].shape, generator=generator).to(device)
            x0 = prior(add_noise(target_tokens[some], noise, t, alphas), t.float(), clip_tokens[some])
            prior_loss = F.mse_loss(x0.float(), target_tokens[some])
            lowlevel = F.l1_loss(blurry.float(), latents[images_t].to(device))
            if mixing:
                _, mixed_retrieval, _ = model.backbone(torch.cat(mixed))
                clip_loss = contrastive(mixed_retrieval.float(), target_embedding, cfg.temperature,
                                        mix=(torch.cat(lams), torch.cat(perms)))
            else:  # SoftCLIP: targets are the images' own similarity structure
                e = F.normalize(target_embedding, dim=-1)
                soft = F.softmax(e @ e.T / cfg.temperature, -1)
                clip_loss = contrastive(retrieval.float(), target_embedding, cfg.temperature, soft_targets=soft)
            loss = prior_loss + token_loss + 0.1 * clip_loss + lowlevel
        stage.update(loss, prior=float(prior_loss), tokens=float(token_loss), clip=float(clip_loss), lowlevel=float(lowlevel))
    model.eval(), prior.eval()
    return {"model": model, "prior": prior, "config": bcfg, "key": stage.key}


def run(cfg: TrainConfig, out: Path, work: Path) -> None:
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    log = Log(out / "train-log.jsonl")
    log("config", **describe(cfg), torch=torch.__version__, threads=torch.get_num_threads())
    images, trials = load_training(cfg.dataset_profile, cfg.seed, sessions_of(cfg), ImageConfig().image_size, cfg.workers)
    log("data", images=len(images.pixels), trials={s: int(t.betas.shape[0]) for s, t in trials.items()})
    image_side = train_image_side(cfg, images, work, log)
    pretrained = train_brain("pretrain", cfg, {s: trials[s] for s in PRETRAIN_SUBJECTS}, image_side, cfg.pretrain_steps, work, log)
    target = {TARGET_SUBJECT: trials[TARGET_SUBJECT]}
    finetuned = train_brain("finetune", cfg, target, image_side, cfg.finetune_steps, work, log, start_from=pretrained)
    alone = train_brain("alone", cfg, target, image_side, cfg.finetune_steps, work, log)
    brains = {"mini-multisubject": pretrained, "mini-subj01-finetuned": finetuned, "mini-subj01-alone": alone}
    bundles = export_all(cfg, image_side, brains, out, log)
    evaluate_all(cfg, image_side, brains, bundles, trials[TARGET_SUBJECT], images, out, log)
    log("done")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", required=True)
    parser.add_argument("--out", type=Path, required=True, help="where the model bundles, log and scores go")
    parser.add_argument("--work", type=Path, help="checkpoints (default .cache/train-<profile>)")
    parser.add_argument("--test-bundle", help="dataset bundle for scoring (default: the profile's)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override a setting")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    if args.test_bundle:
        overrides["test_bundle"] = args.test_bundle
    cfg = get_config(args.profile, overrides)
    run(cfg, args.out, args.work or Path(".cache") / f"train-{cfg.profile}")


if __name__ == "__main__":
    main()

"""Train the mini family: python3 -m models.mini.train --profile <smoke|cpu|gpu> --out DIR

Stages (each checkpointed in --work, so a cut-off run resumes where it stopped):
  image     image encoder (+ caption encoder) with the token renderer, token-conditioned diffusion
            decoder
  pretrain  shared-subject brain model + prior on subjects 02-08
  finetune  the pretrained backbone with a new adapter and a new prior, on subject 01's single
            session
  alone     the same model trained from scratch on subject 01's single session (the baseline)
Then every model is exported (models.mini.export) and scored (models.mini.evaluate).
`--stage subject` trains finetune and alone only, starting from the pretrained backbone shipped in
--out (its ONNX weights read back), on subject 01's session alone: the cheap loop for subject 01.

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
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .brain_model import BrainModel, Prior
from .config import (
    PRETRAIN_SUBJECTS,
    TARGET_SUBJECT,
    BrainConfig,
    ImageConfig,
    TrainConfig,
    describe,
    get_config,
    stage_key,
)
from .data import ImageSet, SubjectTrials, build_vocabulary, load_training, words
from .diffusion import add_noise, cosine_alphas_cumprod
from .export import (
    BRAIN_BUNDLES,
    IMAGE_BUNDLE,
    export_all,
    export_image_side,
    hardware,
    load_decoder,
    write_image_manifest,
)
from .handoff import read_handoff, write_handoff
from .image_model import CaptionEncoder, ImageEncoder, PixelLatent, TokenDecoder, TokenRenderer
from .layers import standardize
from .onnx_weights import load_exported
from .trained import Brain, EncodedImages, ImageSide


class Log:
    def __init__(self, path: Path):
        self.path, self.start = path, time.time()

    def elapsed(self) -> float:
        return time.time() - self.start

    def __call__(self, message: str, **values: object) -> None:
        record = {"seconds": round(self.elapsed(), 1), "message": message, **values}
        print(json.dumps(record), flush=True)
        with self.path.open("a") as f:
            f.write(json.dumps(record) + "\n")


def schedule(step: int, total: int, lr: float, warmup: int = 100) -> float:
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


class Stage:
    """Optimises `modules` for `total` steps with periodic checkpoints it can resume from.

    `settings` is everything else the result depends on (data, hyper-parameters, the keys of earlier
    stages); with the step count, learning rate and parameter shapes it makes the stage's `key`,
    which names the checkpoint: a checkpoint of other settings is never resumed. `lr_scales` scales
    the learning rate of the parameters whose names ("model.backbone.…") start with a key. A
    `frozen` stage must already be trained: it is loaded from its checkpoint or, where there is
    none, `exported(key)` may load it from the shipped ONNX files (True when it did); never trained
    again."""

    def __init__(
        self,
        name: str,
        modules: dict[str, torch.nn.Module],
        total: int,
        lr: float,
        cfg: TrainConfig,
        work: Path,
        log: Log,
        settings: dict,
        lr_scales: dict[str, float] | None = None,
        frozen: bool = False,
        exported: Callable[[str], bool] | None = None,
    ):
        self.name, self.modules, self.total, self.lr, self.cfg, self.log = (
            name,
            modules,
            total,
            lr,
            cfg,
            log,
        )
        shapes = {
            f"{k}.{n}": list(p.shape) for k, m in modules.items() for n, p in m.state_dict().items()
        }
        self.settings = {
            "stage": name,
            "steps": total,
            "lr": lr,
            "weight_decay": cfg.weight_decay,
            "bf16": cfg.bf16,
            "seed": cfg.seed,
            "parameters": stage_key(shapes),
            **settings,
            **({"lr_scales": lr_scales} if lr_scales else {}),
        }
        self.key = stage_key(self.settings)
        self.path = work / f"{name}-{self.key}.pt"
        groups: dict[float, list[torch.nn.Parameter]] = {}
        for k, m in modules.items():
            for n, p in m.named_parameters():
                if p.requires_grad:
                    scale = next(
                        (
                            s
                            for prefix, s in (lr_scales or {}).items()
                            if f"{k}.{n}".startswith(prefix)
                        ),
                        1.0,
                    )
                    groups.setdefault(scale, []).append(p)
        self.optimizer = torch.optim.AdamW(
            [{"params": p, "lr_scale": s} for s, p in groups.items()],
            lr=lr,
            weight_decay=cfg.weight_decay,
        )
        self.step = 0
        self.seconds: float | None = 0.0  # training time in earlier processes (None: not recorded)
        self._first: float | None = None
        self._last: float | None = None
        if self.path.exists():
            state = torch.load(self.path, map_location=cfg.device)
            for key, module in modules.items():
                module.load_state_dict(state["modules"][key])
            # its param groups keep their lr_scale
            self.optimizer.load_state_dict(state["optimizer"])
            self.step = state["step"]
            self.seconds = state.get("seconds")
            torch.set_rng_state(state["rng"])
            log(f"{name}: resumed", step=self.step, key=self.key)
        elif (work / f"{name}.pt").exists() or any(work.glob(f"{name}-*.pt")):
            log(f"{name}: settings changed, training again", key=self.key)
        if frozen and not self.done and exported is not None and exported(self.key):
            self.step, self.seconds = self.total, None
            log(f"{name}: loaded from the exported image side", key=self.key)
        if frozen and not self.done:
            raise SystemExit(
                f"{name}: {self.path} holds no finished training of these settings; train the "
                f"image side first (npm run train -- --profile {cfg.profile} --stage image)"
            )

    @property
    def done(self) -> bool:
        return self.step >= self.total

    @property
    def trained_seconds(self) -> float | None:
        """Wall time spent in update() over every process that trained this stage."""
        if self.seconds is None:
            return None
        return self.seconds + (
            self._last - self._first if self._first is not None and self._last is not None else 0
        )

    def update(self, loss: torch.Tensor, **metrics: float) -> None:
        self._first = self._first or time.time()
        for group in self.optimizer.param_groups:
            group["lr"] = schedule(self.step, self.total, self.lr) * group["lr_scale"]
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(
            [p for g in self.optimizer.param_groups for p in g["params"]], 1.0
        )
        self.optimizer.step()
        self.step += 1
        self._last = time.time()
        if self.step % max(1, self.total // 10) == 0 or self.step == self.total:
            self.log(
                f"{self.name}",
                step=self.step,
                loss=round(float(loss), 5),
                **{k: round(v, 5) for k, v in metrics.items()},
            )
        if self.step % self.cfg.checkpoint_every == 0 or self.step == self.total:
            self.save()

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        torch.save(
            {
                "modules": {k: m.state_dict() for k, m in self.modules.items()},
                "optimizer": self.optimizer.state_dict(),
                "step": self.step,
                "rng": torch.get_rng_state(),
                "settings": self.settings,
                # all of the profile, beyond what the key hashes: export rebuilds bundles from it
                "config": describe(self.cfg),
                "hardware": hardware(),
                "seconds": self.trained_seconds,
            },
            tmp,
        )
        tmp.replace(self.path)


def autocast(cfg: TrainConfig):
    if cfg.bf16 and cfg.device == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def contrastive(
    brain: torch.Tensor,
    image: torch.Tensor,
    temperature: float,
    soft_targets: torch.Tensor | None = None,
    mix: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> torch.Tensor:
    """CLIP loss both ways. `mix` = (lam, perm) gives BiMixCo's mixed targets; `soft_targets`
    SoftCLIP's."""
    brain, image = F.normalize(brain, dim=-1), F.normalize(image, dim=-1)
    logits = brain @ image.T / temperature
    if mix is not None:
        lam, perm = mix
        targets = torch.diag(lam) + torch.zeros_like(logits).index_put(
            (torch.arange(len(perm), device=perm.device), perm), 1 - lam, accumulate=True
        )
    elif soft_targets is not None:
        targets = soft_targets
    else:
        targets = torch.eye(len(brain), device=brain.device)
    return 0.5 * (
        torch.sum(-targets * F.log_softmax(logits, -1), -1).mean()
        + torch.sum(-targets.T * F.log_softmax(logits.T, -1), -1).mean()
    )


# ---------------------------------------------------------------- image side


def sessions_of(cfg: TrainConfig) -> dict[str, int]:
    return {s: cfg.pretrain_sessions for s in PRETRAIN_SUBJECTS} | {
        TARGET_SUBJECT: cfg.target_sessions
    }


def image_gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return x[..., 1:, :] - x[..., :-1, :], x[..., :, 1:] - x[..., :, :-1]


def edge_aware_l1(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 on pixels plus L1 on their horizontal and vertical differences: MSE alone lets edges go
    soft, and edges are most of what SSIM sees."""
    (py, px), (ty, tx) = image_gradients(predicted), image_gradients(target)
    return F.l1_loss(predicted, target) + F.l1_loss(py, ty) + F.l1_loss(px, tx)


def image_settings(cfg: TrainConfig, icfg: ImageConfig) -> dict:
    """What both image-side stages depend on: they draw batches of all the training images."""
    return {
        "data": cfg.dataset_profile,
        "sessions": sessions_of(cfg),
        "image_batch": cfg.image_batch,
        "image": asdict(icfg),
    }


def decoder_settings(cfg: TrainConfig, icfg: ImageConfig, encoder_key: str) -> dict:
    """What the decoder stage depends on: the image stages' data and the encoder it decodes."""
    return {
        **image_settings(cfg, icfg),
        "after": encoder_key,
        "decoder_train_steps": cfg.decoder_train_steps,
        "cfg_dropout": cfg.cfg_dropout,
    }


def exported_manifest(folder: Path, stage: str, key: str) -> dict | None:
    """`folder`'s image-side.json, if it was exported from this stage key's checkpoint."""
    path = folder / "image-side.json"
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    return manifest if manifest.get("keys", {}).get(stage) == key else None


def from_export(
    folder: Path, stage: str, load_from: Callable[[Path], None]
) -> Callable[[str], bool]:
    """Loads the stage's modules from the exported image side in `folder` (`load_from(folder)`) if
    it was exported from the checkpoint of this stage key."""

    def load(key: str) -> bool:
        if exported_manifest(folder, stage, key) is None:
            return False
        load_from(folder)
        return True

    return load


def train_image_encoder(
    cfg: TrainConfig,
    icfg: ImageConfig,
    images: ImageSet,
    work: Path,
    log: Log,
    frozen: bool = False,
    exported: Path | None = None,
) -> tuple[ImageSide, TokenRenderer, EncodedImages]:
    """The first half of the frozen foundation: the image encoder with the token renderer (tokens
    semantic through the captions, complete through the renderer; the decoder starts from it), and
    every training image's tokens, embedding and latent, which is all the brain models train on."""
    common = image_settings(cfg, icfg)
    device = cfg.device
    pixels = torch.from_numpy(images.pixels).permute(0, 3, 1, 2).contiguous()
    vocabulary = build_vocabulary(images.captions, icfg.vocab)
    index = {w: i for i, w in enumerate(vocabulary)}
    caption_ids = [[index.get(w, 0) for w in words(c)] for c in images.captions]
    generator = torch.Generator().manual_seed(cfg.seed)

    def batch_indices() -> torch.Tensor:
        return torch.randint(len(pixels), (cfg.image_batch,), generator=generator)

    latent = PixelLatent(icfg)
    with torch.no_grad():
        latent_scale = float(1 / latent.encode(pixels[:512]).std())

    encoder, captions = ImageEncoder(icfg).to(device), CaptionEncoder(icfg).to(device)
    renderer = TokenRenderer(icfg).to(device)
    stage = Stage(
        "image-encoder",
        {"encoder": encoder, "captions": captions, "renderer": renderer},
        cfg.encoder_steps,
        cfg.image_lr,
        cfg,
        work,
        log,
        common,
        frozen=frozen,
        exported=exported
        and from_export(
            exported, "image-encoder", lambda f: load_exported(encoder, f / "image-encoder.onnx")
        ),
    )
    while not stage.done:
        idx = batch_indices()
        x = pixels[idx].to(device)
        flat = [caption_ids[i] for i in idx.tolist()]
        offsets = torch.tensor([0] + [len(c) for c in flat[:-1]]).cumsum(0).to(device)
        z0 = latent.encode(x) * latent_scale
        with autocast(cfg):
            tokens, embedding = encoder(x)
            text = captions(torch.tensor([w for c in flat for w in c], device=device), offsets)
            clip = contrastive(embedding.float(), text.float(), 0.07)
            rendered = renderer(tokens).float()
            latent_mse = F.mse_loss(rendered, z0)
            pixel = edge_aware_l1(latent.decode(rendered / latent_scale).float(), x)
        stage.update(
            clip + latent_mse + pixel,
            clip=float(clip),
            latent_mse=float(latent_mse),
            pixel=float(pixel),
        )

    encoder.eval()
    manifest = exported and exported_manifest(exported, "image-encoder", stage.key)
    if manifest:  # the shipped scale: this run's images may be a part of those it was computed on
        latent_scale = manifest["latent"]["scale"]
    image_side = ImageSide(
        icfg,
        encoder,
        latent,
        latent_scale,
        keys={"image-encoder": stage.key},
        seconds={"image-encoder": stage.trained_seconds},
    )
    return image_side, renderer, encode_images(encoder, latent, pixels, cfg)


def train_decoder(
    cfg: TrainConfig,
    image_side: ImageSide,
    renderer: TokenRenderer,
    encoded: EncodedImages,
    work: Path,
    log: Log,
    frozen: bool = False,
    exported: Path | None = None,
) -> None:
    """The second half: the token-conditioned diffusion decoder, started from the renderer; sets
    image_side.decoder."""
    icfg, device = image_side.config, cfg.device
    tokens, latents = encoded.tokens, encoded.latents
    latent_scale, latent = image_side.latent_scale, image_side.latent
    generator = torch.Generator().manual_seed(cfg.seed + 3)
    alphas = cosine_alphas_cumprod(cfg.decoder_train_steps)
    decoder = TokenDecoder(icfg).to(device)
    decoder.renderer.load_state_dict(renderer.state_dict())
    stage = Stage(
        "decoder",
        {"decoder": decoder},
        cfg.decoder_steps,
        cfg.image_lr / 2,
        cfg,
        work,
        log,
        decoder_settings(cfg, icfg, image_side.key),
        frozen=frozen,
        exported=exported and from_export(exported, "decoder", lambda f: load_decoder(decoder, f)),
    )
    image_side.keys["decoder"] = stage.key
    while not stage.done:
        idx = torch.randint(len(tokens), (cfg.image_batch,), generator=generator)
        z0 = latents[idx].to(device) * latent_scale
        cond = tokens[idx].to(device).float()
        drop = torch.rand(len(idx), generator=generator) < cfg.cfg_dropout
        cond[drop.to(device)] = 0  # the unconditional tokens classifier-free guidance uses
        t = torch.randint(cfg.decoder_train_steps, (len(idx),), generator=generator).to(device)
        noise = torch.randn(z0.shape, generator=generator).to(device)
        with autocast(cfg):
            x0 = decoder(add_noise(z0, noise, t, alphas), t.float(), cond).float()
        mse = F.mse_loss(x0, z0)
        pixel = edge_aware_l1(latent.decode(x0 / latent_scale), latent.decode(z0 / latent_scale))
        stage.update(mse + pixel, mse=float(mse), pixel=float(pixel))
    image_side.decoder = decoder.eval()
    image_side.seconds["decoder"] = stage.trained_seconds


@torch.no_grad()
def encode_images(
    encoder: ImageEncoder, latent: PixelLatent, pixels: torch.Tensor, cfg: TrainConfig
) -> EncodedImages:
    tokens, embeddings, latents = [], [], []
    for chunk in pixels.split(256):
        t, e = encoder(chunk.to(cfg.device))
        tokens.append(t.half().cpu())
        embeddings.append(e.cpu())
        latents.append(latent.encode(chunk).cpu())
    return EncodedImages(torch.cat(tokens), torch.cat(embeddings), torch.cat(latents))


# ---------------------------------------------------------------- brain side


def train_brain(
    name: str,
    cfg: TrainConfig,
    trials: dict[str, SubjectTrials],
    image_side: ImageSide,
    encoded: EncodedImages,
    steps: int,
    work: Path,
    log: Log,
    start_from: Brain | None = None,
) -> Brain:
    """One brain model + prior trained on `trials` (all subjects at once, one adapter each)."""
    bcfg = BrainConfig.of(image_side.config)
    device = cfg.device
    model = BrainModel(bcfg, {s: t.betas.shape[1] for s, t in trials.items()}).to(device)
    prior = Prior(bcfg).to(device)
    lr_scales = None
    if start_from is not None:
        # Fine-tuning starts from the shared backbone, learns new adapters and a new prior, and
        # moves the backbone at a tenth of the learning rate. Measured on subject 01 (cpu
        # profile): at the full rate the backbone overfits the 675 trials (test token MSE .077
        # after 100 steps, .085 after 400; alone: .088), at a tenth it keeps improving (.072, image
        # retrieval 22 vs 17 %). The pretrained prior, fine-tuned, made the reconstructions worse
        # than no prior at all (two-way 81.8 vs 82.8 %), a fresh one better (83.4 %): the prior
        # learns how far to trust its cond tokens, and the pretraining subjects' tokens err
        # differently.
        model.backbone.load_state_dict(start_from.model.backbone.state_dict())
        lr_scales = {"model.backbone.": cfg.finetune_backbone_lr_scale}
    alphas = cosine_alphas_cumprod(cfg.prior_train_steps)
    tokens, embeddings = encoded.tokens, encoded.embeddings
    latents = encoded.latents * image_side.latent_scale
    betas = {s: torch.from_numpy(t.betas) for s, t in trials.items()}
    image_of = {s: torch.from_numpy(t.image) for s, t in trials.items()}
    generator = torch.Generator().manual_seed(cfg.seed + 1)
    sessions = sessions_of(cfg)
    settings = {
        "data": cfg.dataset_profile,
        "sessions": {s: sessions[s] for s in trials},
        "brain": asdict(bcfg),
        "images": image_side.key,
        "start_from": start_from and {"backbone": start_from.key},
        **{
            k: getattr(cfg, k)
            for k in (
                "brain_batch",
                "prior_batch",
                "mixco_fraction",
                "temperature",
                "clip_weight",
                "prior_train_steps",
                "prior_cond_noise",
            )
        },
    }
    stage = Stage(
        name,
        {"model": model, "prior": prior},
        steps,
        cfg.brain_lr,
        cfg,
        work,
        log,
        settings,
        lr_scales,
    )
    model.train(), prior.train()
    while not stage.done:
        shared, images, mixed, lams, perms = [], [], [], [], []
        mixing = stage.step < cfg.mixco_fraction * steps
        for subject in trials:
            idx = torch.randint(
                len(betas[subject]), (cfg.brain_batch // len(trials),), generator=generator
            )
            voxels = betas[subject][idx].float().to(device)
            shared.append(model.adapters[subject](voxels))
            images.append(image_of[subject][idx])
            if mixing:  # BiMixCo: mix voxels of two trials, ask for the matching mix of images
                lam = torch.distributions.Beta(0.15, 0.15).sample((len(idx),)).to(device)
                perm = torch.randperm(len(idx), generator=generator).to(device)
                mixed.append(
                    model.adapters[subject](
                        lam[:, None] * voxels + (1 - lam[:, None]) * voxels[perm]
                    )
                )
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
            # as the prior sees them, then as wrong as on unseen trials
            cond = standardize(clip_tokens[some])
            cond_noise = torch.randn(cond.shape, generator=generator).to(device)
            cond = cond + cfg.prior_cond_noise * cond_noise
            x0 = prior(add_noise(target_tokens[some], noise, t, alphas), t.float(), cond)
            prior_loss = F.mse_loss(x0.float(), target_tokens[some])
            lowlevel = F.l1_loss(blurry.float(), latents[images_t].to(device))
            if mixing:
                _, mixed_retrieval, _ = model.backbone(torch.cat(mixed))
                clip_loss = contrastive(
                    mixed_retrieval.float(),
                    target_embedding,
                    cfg.temperature,
                    mix=(torch.cat(lams), torch.cat(perms)),
                )
            else:  # SoftCLIP: targets are the images' own similarity structure
                e = F.normalize(target_embedding, dim=-1)
                soft = F.softmax(e @ e.T / cfg.temperature, -1)
                clip_loss = contrastive(
                    retrieval.float(), target_embedding, cfg.temperature, soft_targets=soft
                )
            loss = prior_loss + token_loss + cfg.clip_weight * clip_loss + lowlevel
        stage.update(
            loss,
            prior=float(prior_loss),
            tokens=float(token_loss),
            clip=float(clip_loss),
            lowlevel=float(lowlevel),
        )
    model.eval(), prior.eval()
    seconds = {**(start_from.seconds if start_from else {}), name: stage.trained_seconds}
    return Brain(model, prior, bcfg, stage.key, seconds)


STAGES = ("image", "brain", "subject", "all", "export")


def shipped_pretrained(out: Path, bcfg: BrainConfig) -> Brain:
    """The multi-subject brain bundle in `out`, as fine-tuning starts from it: its backbone read
    back from backbone.onnx (int8 weights dequantized), named by that file's digest."""
    folder = out / BRAIN_BUNDLES["pretrain"]
    manifest = json.loads((folder / "model.json").read_text())
    model = BrainModel(bcfg, {})
    load_exported(model.backbone, folder / "backbone.onnx")
    digest = hashlib.sha256((folder / "backbone.onnx").read_bytes()).hexdigest()[:12]
    seconds = manifest["provenance"]["notes"]["stageSeconds"]
    return Brain(model, Prior(bcfg), bcfg, f"onnx-{digest}", seconds)


def run(
    cfg: TrainConfig, out: Path, work: Path, stage: str = "all", handoff: Path | None = None
) -> None:
    """`image` trains (or resumes) and exports the image side alone; `brain` trains the brain models
    on the image side already trained in `work` (it refuses to train that again; the decoder only
    has to be finished when the brain models are, so the two can train side by side) and leaves the
    exported image side as it is; `subject` is `brain` for subject 01's two models alone, on the
    shipped multi-subject backbone (only subject 01's session is generated); `all` does all. With
    `handoff`, `all` writes the trained networks there instead of exporting them
    (models.mini.handoff) and `export` exports and scores such a folder."""
    if stage == "export":
        if handoff is None:
            raise SystemExit("--stage export needs --handoff DIR (written by train --handoff DIR)")
        export_handoff(handoff, out, cfg.profile)
        return
    if handoff is not None and stage != "all":
        raise SystemExit("--handoff hands off a whole run: use it with --stage all or export")
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    work.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    log = Log(out / "train-log.jsonl")
    log(
        "config",
        stage=stage,
        **describe(cfg),
        torch=torch.__version__,
        threads=torch.get_num_threads(),
        hardware=hardware(),
    )
    icfg = ImageConfig()
    sessions = sessions_of(cfg)
    if stage == "subject":
        sessions = {TARGET_SUBJECT: sessions[TARGET_SUBJECT]}
    images, trials = load_training(
        cfg.dataset_profile, cfg.seed, sessions, icfg.image_size, cfg.workers
    )
    log(
        "data",
        images=len(images.pixels),
        trials={s: int(t.betas.shape[0]) for s, t in trials.items()},
    )
    # --stage brain on a machine without the checkpoints loads these files
    shipped = out / IMAGE_BUNDLE
    frozen = stage in ("brain", "subject")
    image_side, renderer, encoded = train_image_encoder(
        cfg, icfg, images, work, log, frozen=frozen, exported=shipped
    )
    if not frozen:
        train_decoder(cfg, image_side, renderer, encoded, work, log)
        if handoff is None:
            export_image_bundle(cfg, image_side, out, log, hardware())
        if stage == "image":
            return
    if stage == "subject":
        pretrained = shipped_pretrained(out, BrainConfig.of(icfg))
        log("pretrain: the shipped backbone", key=pretrained.key)
    else:
        pretrained = train_brain(
            "pretrain",
            cfg,
            {s: trials[s] for s in PRETRAIN_SUBJECTS},
            image_side,
            encoded,
            cfg.pretrain_steps,
            work,
            log,
        )
    target = {TARGET_SUBJECT: trials[TARGET_SUBJECT]}
    finetuned = train_brain(
        "finetune",
        cfg,
        target,
        image_side,
        encoded,
        cfg.finetune_steps,
        work,
        log,
        start_from=pretrained,
    )
    alone = train_brain("alone", cfg, target, image_side, encoded, cfg.finetune_steps, work, log)
    if frozen:  # the brain models need only the encoder; reconstructing needs the decoder
        train_decoder(cfg, image_side, renderer, encoded, work, log, frozen=True, exported=shipped)
    trained = {"finetune": finetuned, "alone": alone}
    if stage != "subject":
        trained["pretrain"] = pretrained
    brains = {BRAIN_BUNDLES[name]: brain for name, brain in trained.items()}
    if handoff is not None:
        parts = write_handoff(handoff, cfg, image_side, brains, hardware())
        log("handed off", parts=[p.name for p in parts], bytes=sum(p.stat().st_size for p in parts))
        return
    export_brain_bundles(
        cfg, image_side, brains, trials[TARGET_SUBJECT], images, out, log, hardware()
    )


def export_image_bundle(
    cfg: TrainConfig, image_side: ImageSide, out: Path, log: Log, trained_on: str
) -> None:
    # scoring reads dataset bundles (zarr, nibabel): imported where it is done, so that the GPU
    # machine, which lacks them and hands its run off (--handoff), can train
    from .evaluate import evaluate_image_side

    manifest = export_image_side(image_side, cfg, out / IMAGE_BUNDLE, trained_on)
    manifest["scores"] = evaluate_image_side(cfg, image_side, out)
    write_image_manifest(manifest, out / IMAGE_BUNDLE)
    log("image side", **manifest["scores"])


def export_brain_bundles(
    cfg: TrainConfig,
    image_side: ImageSide,
    brains: dict[str, Brain],
    target: SubjectTrials,
    images: ImageSet,
    out: Path,
    log: Log,
    trained_on: str,
) -> None:
    """Exports and scores the brain bundles; `target` and `images` (subject 01's training session)
    fit the ridge baseline."""
    from .evaluate import evaluate_all  # as in export_image_bundle

    bundles = export_all(cfg, image_side, brains, out, log, trained_on)
    evaluate_all(cfg, image_side, brains, bundles, target, images, out, log)
    log("done")


def export_handoff(handoff: Path, out: Path, profile: str) -> None:
    """`--stage export`: the bundles of a run trained elsewhere (train --handoff), exported and
    scored here; that run's log is appended to out's."""
    cfg, image_side, brains, trained_on = read_handoff(handoff)
    if cfg.profile != profile:
        raise SystemExit(f"{handoff}: trained with profile {cfg.profile}, not {profile}")
    out.mkdir(parents=True, exist_ok=True)
    remote_log = handoff / "train-log.jsonl"
    if remote_log.exists():
        with (out / "train-log.jsonl").open("a") as f:
            f.write(remote_log.read_text())
    log = Log(out / "train-log.jsonl")
    log("export: a handoff", folder=str(handoff), profile=cfg.profile, hardware=trained_on)
    images, trials = load_training(
        cfg.dataset_profile,
        cfg.seed,
        {TARGET_SUBJECT: cfg.target_sessions},
        image_side.config.image_size,
        1,
    )
    export_image_bundle(cfg, image_side, out, log, trained_on)
    export_brain_bundles(
        cfg, image_side, brains, trials[TARGET_SUBJECT], images, out, log, trained_on
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", required=True)
    parser.add_argument(
        "--stage",
        choices=STAGES,
        default="all",
        help="image: the image side alone; brain: the brain models on the trained image side",
    )
    parser.add_argument(
        "--out", type=Path, required=True, help="where the model bundles, log and scores go"
    )
    parser.add_argument("--work", type=Path, help="checkpoints (default .cache/train-<profile>)")
    parser.add_argument(
        "--handoff",
        type=Path,
        help="--stage all: write the trained networks here instead of exporting them (to export "
        "on another machine); --stage export: export and score the networks written here",
    )
    parser.add_argument("--test-bundle", help="dataset bundle for scoring (default: the profile's)")
    parser.add_argument(
        "--set", nargs="*", default=[], metavar="KEY=VALUE", help="override a setting"
    )
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.set)
    if args.test_bundle:
        overrides["test_bundle"] = args.test_bundle
    cfg = get_config(args.profile, overrides)
    run(
        cfg,
        args.out,
        args.work or Path(".cache") / f"train-{cfg.profile}",
        args.stage,
        args.handoff,
    )


if __name__ == "__main__":
    main()

"""Training profiles. Defaults in one block per profile; overrides are checked by name and type."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

PRETRAIN_SUBJECTS = ("subj02", "subj03", "subj04", "subj05", "subj06", "subj07", "subj08")
TARGET_SUBJECT = "subj01"
SHIPPED_SUBJECTS = ("subj01", "subj02", "subj05", "subj07")  # the subjects whose test betas the demo ships


@dataclass(frozen=True)
class TrainConfig:
    profile: str
    dataset_profile: str  # generator profile the training sessions come from (same seed as the bundle)
    test_bundle: str  # dataset bundle whose test images score the models
    pretrain_sessions: int  # sessions per pretraining subject (NSD: up to 40)
    target_sessions: int = 1  # MindEye2's 1 hour: one session of 750 trials
    seed: int = 0
    workers: int = 2  # processes generating sessions
    # image side
    encoder_steps: int = 2000
    decoder_steps: int = 6000
    image_batch: int = 64
    image_lr: float = 1e-3
    decoder_train_steps: int = 1000  # diffusion timesteps of the decoder
    decoder_sample_steps: int = 20
    # guidance: the pixel-latent decoder on true tokens (cpu, 500 + 200 steps) scored PixCorr / SSIM
    # .806 / .484 at scale 1, .802 / .476 at 2, .784 / .446 at 3; scale 1 also halves the decoder's work
    cfg_scale: float = 1.0
    cfg_dropout: float = 0.1
    # the decoder starts from the low-level (blurry) latent noised to this strength (1: from pure noise),
    # as MindEye1's img2img from its low-level reconstruction
    img2img_strength: float = 0.7
    # the shown image is this share of the low-level (blurry) image plus the rest of the decoder's, as
    # MindEye2's final evaluation averages its reconstructions (0.75) with its blurry ones (0.25)
    blurry_blend: float = 0.25
    # brain side
    pretrain_steps: int = 3000
    finetune_steps: int = 1500
    finetune_backbone_lr_scale: float = 0.1  # the pretrained backbone moves slower than the new adapter
    brain_batch: int = 112  # trials per step, split evenly across the subjects being trained
    prior_batch: int = 64  # the prior's loss uses the first trials of each batch (it dominates the cost)
    brain_lr: float = 3e-4
    weight_decay: float = 0.01
    mixco_fraction: float = 0.33  # BiMixCo for the first third, then SoftCLIP, as MindEye2
    temperature: float = 0.05
    clip_weight: float = 0.3  # the retrieval loss beside the token, prior and low-level losses (was 0.1)
    # The prior trains on the backbone's tokens for trials the backbone has fitted (token MSE .13 on
    # subject 01's session), but refines tokens of unseen trials (MSE .44), and trusted them too much:
    # its tokens were further from the truth than its input (.53). Noise of this sd on its standardised
    # cond tokens in training (cpu, fine-tuning): reconstruction PixCorr / SSIM .546 / .394 -> .553 / .420.
    prior_cond_noise: float = 0.5
    prior_train_steps: int = 100
    prior_sample_steps: int = 20
    checkpoint_every: int = 500
    device: str = "cpu"
    bf16: bool = False


PROFILES: dict[str, TrainConfig] = {
    # the real code path in well under 2 minutes: smoke dataset, a few steps of everything
    "smoke": TrainConfig(
        profile="smoke", dataset_profile="smoke", test_bundle="", pretrain_sessions=1,
        encoder_steps=20, decoder_steps=20, image_batch=16,
        pretrain_steps=20, finetune_steps=20, brain_batch=56, prior_batch=16, decoder_sample_steps=4,
        prior_sample_steps=4, checkpoint_every=10),
    # usable models on 2 CPU cores within ~90 minutes
    "cpu": TrainConfig(
        profile="cpu", dataset_profile="full", test_bundle="public/datasets/synthetic-nsd",
        pretrain_sessions=4, encoder_steps=2500, decoder_steps=800, image_batch=48,
        pretrain_steps=1200, finetune_steps=400),
    # the shipped quality: one run of at most 8 minutes on one H100-class GPU
    "gpu": TrainConfig(
        profile="gpu", dataset_profile="full", test_bundle="public/datasets/synthetic-nsd",
        pretrain_sessions=40, workers=16, encoder_steps=6000,
        decoder_steps=40000, image_batch=512, pretrain_steps=12000, finetune_steps=3000,
        brain_batch=448, prior_batch=448, device="cuda", bf16=True, checkpoint_every=2000),
}


def get_config(profile: str, overrides: dict[str, str] | None = None) -> TrainConfig:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    types = {f.name: f.type for f in fields(TrainConfig)}
    parsed: dict[str, object] = {}
    for key, text in (overrides or {}).items():
        if key not in types:
            raise ValueError(f"unknown setting {key!r}")
        kind = {"int": int, "float": float, "str": str, "bool": lambda v: v.lower() in ("1", "true", "yes")}[str(types[key])]
        parsed[key] = kind(text)
    return replace(PROFILES[profile], **parsed)


def describe(cfg: TrainConfig) -> dict:
    return asdict(cfg)

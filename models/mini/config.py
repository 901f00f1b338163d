"""The mini family's configs: the image and brain networks' sizes (the sizes the two sides share
are derived from the image side and checked where the sides meet), and the training profiles
(defaults in one block per profile; overrides are checked by name and type)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace

PRETRAIN_SUBJECTS = ("subj02", "subj03", "subj04", "subj05", "subj06", "subj07", "subj08")
TARGET_SUBJECT = "subj01"
SHIPPED_SUBJECTS = ("subj01", "subj02", "subj05", "subj07")  # whose test betas the demo ships


@dataclass(frozen=True)
class ImageConfig:
    image_size: int = 64  # S
    patch: int = 8  # T = (S / patch)^2 tokens, one per cell of the token grid
    width: int = 96  # encoder transformer width
    layers: int = 3
    heads: int = 4
    token_dim: int = 64  # D
    embed_dim: int = 128  # E
    vocab: int = 128  # caption words (bag of words)
    latent_channels: int = 48  # C = 3 (S/h)^2: the pixels of each 4x4 block (PixelLatent)
    latent_size: int = 16  # h = w
    renderer_width: int = 64
    unet_width: int = 48
    unet_heads: int = 4

    @property
    def tokens(self) -> int:
        return (self.image_size // self.patch) ** 2

    @property
    def grid(self) -> int:
        return self.image_size // self.patch

    def __post_init__(self) -> None:
        # the pixel latent is the image rearranged (PixelLatent): its channels follow from the sizes
        block = self.image_size // self.latent_size
        if self.image_size % self.patch or self.latent_channels != 3 * block**2:
            raise ValueError(
                f"image_size {self.image_size} must be a multiple of patch {self.patch}, and "
                f"latent_channels {self.latent_channels} must be 3 (image_size / latent_size)^2"
            )


# The sizes the brain side shares with the image side: its outputs land in the image encoder's token
# and embedding spaces and in the decoder's latent. BrainConfig keeps them as its own fields (a
# brain checkpoint records them, and the stage key hashes them), copied from an ImageConfig by
# BrainConfig.of and checked against one by BrainConfig.check_matches.
SHARED_DIMS = ("tokens", "token_dim", "embed_dim", "latent_channels", "latent_size")


@dataclass(frozen=True)
class BrainConfig:
    tokens: int  # T
    token_dim: int  # D
    embed_dim: int  # E
    latent_channels: int  # C
    latent_size: int  # h = w
    hidden: int = 256  # H
    blocks: int = 4
    dropout: float = 0.15
    lowlevel_channels: int = 32
    prior_width: int = 128
    prior_layers: int = 4
    prior_heads: int = 4

    @classmethod
    def of(cls, image: ImageConfig) -> BrainConfig:
        """The brain side of `image`: the shared sizes taken from it, the rest the defaults."""
        return cls(**{name: getattr(image, name) for name in SHARED_DIMS})

    def check_matches(self, image: ImageConfig) -> None:
        wrong = [
            f"{name} {getattr(self, name)} (image side {getattr(image, name)})"
            for name in SHARED_DIMS
            if getattr(self, name) != getattr(image, name)
        ]
        if wrong:
            raise ValueError(f"the brain model does not fit the image side: {', '.join(wrong)}")


@dataclass(frozen=True)
class TrainConfig:
    profile: str
    # generator profile the training sessions come from (same seed as the bundle)
    dataset_profile: str
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
    # .806 / .484 at scale 1, .802 / .476 at 2, .784 / .446 at 3; scale 1 also halves the decoder's
    # work
    cfg_scale: float = 1.0
    cfg_dropout: float = 0.1
    # the decoder starts from the low-level (blurry) latent noised to this strength (1: from pure
    # noise), as MindEye1's img2img from its low-level reconstruction
    img2img_strength: float = 0.7
    # the shown image is this share of the low-level (blurry) image plus the rest of the decoder's,
    # as MindEye2's final evaluation averages its reconstructions (0.75) with its blurry ones (0.25)
    blurry_blend: float = 0.25
    # brain side
    pretrain_steps: int = 3000
    finetune_steps: int = 1500
    # the pretrained backbone moves slower than the new adapter
    finetune_backbone_lr_scale: float = 0.1
    brain_batch: int = 112  # trials per step, split evenly across the subjects being trained
    # the prior's loss uses the first trials of each batch (it dominates the cost)
    prior_batch: int = 64
    brain_lr: float = 3e-4
    weight_decay: float = 0.01
    mixco_fraction: float = 0.33  # BiMixCo for the first third, then SoftCLIP, as MindEye2
    temperature: float = 0.05
    # the retrieval loss beside the token, prior and low-level losses (was 0.1)
    clip_weight: float = 0.3
    # The prior trains on the backbone's tokens for trials the backbone has fitted (token MSE .13 on
    # subject 01's session), but refines tokens of unseen trials (MSE .44), and trusted them too
    # much: its tokens were further from the truth than its input (.53). Noise of this sd on its
    # standardised cond tokens in training (cpu, fine-tuning): reconstruction PixCorr / SSIM
    # .546 / .394 -> .553 / .420.
    prior_cond_noise: float = 0.5
    prior_train_steps: int = 100
    prior_sample_steps: int = 20
    checkpoint_every: int = 500
    device: str = "cpu"
    bf16: bool = False


PROFILES: dict[str, TrainConfig] = {
    # the real code path in well under 2 minutes: smoke dataset, a few steps of everything
    "smoke": TrainConfig(
        profile="smoke",
        dataset_profile="smoke",
        test_bundle="",
        pretrain_sessions=1,
        encoder_steps=20,
        decoder_steps=20,
        image_batch=16,
        pretrain_steps=20,
        finetune_steps=20,
        brain_batch=56,
        prior_batch=16,
        decoder_sample_steps=4,
        prior_sample_steps=4,
        checkpoint_every=10,
    ),
    # usable models on 2 CPU cores within ~90 minutes
    "cpu": TrainConfig(
        profile="cpu",
        dataset_profile="full",
        test_bundle="public/datasets/synthetic-nsd",
        pretrain_sessions=4,
        encoder_steps=2500,
        decoder_steps=800,
        image_batch=48,
        pretrain_steps=1200,
        finetune_steps=400,
    ),
    # the shipped quality: one run of at most 8 minutes on one H100-class GPU
    "gpu": TrainConfig(
        profile="gpu",
        dataset_profile="full",
        test_bundle="public/datasets/synthetic-nsd",
        # 20, not NSD's 40: the GPU machine is lent for 15 minutes a session (10 a call, 1-2 to
        # start), and a session takes ~18 s to generate on one core (measured here: 4 sessions on
        # 2 workers in 56 s, with one 20 s encoding model per worker), so 141 sessions on 16
        # workers take ~3.5 minutes where 281 would take ~6
        pretrain_sessions=20,
        workers=16,
        encoder_steps=6000,
        decoder_steps=40000,
        image_batch=512,
        pretrain_steps=12000,
        finetune_steps=3000,
        brain_batch=448,
        prior_batch=448,
        device="cuda",
        bf16=True,
        checkpoint_every=2000,
    ),
}


def get_config(profile: str, overrides: dict[str, str] | None = None) -> TrainConfig:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    types = {f.name: f.type for f in fields(TrainConfig)}
    parsed: dict[str, object] = {}
    for key, text in (overrides or {}).items():
        if key not in types:
            raise ValueError(f"unknown setting {key!r}")
        kind = {
            "int": int,
            "float": float,
            "str": str,
            "bool": lambda v: v.lower() in ("1", "true", "yes"),
        }[str(types[key])]
        parsed[key] = kind(text)
    return replace(PROFILES[profile], **parsed)


def describe(cfg: TrainConfig) -> dict:
    return asdict(cfg)


def stage_key(settings: dict) -> str:
    """The name of a training stage's checkpoint: a hash of everything its result depends on."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[
        :12
    ]

import pytest
import torch

from models.mini.diffusion import (
    add_noise,
    cosine_alphas_cumprod,
    ddim_sample,
    ddim_timesteps,
    guided,
    img2img_skip,
)


def test_timesteps_run_from_last_to_first():
    assert ddim_timesteps(100, 5) == [99, 74, 50, 25, 0]
    assert ddim_timesteps(1000, 2) == [999, 0]


def test_schedule_decreases_from_nearly_one():
    a = cosine_alphas_cumprod(1000)
    assert a[0] > 0.99 and a[-1] < 0.01 and bool((a[1:] < a[:-1]).all())


@pytest.mark.parametrize("parameterization", ["x0", "eps", "v"])
def test_ddim_with_an_oracle_denoiser_recovers_the_clean_sample(parameterization):
    """A denoiser that knows x0 makes every DDIM step land on it, whatever the parameterisation."""
    torch.manual_seed(0)
    alphas = cosine_alphas_cumprod(100)
    x0 = torch.randn(2, 8, 4)
    noise = torch.randn_like(x0)

    def oracle(x, t):
        a = alphas[t.long()].view(-1, 1, 1)
        eps = (x - a.sqrt() * x0) / (1 - a).sqrt()
        return {"x0": x0, "eps": eps, "v": a.sqrt() * eps - (1 - a).sqrt() * x0}[parameterization]

    result = ddim_sample(
        oracle, add_noise(x0, noise, torch.full((2,), 99), alphas), alphas, 7, parameterization
    )
    assert torch.allclose(result, x0, atol=1e-4)


def test_guidance_extrapolates_from_the_unconditional_output():
    def denoise(x, t, tokens):
        return x + tokens.sum((1, 2)).view(-1, 1)

    x, t, tokens = torch.zeros(1, 3), torch.zeros(1), torch.ones(1, 2, 2)
    assert torch.allclose(guided(denoise, tokens, 3.0)(x, t), torch.full((1, 3), 12.0))
    assert torch.allclose(guided(denoise, tokens, 1.0)(x, t), torch.full((1, 3), 4.0))


@pytest.mark.parametrize("scale", [1.0, 3.0])
def test_guidance_conditions_once_for_every_step(scale):
    """The decoder's token-only work (`condition`) runs once, on [tokens; zeros] with guidance."""
    seen = []

    def condition(tokens):
        seen.append(tokens.clone())
        return tokens.sum((1, 2)).view(-1, 1)

    step = guided(lambda x, t, c: x + c, torch.ones(1, 2, 2), scale, condition)
    outputs = [step(torch.zeros(1, 3), torch.full((1,), float(t))) for t in (9, 5, 0)]
    assert len(seen) == 1 and seen[0].shape[0] == (1 if scale == 1.0 else 2)
    assert float(seen[0][1:].abs().sum()) == 0
    for out in outputs:
        assert torch.allclose(out, torch.full((1, 3), 4.0 * scale))


def test_img2img_starts_later_from_the_noised_start():
    """Strength s skips the first round((1-s)k) timesteps and begins there from start, noised."""
    alphas = cosine_alphas_cumprod(100)
    start, noise = torch.randn(1, 6), torch.randn(1, 6)
    seen = []

    def record(x, t):
        seen.append((float(t[0]), x.clone()))
        return torch.zeros_like(x)

    ddim_sample(record, noise, alphas, 10, "eps", start, 0.7)
    assert img2img_skip(10, 0.7) == 3 and img2img_skip(10, 1.0) == 0 and img2img_skip(10, 0.0) == 9
    assert [t for t, _ in seen] == ddim_timesteps(100, 10)[3:]
    a = float(alphas[int(seen[0][0])])
    assert torch.allclose(seen[0][1], a**0.5 * start + (1 - a) ** 0.5 * noise)
    seen.clear()
    ddim_sample(record, noise, alphas, 10, "eps", start, 1.0)
    assert len(seen) == 10

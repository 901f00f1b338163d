import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../data/limits';
import { modelSchema } from '../data/modelSchema';
import { parseUrlState } from '../state/urlState';
import { ddimTimesteps, img2imgSkip } from './ddim';
import { checkSettings, defaultSettings } from './pipeline';
import { inRange, MAX_SEED, MIN_STEPS, rangeText, SAMPLER_BOUNDS, samplerLimits } from './samplerLimits';

const json = modelSchema.parse(JSON.parse(readFileSync('public/models/mini-subj01-alone/model.json', 'utf8')));

describe('samplerLimits', () => {
  it('takes the steps and guidance maxima from model.json, the rest from SAMPLER_BOUNDS', () => {
    const limits = samplerLimits({ prior: { trainSteps: 10 }, decoder: { maxSteps: 8, maxCfgScale: 5 } });
    expect(limits.priorSteps).toEqual({ min: MIN_STEPS, max: 10, integer: true });
    expect(limits.decoderSteps).toEqual({ min: MIN_STEPS, max: 8, integer: true });
    expect(limits.cfgScale).toEqual({ min: 1, max: 5, integer: false });
    expect(limits.img2imgStrength).toBe(SAMPLER_BOUNDS.img2imgStrength);
    expect(limits.blurryBlend).toBe(SAMPLER_BOUNDS.blurryBlend);
    expect(limits.seed).toEqual({ min: 0, max: MAX_SEED, integer: true });
    expect(limits.samples).toEqual({ min: 1, max: 8, integer: true });
    expect(SAMPLER_BOUNDS.priorSteps.max).toBe(LIMITS.samplerSteps);
  });

  it('tells open, closed and whole-number ranges apart, and says them as refusals do', () => {
    const { img2imgStrength, blurryBlend, seed } = SAMPLER_BOUNDS;
    expect([0, 0.01, 1, 1.01].map((v) => inRange(img2imgStrength, v))).toEqual([false, true, true, false]);
    expect([-0.01, 0, 0.99, 1].map((v) => inRange(blurryBlend, v))).toEqual([false, true, true, false]);
    expect([0, 1.5, MAX_SEED, MAX_SEED + 1, NaN].map((v) => inRange(seed, v))).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
    expect(rangeText({ min: 2, max: 50, integer: true })).toBe('2 to 50');
    expect(rangeText(img2imgStrength)).toBe('above 0 and at most 1');
    expect(rangeText(blurryBlend)).toBe('at least 0 and below 1');
  });
});

describe('every consumer holds settings to samplerLimits', () => {
  const limits = samplerLimits(json);

  it('checkSettings accepts each limit and refuses one step past it', () => {
    const model = { json, hasBlurry: true };
    const settings = { ...defaultSettings(json), img2imgStrength: null };
    const cases = [
      ['priorSteps', limits.priorSteps.max, 1],
      ['priorSteps', limits.priorSteps.min, -1],
      ['decoderSteps', limits.decoderSteps.max, 1],
      ['decoderSteps', limits.decoderSteps.min, -1],
      ['cfgScale', limits.cfgScale.max, 0.5],
      ['cfgScale', limits.cfgScale.min, -0.5],
      ['img2imgStrength', limits.img2imgStrength.max, 0.5],
      ['blurryBlend', limits.blurryBlend.min, -0.5],
    ] as const;
    for (const [name, value, past] of cases) {
      expect(() => checkSettings(model, { ...settings, [name]: value })).not.toThrow();
      expect(() => checkSettings(model, { ...settings, [name]: value + past })).toThrow(RangeError);
    }
    expect(() => checkSettings(model, { ...settings, img2imgStrength: limits.img2imgStrength.min })).toThrow();
    expect(() => checkSettings(model, { ...settings, blurryBlend: limits.blurryBlend.max })).toThrow();
  });

  it('the URL parser drops what no bundle allows', () => {
    const { priorSteps, seed } = SAMPLER_BOUNDS;
    const steps = (prior: number) => parseUrlState(`?steps=${prior},${MIN_STEPS}&cfg=1`).sampler;
    expect(steps(priorSteps.min)).not.toBeNull();
    expect(steps(priorSteps.max)).not.toBeNull();
    expect(steps(priorSteps.min - 1)).toBeNull();
    expect(steps(priorSteps.max + 1)).toBeNull();
    expect(parseUrlState(`?seed=${seed.max}`).seed).toBe(seed.max);
    expect(parseUrlState(`?seed=${seed.max + 1}`).seed).toBe(0);
  });

  it('the DDIM sampler starts at MIN_STEPS and takes img2img strengths in SAMPLER_BOUNDS', () => {
    expect(ddimTimesteps(10, MIN_STEPS)).toEqual([9, 0]);
    expect(() => ddimTimesteps(10, MIN_STEPS - 1)).toThrow(RangeError);
    expect(img2imgSkip(4, SAMPLER_BOUNDS.img2imgStrength.max)).toBe(0);
    expect(() => img2imgSkip(4, SAMPLER_BOUNDS.img2imgStrength.min)).toThrow(RangeError);
  });
});

// The TypeScript side of the metrics' parity with models/metrics.py: src/metrics still gives the
// numbers in the committed case, which pytest holds the Python metrics to (test_metrics_parity.py).
// After an intended change of a definition, rewrite it: npx tsx models/tests/metrics-parity.ts
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FIXTURE, metricsParity } from '../../models/tests/metrics-parity';

describe('metrics parity with models/metrics.py', () => {
  it('reproduces the committed case, inputs and numbers', () => {
    expect(metricsParity()).toEqual(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  });
});

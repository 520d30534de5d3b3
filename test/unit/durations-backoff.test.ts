/** Durations people write, and the retry schedule (pure: no waiting). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeDuration, parseDuration } from '../../src/core/duration.js';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from '../../src/gitlab/backoff.js';

describe('durations', () => {
  it('parses units, combinations, and bare numbers in the caller\'s unit', () => {
    const cases: Array<[unknown, number | null, ('s' | 'm')?]> = [
      ['30s', 30_000],
      ['10m', 600_000],
      ['1h30m', 5_400_000],
      ['1h 30m', 5_400_000],
      ['1.5h', 5_400_000],
      ['500ms', 500],
      ['2d', 172_800_000],
      ['90', 90_000],
      ['10', 600_000, 'm'],
      [45, 45_000],
      ['', null],
      ['ten', null],
      ['10 minutes', null],
      ['-5s', null],
      [-5, null],
      [null, null],
    ];
    for (const [input, expected, unit] of cases) assert.equal(parseDuration(input, unit), expected, JSON.stringify(input));
  });

  it('describes them back in whole units', () => {
    assert.equal(describeDuration(600_000), '10m');
    assert.equal(describeDuration(5_400_000), '1h30m');
    assert.equal(describeDuration(30_000), '30s');
    assert.equal(describeDuration(1500), '1500ms');
  });
});

describe('backoff', () => {
  it('doubles with equal jitter, capped', () => {
    const low = () => 0;
    const high = () => 0.999999;
    assert.equal(backoffDelay(1, null, DEFAULT_RETRY, low), 250);
    assert.equal(backoffDelay(1, null, DEFAULT_RETRY, high), 500);
    assert.equal(backoffDelay(3, null, DEFAULT_RETRY, low), 1000);
    assert.equal(backoffDelay(20, null, DEFAULT_RETRY, high), DEFAULT_RETRY.capMs);
  });

  it('never waits less than Retry-After', () => {
    assert.equal(backoffDelay(1, 7000, DEFAULT_RETRY, () => 0.5), 7000);
    assert.equal(backoffDelay(6, 100, DEFAULT_RETRY, () => 0), 8000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-12-04T10:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Fri, 04 Dec 2026 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Fri, 04 Dec 2026 09:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter('soon', now), null);
  });
});

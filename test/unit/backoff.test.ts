/** The retry schedule (pure: no waiting). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter } from '../../src/gitlab/backoff.js';

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

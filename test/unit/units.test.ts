import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSize, parseDuration, parseSize, parseStageDurations } from '../../src/core/units.js';

test('durations as people type them', () => {
  assert.deepEqual(parseDuration('7d'), { ok: true, value: 7 * 86_400_000 });
  assert.deepEqual(parseDuration('12h'), { ok: true, value: 12 * 3_600_000 });
  assert.deepEqual(parseDuration('30m'), { ok: true, value: 30 * 60_000 });
  assert.deepEqual(parseDuration('45s'), { ok: true, value: 45_000 });
  assert.deepEqual(parseDuration('1d12h'), { ok: true, value: 36 * 3_600_000 });
  assert.deepEqual(parseDuration(' 1h 30m '), { ok: true, value: 90 * 60_000 });
  assert.deepEqual(parseDuration('2w'), { ok: true, value: 14 * 86_400_000 });
  assert.deepEqual(parseDuration('1.5h'), { ok: true, value: 90 * 60_000 });
});

test('durations without a unit or with junk are refused with the expected forms', () => {
  for (const bad of ['7', '', 'd', '7x', '-1d', '7d;rm', '1e3s']) {
    const parsed = parseDuration(bad);
    assert.equal(parsed.ok, false, bad);
    if (!parsed.ok) assert.match(parsed.reason, /like 7d, 12h, 30m/);
  }
});

test('sizes in bytes and binary units', () => {
  assert.deepEqual(parseSize('1048576'), { ok: true, value: 1048576 });
  assert.deepEqual(parseSize('512k'), { ok: true, value: 512 * 1024 });
  assert.deepEqual(parseSize('100M'), { ok: true, value: 100 * 1024 ** 2 });
  assert.deepEqual(parseSize('2g'), { ok: true, value: 2 * 1024 ** 3 });
  assert.deepEqual(parseSize('2GiB'), { ok: true, value: 2 * 1024 ** 3 });
  assert.equal(parseSize('2 x').ok, false);
  assert.equal(parseSize('-1').ok, false);
  assert.equal(formatSize(12), '12 B');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(3 * 1024 ** 3), '3 GiB');
});

test('per-stage thresholds', () => {
  const parsed = parseStageDurations('deploy=30m, test=15m', 'X');
  assert.ok(parsed.ok);
  assert.equal(parsed.value.deploy, 30 * 60_000);
  assert.equal(parsed.value.test, 15 * 60_000);
  const bad = parseStageDurations('deploy', 'HEALER_STAGE_THRESHOLDS');
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.reason, /^HEALER_STAGE_THRESHOLDS: .*STAGE=DURATION/);
});

import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { describeDuration, formatSize, parseDuration, parseSize, parseStageDurations } from '../../src/core/units.js';

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
  // A bare number means what the caller says: seconds for the variable, nothing on the command line.
  const seconds = parseStageDurations('deploy=90', 'HEALER_STAGE_THRESHOLDS', 's');
  assert.ok(seconds.ok);
  assert.equal(seconds.value.deploy, 90_000);
  const flag = parseStageDurations('deploy=90', '--stage-threshold');
  assert.equal(flag.ok, false);
  if (!flag.ok) assert.equal(flag.reason, '--stage-threshold: duration "90" is not like 7d, 12h, 30m, 45s or 1d12h (a unit is needed) (stage "deploy")');
});

describe('durations', () => {
  it('parses units, combinations, and bare numbers in the caller\'s unit', () => {
    const cases: Array<[unknown, number | null, ('s' | 'm' | null)?]> = [
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
      ['2w', 1_209_600_000],
      ['90', null, null],
      [45, null, null],
      ['', null],
      ['ten', null],
      ['10 minutes', null],
      ['-5s', null],
      [-5, null],
      [null, null],
    ];
    for (const [input, expected, unit] of cases) {
      const parsed = parseDuration(input, unit === undefined ? 's' : unit);
      assert.equal(parsed.ok ? parsed.value : null, expected, JSON.stringify(input));
      if (!parsed.ok) assert.match(parsed.reason, /is not like 7d, 12h, 30m, 45s or 1d12h/);
    }
  });

  it('describes them back in whole units', () => {
    assert.equal(describeDuration(600_000), '10m');
    assert.equal(describeDuration(5_400_000), '1h30m');
    assert.equal(describeDuration(30_000), '30s');
    assert.equal(describeDuration(1500), '1500ms');
  });
});

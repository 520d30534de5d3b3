/** The byte-level pre-filter: which records are worth parsing. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_POLICY } from '../../src/core/policy.js';
import { prefilterSpec, worthParsing } from '../../src/core/prefilter.js';
import { finishedRecord, MINUTE, stuckRecord } from '../helpers/scan-records.js';

const NOW = Date.parse('2026-12-04T10:00:00Z');
const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value, null, 2));

describe('pre-filter', () => {
  const triggerOnly = worthParsing(prefilterSpec(NOW, DEFAULT_POLICY));
  const api = worthParsing(prefilterSpec(NOW, { ...DEFAULT_POLICY, capabilities: { api: true, resumeVia: 'create' } }));

  it('parses records with a job in progress or failed, or an open intent', () => {
    assert.equal(triggerOnly(bytes(stuckRecord(1, NOW))), true);
    const failed = finishedRecord(2, NOW);
    failed.jobs.deploy!.status = 'failed';
    assert.equal(triggerOnly(bytes(failed)), true);
    const intent = finishedRecord(3, NOW);
    intent.resumes = [{ at: '2026-12-04T09:00:00Z', stage: 'test', state: 'intent' }];
    assert.equal(triggerOnly(bytes(intent)), true);
  });

  it('skips finished records; with an API token parses the recent ones (GitLab may know of a failure)', () => {
    assert.equal(triggerOnly(bytes(finishedRecord(4, NOW))), false);
    assert.equal(api(bytes(finishedRecord(4, NOW))), true);
    assert.equal(api(bytes(finishedRecord(5, NOW, { createdAgoMs: 3 * 60 * MINUTE }))), false);
    assert.equal(api(bytes(JSON.stringify(finishedRecord(6, NOW)))), true, 'compact JSON too');
  });

  it('parses records of another version, so they are reported', () => {
    assert.equal(triggerOnly(bytes({ version: 2, pipeline: { id: 1 }, jobs: {}, stages: {} })), true);
    assert.equal(triggerOnly(bytes({ version: 10, pipeline: { id: 1 }, jobs: {}, stages: {} })), true);
    assert.equal(triggerOnly(bytes({ pipeline_id: 1, stages: { build: { status: 'done' } } })), false, 'a finished legacy record');
  });
});

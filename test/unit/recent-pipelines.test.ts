/** The superseded check's answers from GitLab: one page per project, per-ref lists for older candidates, kept 30 s. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PipelineFacts } from '../../src/core/facts.js';
import type { GitLabClient } from '../../src/gitlab/client.js';
import { RecentPipelines } from '../../src/scan/gather.js';

const pipeline = (id: number, ref = 'main'): PipelineFacts => ({ id, status: 'running', ref, sha: null, source: 'push', webUrl: null, createdAt: null });

/** A GitLab client that answers from a list and counts what it was asked. */
function client(pipelines: PipelineFacts[], { failPage = false } = {}) {
  const asked: string[] = [];
  const stub = {
    async listProjectPipelines(project: string, { perPage = 100 }: { perPage?: number } = {}) {
      asked.push(`page ${project}`);
      if (failPage) throw new Error('503');
      const newest = [...pipelines].sort((a, b) => b.id - a.id).slice(0, perPage);
      return { pipelines: newest, complete: pipelines.length < perPage };
    },
    async listRefPipelines(project: string, ref: string) {
      asked.push(`ref ${project} ${ref}`);
      return pipelines.filter((p) => p.ref === ref).sort((a, b) => b.id - a.id).slice(0, 20);
    },
  };
  return { asked, client: stub as unknown as GitLabClient };
}

describe('RecentPipelines', () => {
  it('one page answers every candidate it reaches back to; an older one is asked by its ref', async () => {
    const all = Array.from({ length: 150 }, (_, i) => pipeline(1000 + i, i % 2 ? 'main' : 'dev'));
    const { asked, client: c } = client(all);
    const recent = new RecentPipelines(c);
    const page = await recent.covering('42', 1120);
    assert.ok(page && page.pipelines.length === 100 && page.lowestId === 1050);
    assert.equal(await recent.covering('42', 1050), page, 'the page reaches back to its lowest id');
    assert.equal(await recent.covering('42', 1049), null, 'older than the page');
    await recent.ofRef('42', 'main');
    await recent.ofRef('42', 'main');
    assert.deepEqual(asked, ['page 42', 'ref 42 main']);
  });

  it('a page that lists every pipeline covers any candidate', async () => {
    const { client: c } = client([pipeline(5), pipeline(9)]);
    assert.ok(await new RecentPipelines(c).covering('42', 1));
  });

  it('answers are asked again once older than 30 s (a scan that waits for cancels runs long)', async () => {
    let now = 0;
    const { asked, client: c } = client([pipeline(1)]);
    const recent = new RecentPipelines(c, () => now);
    await recent.covering('42', 1);
    await recent.ofRef('42', 'main');
    now = 30_000;
    await recent.covering('42', 1);
    await recent.ofRef('42', 'main');
    assert.equal(asked.length, 2, 'still fresh at 30 s');
    now = 30_001;
    await recent.covering('42', 1);
    await recent.ofRef('42', 'main');
    assert.deepEqual(asked, ['page 42', 'ref 42 main', 'page 42', 'ref 42 main']);
  });

  it('a page that cannot be had leaves the candidates to their refs, and is not asked for again at once', async () => {
    const { asked, client: c } = client([pipeline(1)], { failPage: true });
    const recent = new RecentPipelines(c);
    assert.equal(await recent.covering('42', 1), null);
    assert.equal(await recent.covering('42', 1), null);
    assert.deepEqual(asked, ['page 42']);
  });
});

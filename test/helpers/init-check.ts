/**
 * Asserting "behaves exactly as before": for every job, every kind of pipeline and RESUME_STAGE undefined or empty,
 * GitLab's outcome (in pipeline or not, when, allow_failure, start_in) of the new file equals that of the old one;
 * with RESUME_STAGE=S the job is in the pipeline iff it was before and its stage is S or later.
 */
import assert from 'node:assert/strict';
import { initCiYaml, type InitOptions, type InitPlan } from '../../src/core/ci-yaml/index.js';
import { composeCi, jobsOf } from './ci-config.js';
import { PIPELINES, pipelineVars, policyOutcome, rulesOutcome, type Outcome } from './gitlab-rules.js';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function outcome(job: Json, vars: Record<string, string | undefined>, p: (typeof PIPELINES)[number], workflow: boolean): Outcome {
  if (Array.isArray(job.rules)) return rulesOutcome(job, vars);
  return policyOutcome(job, p, vars, workflow);
}

export function initOk(text: string, options: InitOptions = {}): InitPlan {
  const result = initCiYaml(text, options);
  if (!result.ok) assert.fail(`init refused: ${result.error}`);
  const again = initCiYaml(result.text, options);
  assert.ok(again.ok, 'second run parses');
  assert.equal(again.text, result.text, 'second run is a no-op');
  return result;
}

export function assertEquivalent(before: string, after: string, stages: string[], { workflow = false, extraVars = [{}] as Record<string, string>[] } = {}): void {
  const oldJobs = new Map(jobsOf(composeCi(before)));
  const newJobs = new Map(jobsOf(composeCi(after)));
  assert.deepEqual([...newJobs.keys()], [...oldJobs.keys()], 'same jobs');
  for (const [name, oldJob] of oldJobs) {
    const newJob = newJobs.get(name);
    const stage = String(oldJob.stage ?? oldJob.type ?? 'test');
    assert.ok(!(newJob.rules && (newJob.only || newJob.except)), `${name}: rules are not mixed with only/except`);
    if (Array.isArray(newJob.rules)) assert.equal(newJob.start_in, undefined, `${name}: no job-level start_in beside rules`);
    for (const p of PIPELINES) {
      for (const extra of extraVars) {
        for (const resume of [undefined, '']) {
          const vars = pipelineVars(p, { ...extra, RESUME_STAGE: resume });
          const expected = outcome(oldJob, vars, p, workflow);
          const actual = outcome(newJob, vars, p, workflow);
          const where = `${name} in ${p.source}/${p.kind}/${p.ref} ${JSON.stringify(extra)} RESUME_STAGE=${JSON.stringify(resume)}`;
          assert.equal(actual.included, expected.included, where);
          if (expected.included) {
            assert.equal(actual.when, expected.when, `${where}: when`);
            assert.deepEqual(Boolean(actual.allowFailure), Boolean(expected.allowFailure), `${where}: allow_failure`);
            assert.equal(actual.startIn, expected.startIn, `${where}: start_in`);
          }
        }
        for (const resume of stages) {
          const vars = pipelineVars(p, { ...extra, RESUME_STAGE: resume });
          const expected = outcome(oldJob, pipelineVars(p, extra), p, workflow).included && stages.indexOf(stage) >= stages.indexOf(resume);
          assert.equal(outcome(newJob, vars, p, workflow).included, expected, `${name} (stage ${stage}) resuming from ${resume} in ${p.source}/${p.ref}`);
        }
      }
    }
  }
}

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convertPolicies } from '../../src/core/ci-yaml/only-except.js';
import { evalIf, PIPELINES, pipelineVars, policyOutcome, type Vars } from '../helpers/gitlab-rules.js';

/** included(pipeline) of the converted rules, as GitLab evaluates them. */
function convertedIncluded(only: unknown, except: unknown, workflow: boolean, vars: Vars): boolean {
  const c = convertPolicies(only, except, workflow);
  assert.ok(c.ok, (c as { reason?: string }).reason);
  if (c.exclude !== null && evalIf(c.exclude, vars)) return false;
  return c.include === null || evalIf(c.include, vars);
}

describe('only/except → rules, exact cases', () => {
  const cases: { only?: unknown; except?: unknown }[] = [
    {},
    { only: ['branches'] },
    { only: ['tags'] },
    { only: ['merge_requests'] },
    { only: ['schedules'] },
    { only: ['web', 'api', 'triggers', 'pushes'] },
    { only: ['master'] },
    { only: ['/^feature\\/.*$/'] },
    { only: ['/^release-/'] },
    { except: ['master'] },
    { except: ['tags', 'schedules'] },
    { only: { refs: ['branches', 'tags'] }, except: { variables: ['$X == "1"'] } },
    { only: { refs: ['main'], variables: ['$X == "1"', '$Y'] } },
    { except: { refs: ['main'], variables: ['$X == "1"'] } },
    { only: { variables: ['$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'] } },
  ];
  for (const c of cases) {
    for (const workflow of [false, true]) {
      it(`${JSON.stringify(c)}${workflow ? ' with workflow:rules' : ''}`, () => {
        for (const p of PIPELINES) {
          for (const extra of [{}, { X: '1' }, { Y: 'y', X: '0' }]) {
            const vars = pipelineVars(p, extra);
            const expected = policyOutcome({ only: c.only, except: c.except }, p, vars, workflow).included;
            assert.equal(convertedIncluded(c.only, c.except, workflow, vars), expected, `${p.source} ${p.kind} ${p.ref} ${JSON.stringify(extra)}`);
          }
        }
      });
    }
  }
});

describe('only/except that healer does not convert', () => {
  for (const [what, only, except] of [
    ['changes', { changes: ['a/**'] }, undefined],
    ['kubernetes', { kubernetes: 'active' }, undefined],
    ['project path', ['branches@group/project'], undefined],
    ['empty list', [], undefined],
    ['except changes', undefined, { changes: ['docs/*'] }],
    ['both quotes', ['a"b\'c'], undefined],
    ['unknown key', { refs: ['main'], other: ['x'] }, undefined],
  ] as const) {
    it(what, () => {
      const c = convertPolicies(only, except, false);
      assert.equal(c.ok, false);
      assert.ok((c as { reason: string }).reason.length > 10);
    });
  }
});

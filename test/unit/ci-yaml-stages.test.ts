import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gateExpression, parseGate, stageOrder, stagesUpTo } from '../../src/core/ci-yaml/stages.js';
import { escapeRegex, orExpr, andExpr, stringLiteral } from '../../src/core/ci-yaml/expressions.js';
import { evalIf } from '../helpers/gitlab-rules.js';

describe('stage order', () => {
  it('defaults to .pre, build, test, deploy, .post', () => {
    assert.deepEqual(stageOrder(undefined), { ok: true, order: ['.pre', 'build', 'test', 'deploy', '.post'], declared: false });
  });
  it('wraps a custom list in .pre/.post, even when the list names them', () => {
    const r = stageOrder(['.post', 'test', 'build', '.pre', 'test']);
    assert.ok(r.ok);
    assert.deepEqual(r.order, ['.pre', 'test', 'build', '.post']);
  });
  it('refuses a stages: that is not a list of names', () => {
    assert.equal(stageOrder('build').ok, false);
    assert.equal(stageOrder(['build', 3]).ok, false);
  });
  it('lists a stage and every stage before it', () => {
    assert.deepEqual(stagesUpTo(['.pre', 'a', 'b', '.post'], 'b'), ['.pre', 'a', 'b']);
  });
});

describe('the resume gate', () => {
  const order = ['.pre', 'build', 'unit test', 'incremental rollout 10%', 'a.b', 'x/y', '.post'];
  const when = (stage: string, resume: string | undefined) => evalIf(gateExpression(order, stage), { RESUME_STAGE: resume });
  it('never excludes a job when RESUME_STAGE is undefined or empty', () => {
    for (const stage of order) {
      assert.equal(when(stage, undefined), false, stage);
      assert.equal(when(stage, ''), false, stage);
    }
  });
  it('excludes exactly the jobs of stages before the resume stage', () => {
    for (const [si, stage] of order.entries()) {
      for (const [ri, resume] of order.entries()) assert.equal(when(stage, resume), ri > si, `${stage} when resuming from ${resume}`);
    }
  });
  it('excludes every job for an unknown resume stage, and is anchored', () => {
    assert.equal(when('.post', 'deploy'), true);
    assert.equal(when('unit test', 'unit'), true);
    assert.equal(when('a.b', 'aXb'), true, 'dots are literal');
  });
  it('is recognised again, with the stages it lists', () => {
    assert.deepEqual(parseGate(gateExpression(order, 'a.b')), ['.pre', 'build', 'unit test', 'incremental rollout 10%', 'a.b']);
    assert.equal(parseGate('$RESUME_STAGE == "test"'), null);
  });
});

describe('expression helpers', () => {
  it('quotes strings with the quote they do not contain', () => {
    assert.equal(stringLiteral('a'), '"a"');
    assert.equal(stringLiteral('a"b'), "'a\"b'");
    assert.equal(stringLiteral('a"\'b'), null);
  });
  it('escapes regex metacharacters and slashes', () => {
    assert.equal(escapeRegex('a.b/c+(d)'), 'a\\.b\\/c\\+\\(d\\)');
  });
  it('parenthesises compound operands', () => {
    assert.equal(orExpr(['$A && $B', '$C']), '($A && $B) || $C');
    assert.equal(andExpr(['$A || $B', '$C']), '($A || $B) && $C');
  });
});

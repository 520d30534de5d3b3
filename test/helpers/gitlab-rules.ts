/**
 * A test oracle for GitLab job inclusion: a small evaluator of `rules:if` expressions with GitLab's semantics
 * (gitlab-facts §1: undefined variables are nil, `&&`/`||` are Ruby's on raw values, the result goes through
 * `.present?`, `=~` matches nil as "", `!~` against nil is true) and of `only`/`except` as
 * Gitlab::Ci::Build::Policy evaluates them. Enough for the expressions healer writes and the templates use.
 */
export type Vars = Record<string, string | undefined>;
type Value = string | null | boolean | { pattern: RegExp };

type Token = { t: 'var' | 'str' | 'null' | 're' | 'op' | 'lp' | 'rp'; v: string; flags?: string };

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const rest = expr.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\s+/.exec(rest))) i += m[0].length;
    else if ((m = /^\$([A-Za-z_][A-Za-z0-9_]*)/.exec(rest))) (out.push({ t: 'var', v: m[1]! }), (i += m[0].length));
    else if ((m = /^"([^"]*)"|^'([^']*)'/.exec(rest))) (out.push({ t: 'str', v: m[1] ?? m[2]! }), (i += m[0].length));
    else if ((m = /^null\b/.exec(rest))) (out.push({ t: 'null', v: 'null' }), (i += 4));
    else if ((m = /^\/((?:[^/\\]|\\.)+)\/([ismU]*)/.exec(rest))) (out.push({ t: 're', v: m[1]!, flags: m[2]! }), (i += m[0].length));
    else if ((m = /^(==|!=|=~|!~|&&|\|\|)/.exec(rest))) (out.push({ t: 'op', v: m[1]! }), (i += 2));
    else if (rest[0] === '(') (out.push({ t: 'lp', v: '(' }), (i += 1));
    else if (rest[0] === ')') (out.push({ t: 'rp', v: ')' }), (i += 1));
    else throw new Error(`cannot tokenize ${JSON.stringify(rest)}`);
  }
  return out;
}

function truthy(v: Value): boolean {
  return v !== null && v !== false;
}

function toRegExp(source: string, flags: string): RegExp {
  return new RegExp(source.replace(/\\\//g, '/'), flags.replace(/[^ism]/g, ''));
}

export function evaluate(expr: string, vars: Vars): Value {
  const tokens = tokenize(expr);
  let pos = 0;
  const peek = () => tokens[pos];
  function operand(): Value {
    const tok = tokens[pos++];
    if (!tok) throw new Error('unexpected end');
    if (tok.t === 'lp') {
      const v = or();
      if (tokens[pos++]?.t !== 'rp') throw new Error('missing )');
      return v;
    }
    if (tok.t === 'var') return vars[tok.v] ?? null;
    if (tok.t === 'str') return tok.v;
    if (tok.t === 'null') return null;
    if (tok.t === 're') return { pattern: toRegExp(tok.v, tok.flags ?? '') };
    throw new Error(`unexpected ${tok.v}`);
  }
  function comparison(): Value {
    const left = operand();
    const op = peek();
    if (op?.t === 'op' && ['==', '!=', '=~', '!~'].includes(op.v)) {
      pos += 1;
      const right = operand();
      const leftText = typeof left === 'string' ? left : left === null ? '' : String(left);
      switch (op.v) {
        case '==':
          return left === right;
        case '!=':
          return left !== right;
        case '=~':
          if (right === null) return false;
          return typeof right === 'object' && right !== null ? right.pattern.test(leftText) : leftText.includes(String(right));
        default:
          if (right === null) return true;
          return typeof right === 'object' && right !== null ? !right.pattern.test(leftText) : !leftText.includes(String(right));
      }
    }
    return left;
  }
  function and(): Value {
    let left = comparison();
    while (peek()?.t === 'op' && peek()!.v === '&&') {
      pos += 1;
      const right = comparison();
      left = truthy(left) ? right : left;
    }
    return left;
  }
  function or(): Value {
    let left = and();
    while (peek()?.t === 'op' && peek()!.v === '||') {
      pos += 1;
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  }
  const value = or();
  if (pos !== tokens.length) throw new Error(`trailing tokens in ${expr}`);
  return value;
}

/** The statement's final `.present?`. */
export function evalIf(expr: string, vars: Vars): boolean {
  const v = evaluate(expr, vars);
  return v !== null && v !== false && v !== '';
}

export interface Outcome {
  included: boolean;
  when?: string;
  allowFailure?: unknown;
  startIn?: unknown;
}

type Job = Record<string, unknown>;

/** GitLab's outcome for a job with rules (changes/exists count as matching). */
export function rulesOutcome(job: Job, vars: Vars): Outcome {
  const rules = (job.rules as unknown[]).flat(10) as Record<string, unknown>[];
  const jobWhen = (job.when as string | undefined) ?? 'on_success';
  for (const rule of rules) {
    if (typeof rule.if === 'string' && !evalIf(rule.if, vars)) continue;
    const when = (rule.when as string | undefined) ?? jobWhen;
    if (when === 'never') return { included: false };
    const allowFailure = rule.allow_failure ?? job.allow_failure ?? false;
    return { included: true, when, allowFailure, startIn: rule.start_in ?? job.start_in };
  }
  return { included: false };
}

export interface Pipeline {
  source: string;
  ref: string;
  kind: 'branch' | 'tag' | 'mr';
}

export function pipelineVars(p: Pipeline, extra: Vars = {}): Vars {
  const vars: Vars = { CI_PIPELINE_SOURCE: p.source, CI_COMMIT_REF_NAME: p.ref, CI_DEFAULT_BRANCH: 'main', ...extra };
  if (p.kind === 'branch') vars.CI_COMMIT_BRANCH = p.ref;
  if (p.kind === 'tag') vars.CI_COMMIT_TAG = p.ref;
  if (p.kind === 'mr') vars.CI_MERGE_REQUEST_IID = '1';
  return vars;
}

function refMatches(pattern: string, p: Pipeline): boolean {
  if (pattern === 'tags') return p.kind === 'tag';
  if (pattern === 'branches') return p.kind === 'branch';
  const sanitized = p.source.replace(/_event$/, '');
  const plural = /(s|x|ch|sh)$/.test(sanitized) ? `${sanitized}es` : `${sanitized}s`;
  if (sanitized === pattern || plural === pattern) return true;
  if (p.kind === 'mr') return false;
  const re = /^\/(.*)\/([ismU]*)$/.exec(pattern);
  if (re) return new RegExp(re[1]!, re[2]!.replace(/U/g, '')).test(p.ref);
  return pattern === p.ref;
}

function policy(value: unknown): Record<string, unknown[]> {
  if (Array.isArray(value)) return { refs: value };
  return value as Record<string, unknown[]>;
}

/** GitLab's outcome for a job without rules: only/except (and the default only: [branches, tags]). */
export function policyOutcome(job: Job, p: Pipeline, vars: Vars, workflowRules: boolean): Outcome {
  const specs = (v: Record<string, unknown[]>) =>
    Object.entries(v).map(([key, list]) =>
      key === 'refs' ? list.some((r) => refMatches(String(r), p)) : list.some((e) => evalIf(String(e), vars)),
    );
  let only = job.only;
  if (only === undefined || only === null) only = workflowRules ? undefined : ['branches', 'tags'];
  if (only !== undefined && !specs(policy(only)).every(Boolean)) return { included: false };
  if (job.except !== undefined && job.except !== null && specs(policy(job.except)).some(Boolean)) return { included: false };
  const when = (job.when as string | undefined) ?? 'on_success';
  const allowFailure = job.allow_failure ?? (when === 'manual');
  return { included: true, when, allowFailure, startIn: job.start_in };
}

export const PIPELINES: Pipeline[] = [
  { source: 'push', ref: 'main', kind: 'branch' },
  { source: 'push', ref: 'feature/x', kind: 'branch' },
  { source: 'push', ref: 'master', kind: 'branch' },
  { source: 'push', ref: 'v1.0', kind: 'tag' },
  { source: 'merge_request_event', ref: 'feature/x', kind: 'mr' },
  { source: 'schedule', ref: 'main', kind: 'branch' },
  { source: 'web', ref: 'main', kind: 'branch' },
  { source: 'api', ref: 'release-1', kind: 'branch' },
  { source: 'trigger', ref: 'main', kind: 'branch' },
];

/**
 * The fake GitLab and healer's client checked against GitLab's own API spec slices (shared/gitlab/openapi/,
 * Swagger 2.0): every request healer sends is a documented operation with documented query parameters and body,
 * authenticated as documented, the trigger token never in the URL; every answer the fake gives has the documented
 * shape (all required keys, the right types; Swagger 2.0 cannot say "nullable", and GitLab sends null for absent
 * values, so null is accepted for any property).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { lineageVariables } from '../../src/core/lineage.js';
import { GitLabClient } from '../../src/gitlab/client.js';
import type { LoggedRequest } from '../../src/sim/gitlab/server.js';
import { stuckRecord, writeRecord } from '../helpers/scan-records.js';
import { API_TOKEN, stuckPipeline, TRIGGER_TOKEN, world, type World } from '../helpers/world.js';

const SPEC_DIR = new URL('../../../test/fixtures/gitlab/openapi/', import.meta.url);
const SLICES = ['gitlab-ci-pipelines-api-openapi.yml', 'gitlab-ci-ci-triggers-api-openapi.yml', 'gitlab-ci-ci-jobs-api-openapi.yml'];

interface Operation {
  parameters?: Array<{ in: string; name: string; type?: string; enum?: unknown[]; schema?: { $ref: string } }>;
  responses: Record<string, { schema?: unknown }>;
  operationId: string;
}

interface Spec {
  operations: Array<{ method: string; template: string; pattern: RegExp; op: Operation }>;
  definitions: Record<string, unknown>;
  security: Record<string, { name: string; in: string }>;
}

function loadSpec(): Spec {
  const spec: Spec = { operations: [], definitions: {}, security: {} };
  for (const file of SLICES) {
    const doc = parse(readFileSync(new URL(file, SPEC_DIR), 'utf8')) as {
      paths: Record<string, Record<string, Operation>>;
      definitions: Record<string, unknown>;
      securityDefinitions?: Record<string, { name: string; in: string }>;
    };
    Object.assign(spec.definitions, doc.definitions);
    Object.assign(spec.security, doc.securityDefinitions ?? {});
    for (const [template, methods] of Object.entries(doc.paths)) {
      const source = template
        .replace(/\(ref\/\{ref\}\/\)/, '(?:ref/[^/]+/)?')
        .replace(/\{[^}]+\}/g, '[^/]+');
      for (const [method, op] of Object.entries(methods)) spec.operations.push({ method: method.toUpperCase(), template, pattern: new RegExp(`^${source}$`), op });
    }
  }
  return spec;
}

/** Swagger 2.0 definitions → JSON Schema draft-07 that also accepts null for every property. */
function nullable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullable);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'example' || key === 'format' || key === 'description' || key === 'default') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, prop]) => [name, { anyOf: [nullable(prop), { type: 'null' }] }]),
      );
    } else out[key] = nullable(value);
  }
  return out;
}

describe('the fake GitLab and the client follow GitLab\'s API spec', () => {
  const spec = loadSpec();
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'gitlab', definitions: nullable(spec.definitions) });
  const validate = (ref: string, value: unknown) => {
    const check = ajv.getSchema(`gitlab${ref}`)!;
    assert.ok(check, `no schema ${ref}`);
    const ok = check(value);
    return ok ? null : ajv.errorsText(check.errors, { separator: '; ' }).slice(0, 600);
  };
  let w: World;
  let requests: LoggedRequest[];

  before(async () => {
    w = await world();
    // A real scan (read, list jobs, list the ref's pipelines, cancel, create) …
    stuckPipeline(w.fake, 100);
    await writeRecord(w.stateDir, stuckRecord(100, Date.now()));
    const result = await w.scan();
    assert.equal(result.code, 0, result.stderr);
    // … and the calls a scan makes only in rarer cases (variables, lookups since a time, trigger).
    const client = new GitLabClient({ baseUrl: w.fake.url, apiToken: API_TOKEN, triggerToken: TRIGGER_TOKEN, requestTimeoutMs: 5000 });
    await client.getPipelineVariables('42', 1000);
    await client.getPipeline('42', 1000);
    await client.listRefPipelines('group/app', 'main', { createdAfter: '2026-01-01T00:00:00Z', perPage: 50 });
    await client.triggerPipeline('42', 'main', lineageVariables(stuckRecord(100, Date.now()), 'test', 2));
    client.close();
    requests = w.fake.requests;
  });
  after(() => w.close());

  const operationOf = (r: LoggedRequest) => {
    const path = new URL(r.url, 'http://x').pathname;
    return spec.operations.find((o) => o.method === r.method && o.pattern.test(path));
  };

  it('every request is a documented operation, with documented query parameters', () => {
    const seen = new Set<string>();
    for (const r of requests) {
      const found = operationOf(r);
      assert.ok(found, `${r.method} ${r.url} is not in the spec`);
      seen.add(found.op.operationId);
      const declared = new Map((found.op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
      for (const [name, value] of r.query) {
        const param = declared.get(name);
        assert.ok(param, `${r.method} ${r.url}: query parameter ${name} is not documented`);
        if (param.enum) assert.ok(param.enum.includes(value), `${name}=${value} is not one of ${param.enum.join(', ')}`);
        if (param.type === 'integer') assert.match(value, /^\d+$/);
      }
    }
    assert.deepEqual([...seen].sort(), [
      'getApiV4ProjectsIdPipelines',
      'getApiV4ProjectsIdPipelinesPipelineId',
      'getApiV4ProjectsIdPipelinesPipelineIdJobs',
      'getApiV4ProjectsIdPipelinesPipelineIdVariables',
      'postApiV4ProjectsId(refRef)triggerPipeline',
      'postApiV4ProjectsIdPipeline',
      'postApiV4ProjectsIdPipelinesPipelineIdCancel',
    ]);
  });

  it('bodies match the documented request schemas; tokens travel as documented', () => {
    for (const r of requests) {
      const found = operationOf(r)!;
      const bodyParam = (found.op.parameters ?? []).find((p) => p.in === 'body');
      if (found.op.operationId === 'postApiV4ProjectsId(refRef)triggerPipeline') {
        assert.equal(r.headers['content-type'], 'application/x-www-form-urlencoded');
        assert.ok(!r.url.includes(TRIGGER_TOKEN) && !r.url.includes('token='), 'trigger token never in the URL');
        const form = new URLSearchParams(r.body);
        const body: Record<string, unknown> = { variables: {} };
        for (const [key, value] of form) {
          const nested = /^variables\[(.+)\]$/.exec(key);
          if (nested) (body.variables as Record<string, string>)[nested[1]!] = value;
          else body[key] = value;
        }
        assert.equal(validate(bodyParam!.schema!.$ref, body), null);
        assert.equal(body.token, TRIGGER_TOKEN);
        continue;
      }
      assert.equal(r.headers[spec.security.access_token_header!.name.toLowerCase()], API_TOKEN, `${r.method} ${r.url} carries PRIVATE-TOKEN`);
      if (bodyParam?.schema) assert.equal(validate(bodyParam.schema.$ref, JSON.parse(r.body)), null, `${r.method} ${r.url}`);
    }
  });

  it('every answer of the fake has the documented status and shape', () => {
    for (const r of requests) {
      const found = operationOf(r)!;
      const status = String(r.response!.status);
      const documented = found.op.responses[status];
      assert.ok(documented, `${r.method} ${r.url} answered ${status}, not documented for ${found.op.operationId}`);
      const schema = documented.schema as { $ref?: string; type?: string; items?: { $ref: string } } | undefined;
      if (!schema) continue;
      const body = r.response!.body;
      if (schema.type === 'array') {
        assert.ok(Array.isArray(body), `${r.url}: an array`);
        for (const item of body as unknown[]) assert.equal(validate(schema.items!.$ref, item), null, `${r.method} ${r.url}`);
      } else {
        assert.equal(validate(schema.$ref!, body), null, `${r.method} ${r.url}`);
      }
    }
  });
});

/**
 * Validation against GitLab's own JSON schema (../shared/gitlab/ci.schema.json), with ajv set up as GitLab's schema
 * spec does (gitlab-facts §6): draft-07 Ajv, strictTypes/strictTuples off, allowMatchingProperties, the
 * markdownDescription keyword, ajv-formats. ajv is imported lazily: only tests load its compiler.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';
import { resolvedForSchema } from './ci-config.js';

export const SHARED = join(REPO_ROOT, 'test', 'fixtures', 'gitlab');

type Validate = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
let compiled: Validate | null = null;

async function validator(): Promise<Validate> {
  if (compiled) return compiled;
  const ajvModule = (await import('ajv')) as unknown as { default: { default?: unknown } };
  const formatsModule = (await import('ajv-formats')) as unknown as { default: { default?: unknown } };
  const Ajv = (ajvModule.default.default ?? ajvModule.default) as new (o: object) => {
    addKeyword(k: string): void;
    compile(s: object): unknown;
  };
  const addFormats = (formatsModule.default.default ?? formatsModule.default) as (a: unknown) => void;
  const ajv = new Ajv({ strictTypes: false, strictTuples: false, allowMatchingProperties: true, allErrors: true });
  ajv.addKeyword('markdownDescription');
  addFormats(ajv);
  const schema = JSON.parse(readFileSync(join(SHARED, 'ci.schema.json'), 'utf8')) as object;
  compiled = ajv.compile(schema) as Validate;
  return compiled;
}

/** null when valid, else the first errors as text. */
export async function schemaErrors(text: string): Promise<string | null> {
  const validate = await validator();
  const data = resolvedForSchema(text);
  if (validate(data)) return null;
  return (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('; ');
}

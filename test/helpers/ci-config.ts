/**
 * Independent reading of a .gitlab-ci.yml for assertions: the `yaml` package with merge keys resolved and
 * `!reference` kept as a marker, then GitLab's composition: extends (hashes deep-merged, the rest replaced), then
 * references, then nested lists flattened (GitLab flattens rules and scripts built with !reference).
 */
import { parse, Scalar, type YAMLSeq } from 'yaml';

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const referenceTag = {
  tag: '!reference',
  collection: 'seq' as const,
  default: false,
  resolve(seq: YAMLSeq) {
    return new Scalar({ __reference: seq.items.map((i) => String((i as Scalar).value ?? i)) });
  },
};

export const GLOBAL_KEYS = new Set(['image', 'services', 'stages', 'types', 'before_script', 'after_script', 'variables', 'cache', 'include', 'default', 'workflow', 'spec']);

/** Parse the (last) document; a spec: header document is skipped. */
export function parseCi(text: string): Json {
  const docs = text.split(/^---\s*$/m);
  const body = docs.length > 1 && /^\s*spec:/m.test(docs[0]!) ? docs.slice(1).join('---\n') : text;
  return parse(body, { merge: true, customTags: [referenceTag], maxAliasCount: -1 });
}

function isObj(v: unknown): v is Record<string, Json> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !('__reference' in (v as object));
}

function deepMerge(a: Json, b: Json): Json {
  if (!isObj(a) || !isObj(b)) return b;
  const out: Json = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
  return out;
}

function composeExtends(config: Json): Json {
  const done = new Map<string, Json>();
  const resolve = (name: string, depth: number): Json => {
    if (done.has(name)) return done.get(name);
    const job = config[name];
    if (!isObj(job) || depth > 11) return job;
    let result: Json = {};
    const parents = typeof job.extends === 'string' ? [job.extends] : Array.isArray(job.extends) ? job.extends : [];
    for (const p of parents) if (config[p] !== undefined) result = deepMerge(result, resolve(p, depth + 1));
    result = deepMerge(result, job);
    delete result.extends;
    done.set(name, result);
    return result;
  };
  const out: Json = {};
  for (const key of Object.keys(config)) out[key] = GLOBAL_KEYS.has(key) ? config[key] : resolve(key, 0);
  return out;
}

function resolveReferences(root: Json, value: Json, depth = 0): Json {
  if (depth > 20) throw new Error('!reference nests too deeply');
  if (value !== null && typeof value === 'object' && '__reference' in value) {
    let target: Json = root;
    for (const key of value.__reference as string[]) target = target?.[key];
    if (target === undefined) throw new Error(`!reference [${value.__reference.join(', ')}] is undefined`);
    return resolveReferences(root, target, depth + 1);
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(root, v, depth + 1)).flat(10);
  if (isObj(value)) {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveReferences(root, v, depth + 1);
    return out;
  }
  return value;
}

/** The configuration as GitLab composes it (without includes). */
export function composeCi(text: string): Json {
  const parsed = parseCi(text);
  const composed = composeExtends(parsed);
  return resolveReferences(composed, composed);
}

/** Merge keys and !reference resolved, extends left as written: what the JSON schema is meant to see. */
export function resolvedForSchema(text: string): Json {
  const parsed = parseCi(text);
  const lookup = composeExtends(parsed);
  const walk = (value: Json, depth = 0): Json => {
    if (value !== null && typeof value === 'object' && '__reference' in value) {
      let target: Json = lookup;
      for (const key of value.__reference as string[]) target = target?.[key];
      return walk(target, depth + 1);
    }
    if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1)).flat(10);
    if (isObj(value)) {
      const out: Json = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, depth + 1);
      return out;
    }
    return value;
  };
  return walk(parsed);
}

export function jobsOf(config: Json): [string, Json][] {
  return Object.entries(config).filter(([k, v]) => !k.startsWith('.') && !GLOBAL_KEYS.has(k) && isObj(v));
}

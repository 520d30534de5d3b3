/**
 * The configuration as GitLab sees it for the questions init asks: which top-level keys are jobs, where each key of
 * a job comes from (the job itself, a `<<` merge, an `extends:` ancestor in this file, or one in an included file),
 * and the job after `extends:` is applied (hashes deep-merged, everything else replaced: gitlab-facts §5).
 */
import { isMap, isPair, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { CiInputError, deref, isMergePair, isObject, keyName, mergeSources, own, toPlain, type Plain } from './document.js';

/** Top-level keys that are not jobs (`pages` is a job). */
export const GLOBAL_KEYS = new Set([
  'image', 'services', 'stages', 'types', 'before_script', 'after_script', 'variables', 'cache', 'include', 'default', 'workflow', 'spec',
]);

const MAX_EXTENDS_DEPTH = 11;

export interface Entry {
  name: string;
  pair: Pair;
  /** The value node with aliases followed. */
  node: Node | null;
  map: YAMLMap | null;
  plain: Plain;
  hidden: boolean;
}

export type ProviderKind = 'own' | 'merge' | 'template' | 'external';

export interface Provider {
  kind: ProviderKind;
  /** The ancestor that defines the key (template/external), or the job itself. */
  owner: string;
  pair: Pair | null;
  container: YAMLMap | null;
  value: Plain;
}

type PlainMap = { [key: string]: Plain };

/** Find `key` literally in `map`, else in the maps it merges with `<<` (earlier sources win). */
function findInMap(
  doc: Document,
  map: YAMLMap,
  key: string,
  depth = 0,
  skipLiteral = false,
): { pair: Pair; container: YAMLMap; merged: boolean } | null {
  if (depth > 50) return null;
  const merges: Pair[] = [];
  for (const pair of map.items) {
    if (!isPair(pair)) continue;
    if (isMergePair(pair)) merges.push(pair);
    else if (!skipLiteral && keyName(pair) === key) return { pair, container: map, merged: false };
  }
  for (const mergePair of merges) {
    for (const source of mergeSources(doc, mergePair)) {
      const found = findInMap(doc, source, key, depth + 1);
      if (found) return { ...found, merged: true };
    }
  }
  return null;
}

function deepMerge(base: PlainMap, over: PlainMap): PlainMap {
  const out: PlainMap = Object.assign(Object.create(null), base);
  for (const [key, value] of Object.entries(over)) {
    const prev = own(out, key);
    out[key] = isObject(prev) && isObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

export function extendsList(value: Plain | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export class CiModel {
  readonly entries = new Map<string, Entry>();
  private readonly mergedCache = new Map<string, PlainMap>();

  constructor(
    readonly doc: Document,
    readonly root: YAMLMap,
    /** Top-level keys of included files that were read (name → value), for extends/needs lookups. */
    readonly external: ReadonlyMap<string, Plain> = new Map(),
  ) {
    for (const pair of root.items) {
      if (!isPair(pair)) continue;
      const name = keyName(pair);
      if (name === null || isMergePair(pair)) continue;
      const node = deref(doc, pair.value);
      this.entries.set(name, {
        name,
        pair,
        node,
        map: isMap(node) ? node : null,
        plain: toPlain(doc, pair.value),
        hidden: name.startsWith('.'),
      });
    }
  }

  global(key: string): Plain | undefined {
    const entry = this.entries.get(key);
    return entry ? entry.plain : undefined;
  }

  /** Visible top-level mappings that are not global keywords, in file order. */
  jobs(): Entry[] {
    return [...this.entries.values()].filter((e) => !e.hidden && !GLOBAL_KEYS.has(e.name) && e.map !== null);
  }

  /** A job or template known in this file or an included one. */
  has(name: string): boolean {
    return this.entries.has(name) || this.external.has(name);
  }

  /** Where `key` of `name` comes from, following `<<` and `extends:`; null when nothing defines it. */
  provider(name: string, key: string, depth = 0, skipLiteral = false): Provider | null {
    if (depth > MAX_EXTENDS_DEPTH) throw new CiInputError(`the extends: chain of "${name}" is circular or deeper than ${MAX_EXTENDS_DEPTH}`);
    const entry = this.entries.get(name);
    if (entry?.map) {
      const found = findInMap(this.doc, entry.map, key, 0, skipLiteral);
      if (found) {
        return {
          kind: found.merged ? 'merge' : 'own',
          owner: name,
          pair: found.pair,
          container: found.container,
          value: toPlain(this.doc, found.pair.value),
        };
      }
      const parents = extendsList(isObject(entry.plain) ? own(entry.plain, 'extends') : undefined);
      for (const parent of [...parents].reverse()) {
        const p = this.provider(parent, key, depth + 1);
        if (p) return p.kind === 'own' || p.kind === 'merge' ? { ...p, kind: 'template' } : p;
      }
      return null;
    }
    const external = this.external.get(name);
    if (isObject(external)) {
      if (Object.prototype.hasOwnProperty.call(external, key)) {
        return { kind: 'external', owner: name, pair: null, container: null, value: external[key]! };
      }
      for (const parent of [...extendsList(own(external, 'extends'))].reverse()) {
        const p = this.provider(parent, key, depth + 1);
        if (p) return { ...p, kind: p.kind === 'external' ? 'external' : 'template' };
      }
    }
    return null;
  }

  /** Where `key` would come from if the job did not define it itself. */
  inheritedProvider(name: string, key: string): Provider | null {
    return this.provider(name, key, 0, true);
  }

  /** The literal `key:` pair of a map (not through `<<`). */
  literal(map: YAMLMap, key: string): Pair | null {
    for (const pair of map.items) if (isPair(pair) && !isMergePair(pair) && keyName(pair) === key) return pair;
    return null;
  }

  /** extends: targets of `name` (transitively) defined nowhere we can see. */
  unknownAncestors(name: string, depth = 0): string[] {
    if (depth > MAX_EXTENDS_DEPTH) throw new CiInputError(`the extends: chain of "${name}" is circular or deeper than ${MAX_EXTENDS_DEPTH}`);
    const value = this.entries.get(name)?.plain ?? this.external.get(name);
    const out: string[] = [];
    for (const parent of extendsList(isObject(value) ? own(value, 'extends') : undefined)) {
      if (!this.has(parent)) out.push(parent);
      else out.push(...this.unknownAncestors(parent, depth + 1));
    }
    return out;
  }

  /** The job after extends: (as GitLab composes it before validating keys). */
  merged(name: string, depth = 0): PlainMap {
    const cached = this.mergedCache.get(name);
    if (cached) return cached;
    if (depth > MAX_EXTENDS_DEPTH) throw new CiInputError(`the extends: chain of "${name}" is circular or deeper than ${MAX_EXTENDS_DEPTH}`);
    const value = this.entries.get(name)?.plain ?? this.external.get(name);
    if (!isObject(value)) return Object.create(null);
    let result: PlainMap = Object.create(null);
    for (const parent of extendsList(own(value, 'extends'))) {
      if (this.has(parent)) result = deepMerge(result, this.merged(parent, depth + 1));
    }
    result = deepMerge(result, value);
    this.mergedCache.set(name, result);
    return result;
  }
}

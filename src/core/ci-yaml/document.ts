/**
 * Parsing a `.gitlab-ci.yml` text into a Document whose nodes know their source offsets, and a plain value view of
 * it that resolves aliases and `<<` merge keys the way YAML does and keeps `!reference [a, b]` as a marker.
 * Parsing text is not I/O, so this stays in core.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type YAMLMap } from 'yaml';

export class CiInputError extends Error {}

/** `!reference [job, key, …]`, unresolved. */
export class Reference {
  constructor(readonly path: string[]) {}
}

export interface LoadedCi {
  text: string;
  doc: Document.Parsed;
  root: YAMLMap;
  /** The document opened with a `spec:` header (`---` separated) that was skipped. */
  hasSpecHeader: boolean;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i += 1) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

export function loadCi(text: string): LoadedCi {
  if (text.trim() === '') throw new CiInputError('the file is empty');
  const docs = parseAllDocuments(text, { keepSourceTokens: true, merge: true, prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs)) throw new CiInputError('the file holds no YAML document');
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const message = error.message.split('\n')[0] ?? error.message;
      throw new CiInputError(`invalid YAML at line ${lineOf(text, error.pos[0])}: ${message}`);
    }
  }
  const nonEmpty = docs.filter((d) => d.contents !== null);
  let hasSpecHeader = false;
  let doc = nonEmpty[0];
  if (nonEmpty.length === 2 && isMap(nonEmpty[0]!.contents) && nonEmpty[0]!.contents.has('spec')) {
    hasSpecHeader = true;
    doc = nonEmpty[1];
  } else if (nonEmpty.length > 1) {
    throw new CiInputError(`the file holds ${nonEmpty.length} YAML documents; a .gitlab-ci.yml holds one (plus an optional spec: header)`);
  }
  if (!doc || !isMap(doc.contents)) {
    const kind = doc?.contents ? (isSeq(doc.contents) ? 'a list' : 'a scalar') : 'nothing';
    throw new CiInputError(`the top level is ${kind}, not a mapping of keys to jobs`);
  }
  return { text, doc, root: doc.contents, hasSpecHeader };
}

export function isMergePair(pair: Pair): boolean {
  const key = pair.key;
  if (isScalar(key)) return key.value === '<<' || typeof key.value === 'symbol' || (key as { source?: string }).source === '<<';
  return false;
}

export function keyName(pair: Pair): string | null {
  const key = pair.key;
  if (isScalar(key) && (typeof key.value === 'string' || typeof key.value === 'number' || typeof key.value === 'boolean')) {
    return String(key.value);
  }
  return null;
}

/** Follow aliases to the node they name. */
export function deref(doc: Document, node: unknown, depth = 0): Node | null {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) {
    if (depth > 50) throw new CiInputError('aliases nest too deeply');
    return deref(doc, node.resolve(doc), depth + 1);
  }
  return node as Node;
}

/** The maps a `<<` pair merges, in precedence order (earlier wins). */
export function mergeSources(doc: Document, pair: Pair): YAMLMap[] {
  const value = deref(doc, pair.value);
  if (isMap(value)) return [value];
  if (isSeq(value)) {
    const out: YAMLMap[] = [];
    for (const item of value.items) {
      const map = deref(doc, item);
      if (isMap(map)) out.push(map);
    }
    return out;
  }
  return [];
}

export type Plain = null | string | number | boolean | Reference | Plain[] | { [key: string]: Plain };

/** A plain value of a node: aliases and merge keys resolved, `!reference` kept as a Reference. */
export function toPlain(doc: Document, node: unknown, depth = 0): Plain {
  if (depth > 200) throw new CiInputError('the YAML nests too deeply (or an alias refers to itself)');
  const n = deref(doc, node);
  if (n === null) return null;
  if (isScalar(n)) {
    const v = n.value;
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
    if (typeof v === 'bigint') return Number(v);
    return String(v);
  }
  if (isSeq(n)) {
    if (n.tag === '!reference') return new Reference(n.items.map((i) => String(toPlain(doc, i, depth + 1))));
    return n.items.map((i) => toPlain(doc, i, depth + 1));
  }
  if (isMap(n)) {
    const out: { [key: string]: Plain } = Object.create(null);
    const merged: YAMLMap[] = [];
    for (const pair of n.items) {
      if (!isPair(pair)) continue;
      if (isMergePair(pair)) {
        merged.push(...mergeSources(doc, pair));
        continue;
      }
      const key = keyName(pair);
      if (key !== null) out[key] = toPlain(doc, pair.value, depth + 1);
    }
    for (const source of merged) {
      const values = toPlain(doc, source, depth + 1) as { [key: string]: Plain };
      for (const [key, value] of Object.entries(values)) if (!(key in out)) out[key] = value;
    }
    return out;
  }
  return null;
}

export function isObject(value: unknown): value is { [key: string]: Plain } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Reference);
}

export function own(value: { [key: string]: Plain } | undefined, key: string): Plain | undefined {
  return value !== undefined && Object.prototype.hasOwnProperty.call(value, key) ? value[key] : undefined;
}

/**
 * Rendering the small pieces of YAML init writes (rules items, `needs` entries, copied values) as text at a given
 * indentation. Strings are written plain only when that is unambiguous, else single-quoted (no escapes needed),
 * else double-quoted JSON (valid YAML).
 */
import { Reference, type Plain } from './document.js';

const RESERVED = /^(true|false|yes|no|on|off|null|y|n|~|[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/i;

export function scalar(value: string, { flow = false }: { flow?: boolean } = {}): string {
  const safe = flow ? /^[A-Za-z0-9_./-]+$/ : /^[A-Za-z0-9_$./(][A-Za-z0-9_$./() =!-]*$/;
  if (safe.test(value) && !value.endsWith(' ') && !RESERVED.test(value)) return value;
  return quoted(value);
}

export function quoted(value: string): string {
  if (!/[\n\r\t']/.test(value) && !/[\u0000-\u001f\u007f]/.test(value)) return `'${value}'`;
  if (!/[\n\r\t]/.test(value) && !/[\u0000-\u001f\u007f]/.test(value)) return `'${value.replace(/'/g, "''")}'`;
  return JSON.stringify(value);
}

export function referenceText(path: readonly string[]): string {
  return `!reference [${path.map((p) => scalar(p, { flow: true })).join(', ')}]`;
}

function inline(value: Plain): string | null {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') return scalar(value);
  if (value instanceof Reference) return referenceText(value.path);
  if (Array.isArray(value) && value.length === 0) return '[]';
  if (!Array.isArray(value) && Object.keys(value).length === 0) return '{}';
  return null;
}

/** `key: value` lines at `indent`. */
export function pairLines(key: string, value: Plain, indent: string): string {
  const simple = inline(value);
  if (simple !== null) return `${indent}${scalar(key)}: ${simple}\n`;
  if (Array.isArray(value)) return `${indent}${scalar(key)}:\n${seqLines(value, `${indent}  `)}`;
  return `${indent}${scalar(key)}:\n${mapLines(value as { [k: string]: Plain }, `${indent}  `)}`;
}

export function mapLines(value: { [key: string]: Plain }, indent: string): string {
  return Object.entries(value)
    .map(([k, v]) => pairLines(k, v, indent))
    .join('');
}

/** Block sequence items at `indent` (the column of `-`). */
export function seqLines(items: readonly Plain[], indent: string): string {
  let out = '';
  for (const item of items) {
    const simple = inline(item);
    if (simple !== null) {
      out += `${indent}- ${simple}\n`;
    } else if (Array.isArray(item)) {
      out += `${indent}-\n${seqLines(item, `${indent}  `)}`;
    } else {
      const body = mapLines(item as { [k: string]: Plain }, `${indent}  `);
      out += `${indent}- ${body.slice(indent.length + 2)}`;
    }
  }
  return out;
}

/** A one-line flow rendering of a small map: `{ job: build, optional: true }`. */
export function flowMap(entries: [string, string | boolean][]): string {
  return `{ ${entries.map(([k, v]) => `${k}: ${typeof v === 'boolean' ? String(v) : scalar(v, { flow: true })}`).join(', ')} }`;
}

/** A rules item that healer builds: fields in this order, `if` always single-quoted like GitLab's docs. */
export interface RuleSpec {
  if?: string;
  when?: string;
  start_in?: string;
  allow_failure?: boolean;
}

export function ruleLines(rule: RuleSpec, indent: string): string {
  const fields: string[] = [];
  if (rule.if !== undefined) fields.push(`if: ${quoted(rule.if)}`);
  if (rule.when !== undefined) fields.push(`when: ${rule.when}`);
  if (rule.start_in !== undefined) fields.push(`start_in: ${scalar(rule.start_in)}`);
  if (rule.allow_failure !== undefined) fields.push(`allow_failure: ${String(rule.allow_failure)}`);
  return fields.map((f, i) => (i === 0 ? `${indent}- ${f}\n` : `${indent}  ${f}\n`)).join('');
}

export function ruleFlow(rule: RuleSpec): string {
  const fields: string[] = [];
  if (rule.if !== undefined) fields.push(`if: ${quoted(rule.if)}`);
  if (rule.when !== undefined) fields.push(`when: ${rule.when}`);
  if (rule.start_in !== undefined) fields.push(`start_in: ${scalar(rule.start_in)}`);
  if (rule.allow_failure !== undefined) fields.push(`allow_failure: ${String(rule.allow_failure)}`);
  return `{ ${fields.join(', ')} }`;
}

/** A rules list item: one of healer's rules, a `!reference`, or a copied value. */
export type RuleItem = { rule: RuleSpec } | { reference: string[] } | { copy: Plain };

export function ruleItemsLines(items: readonly RuleItem[], indent: string): string {
  return items
    .map((item) => {
      if ('rule' in item) return ruleLines(item.rule, indent);
      if ('reference' in item) return `${indent}- ${referenceText(item.reference)}\n`;
      return seqLines([item.copy], indent);
    })
    .join('');
}

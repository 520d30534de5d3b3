/**
 * Top-level entries written as flow mappings (`build: {stage: build, script: [make]}`) cannot take healer's edits
 * (keys and comments are inserted line by line). Before planning, each one is rewritten in block style, in place:
 * only its own text changes, its nested lists and mappings stay as they were written, its anchor stays where it was.
 * The result is parsed again and must mean exactly what the original meant, or nothing is rewritten.
 */
import { Document, isMap, isPair, isScalar, type Node, type YAMLMap } from 'yaml';
import { loadCi } from './document.js';
import { EditError, lineStart } from './text-edits.js';

export interface Unflowed {
  text: string;
  /** The keys rewritten, in file order. */
  keys: string[];
}

export function unflowTopLevel(text: string): Unflowed {
  const { doc, root } = loadCi(text);
  const rewrites: Array<{ start: number; end: number; key: string; replacement: string }> = [];
  for (const pair of root.items) {
    if (!isPair(pair) || !isScalar(pair.key) || !isMap(pair.value) || !pair.value.flow) continue;
    const value = pair.value as YAMLMap;
    if (value.items.length === 0) continue; // `job: {}` has nothing to edit into; GitLab refuses it anyway
    const [start, end] = value.range!;
    const keyStart = (pair.key as Node).range![0];
    const indent = ' '.repeat(keyStart - lineStart(text, keyStart) + 2);
    const block = value.clone() as YAMLMap;
    block.flow = false;
    block.anchor = undefined; // written once, where it already is
    block.commentBefore = undefined;
    block.comment = undefined; // a comment after the `}` stays in the text, after the last line
    const rendered = new Document(block, { merge: true }).toString({ verifyAliasOrder: false, lineWidth: 0, indent: 2, flowCollectionPadding: false }).trimEnd();
    const before = text.slice(0, start).replace(/[ \t]+$/, '');
    rewrites.push({ start: before.length, end, key: String(pair.key.value), replacement: '\n' + rendered.split('\n').map((line) => (line === '' ? line : indent + line)).join('\n') });
  }
  if (rewrites.length === 0) return { text, keys: [] };
  let out = text;
  for (const r of [...rewrites].reverse()) out = out.slice(0, r.start) + r.replacement + out.slice(r.end);
  const same = JSON.stringify(loadCi(out).doc.toJS({ maxAliasCount: -1 })) === JSON.stringify(doc.toJS({ maxAliasCount: -1 }));
  if (!same) throw new EditError(`cannot rewrite the flow mapping of ${rewrites.map((r) => r.key).join(', ')} in block style without changing its meaning`);
  return { text: out, keys: rewrites.map((r) => r.key) };
}

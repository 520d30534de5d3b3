/**
 * Minimal text splices at node offsets. yaml's Document.toString() re-renders the whole file (it changed 36 lines of
 * GitLab's Getting-Started template that init never touched), so init edits the original text instead: every change
 * is an insertion or replacement at offsets taken from the parsed nodes, and everything else stays byte-for-byte.
 */
import { isPair, type Node, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';

export class EditError extends Error {}

/** Offset of the start of the line that holds `offset`. */
export function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

interface Edit {
  start: number;
  end: number;
  text: string;
  seq: number;
  /** Indentation of inserted block text: at one offset, deeper text (the end of the block above) comes first. */
  indent: number;
}

interface SourceToken {
  type: string;
  offset: number;
  source?: string;
}

interface CollectionToken {
  type: string;
  offset: number;
  items: { start: SourceToken[]; value?: { offset: number } }[];
  start?: SourceToken;
  end?: SourceToken[];
}

function tokenOf(node: Node): CollectionToken | null {
  return ((node as unknown as { srcToken?: CollectionToken }).srcToken ?? null) as CollectionToken | null;
}

export class TextEdits {
  private readonly edits: Edit[] = [];
  private seq = 0;

  constructor(readonly text: string) {}

  get count(): number {
    return this.edits.length;
  }

  add(start: number, end: number, text: string, indent = 0): void {
    this.edits.push({ start, end, text, seq: this.seq++, indent });
  }

  apply(): string {
    const sorted = [...this.edits].sort((a, b) => b.start - a.start || a.indent - b.indent || b.seq - a.seq);
    // A file with Windows line ends gets them in the added lines too.
    const crlf = this.text.includes('\r\n');
    let out = this.text;
    let limit = Infinity;
    for (const e of sorted) {
      if (e.end > limit) throw new EditError('internal: overlapping edits');
      const text = crlf ? e.text.replace(/\r?\n/g, '\r\n') : e.text;
      out = out.slice(0, e.start) + text + out.slice(e.end);
      limit = Math.min(limit, e.start);
    }
    return out;
  }

  lineStart(offset: number): number {
    return lineStart(this.text, offset);
  }

  /** Offset just after the line that holds `offset` (after its newline), or the end of the text. */
  afterLine(offset: number): number {
    if (offset > 0 && this.text[offset - 1] === '\n') return offset;
    const nl = this.text.indexOf('\n', offset);
    return nl < 0 ? this.text.length : nl + 1;
  }

  /** The column of `offset` as spaces; throws when the line does not start with spaces only up to it. */
  columnAt(offset: number, what: string): string {
    const before = this.text.slice(this.lineStart(offset), offset);
    if (!/^[ ]*$/.test(before)) throw new EditError(`${what} does not start its line`);
    return before;
  }

  /** Text at the end of an insertion that must start on a new line. */
  private ensureNewline(at: number, text: string): string {
    return at === this.text.length && this.text.length > 0 && !this.text.endsWith('\n') ? `\n${text}` : text;
  }

  /** Insert block-sequence items (rendered with the item indentation) before item `index` of `seq`. */
  insertSeqItems(seq: YAMLSeq, index: number, render: (indent: string) => string, flowRender: () => string): void {
    const token = tokenOf(seq);
    if (token?.type === 'flow-collection') {
      const open = token.start?.offset;
      if (open === undefined) throw new EditError('cannot edit this flow sequence');
      if (index === 0) {
        this.add(open + 1, open + 1, seq.items.length > 0 ? `${flowRender()}, ` : flowRender());
        return;
      }
      const before = token.items[index]?.value?.offset;
      if (before === undefined) throw new EditError('cannot add to the end of this flow sequence');
      this.add(before, before, `${flowRender()}, `);
      return;
    }
    if (token?.type !== 'block-seq' || token.items.length === 0) throw new EditError('cannot edit this sequence');
    if (index < token.items.length) {
      const ind = token.items[index]!.start.find((t) => t.type === 'seq-item-ind');
      if (!ind) throw new EditError('sequence item without "-"');
      const indent = this.columnAt(ind.offset, 'a list item');
      const at = this.lineStart(ind.offset);
      this.add(at, at, render(indent), indent.length);
      return;
    }
    const first = token.items[0]!.start.find((t) => t.type === 'seq-item-ind');
    if (!first) throw new EditError('sequence item without "-"');
    const indent = this.columnAt(first.offset, 'a list item');
    const at = this.afterLine(seq.range?.[1] ?? first.offset);
    this.add(at, at, this.ensureNewline(at, render(indent)), indent.length + 1);
  }

  /** The column of the keys of a block mapping. */
  mapIndent(map: YAMLMap): string {
    const token = tokenOf(map);
    if (token?.type !== 'block-map') throw new EditError('cannot edit a flow mapping { … }');
    const firstKey = map.items.find(isPair)?.key as Node | undefined;
    const offset = firstKey?.range?.[0] ?? token.offset;
    return ' '.repeat(offset - this.lineStart(offset));
  }

  /** The column of a pair's key as spaces. */
  keyIndent(pair: Pair): string {
    const offset = (pair.key as Node).range?.[0] ?? 0;
    return ' '.repeat(offset - this.lineStart(offset));
  }

  /** Where a pair ends: after the line holding the end of its value. */
  pairEnd(pair: Pair): number {
    const value = pair.value as Node | null;
    const key = pair.key as Node;
    const end = value && value.range ? value.range[1] : (key.range?.[1] ?? 0);
    return this.afterLine(end);
  }

  /** Append `key: value` to a block mapping (`render` gets the key indentation, returns full lines). */
  appendPair(map: YAMLMap, render: (indent: string) => string): void {
    const indent = this.mapIndent(map);
    const pairs = map.items.filter(isPair);
    const last = pairs[pairs.length - 1];
    if (!last) throw new EditError('cannot add to an empty mapping');
    const at = this.pairEnd(last);
    this.add(at, at, this.ensureNewline(at, render(indent)), indent.length);
  }

  /** Insert lines before the line of `pair`'s key (same indentation). */
  insertBeforePair(pair: Pair, render: (indent: string) => string): void {
    const key = pair.key as Node;
    const offset = key.range?.[0];
    if (offset === undefined) throw new EditError('key without position');
    const indent = this.columnAt(offset, 'a key');
    const at = this.lineStart(offset);
    this.add(at, at, render(indent), indent.length);
  }

  /** Insert after the whole `pair` (its value's last line). */
  insertAfterPair(pair: Pair, render: (indent: string) => string): void {
    const key = pair.key as Node;
    const offset = key.range?.[0];
    if (offset === undefined) throw new EditError('key without position');
    const indent = ' '.repeat(offset - this.lineStart(offset));
    const at = this.pairEnd(pair);
    this.add(at, at, this.ensureNewline(at, render(indent)), indent.length);
  }

  /** Remove a pair that sits on its own lines. */
  deletePair(pair: Pair): void {
    const key = pair.key as Node;
    const offset = key.range?.[0];
    if (offset === undefined) throw new EditError('key without position');
    this.columnAt(offset, 'a key');
    this.add(this.lineStart(offset), this.pairEnd(pair), '');
  }

  /** Replace a node's text (without its trailing comment). */
  replaceNode(node: Node, text: string): void {
    if (!node.range) throw new EditError('node without position');
    this.add(node.range[0], node.range[1], text);
  }

  /** Replace what follows `key:` up to the end of the value (tag and anchor included) with `text`. */
  replaceValue(pair: Pair, text: string): void {
    const key = pair.key as Node;
    const value = pair.value as Node | null;
    if (!key.range) throw new EditError('key without position');
    const colon = this.text.indexOf(':', key.range[1]);
    let end = value?.range ? value.range[1] : colon + 1;
    // A block scalar's range takes in its last line break: keep it.
    while (end > colon + 1 && (this.text[end - 1] === '\n' || this.text[end - 1] === '\r')) end -= 1;
    this.add(colon + 1, end, text);
  }

  /** Insert `text` just after the colon of `key:` (an anchor before the value). */
  insertAfterColon(pair: Pair, text: string): void {
    const key = pair.key as Node;
    if (!key.range) throw new EditError('key without position');
    const colon = this.text.indexOf(':', key.range[1]);
    this.add(colon + 1, colon + 1, text);
  }

  /** The source text of a value (tag and anchor included), from after `key:` to the end of the value. */
  valueSource(pair: Pair): string {
    const key = pair.key as Node;
    const value = pair.value as Node | null;
    if (!key.range || !value?.range) return '';
    const colon = this.text.indexOf(':', key.range[1]);
    return this.text.slice(colon + 1, value.range[1]).trim();
  }

  /** Insert `key: value` into a flow or block mapping that is an item of a sequence (a needs entry). */
  addToItemMap(map: YAMLMap, key: string, value: string): void {
    const token = tokenOf(map);
    if (token?.type === 'flow-collection') {
      const close = token.end?.find((t) => t.source === '}');
      if (!close || !token.start) throw new EditError('flow mapping without braces');
      const innerStart = token.start.offset + 1;
      let at = close.offset;
      while (at > innerStart && /\s/.test(this.text[at - 1]!)) at -= 1;
      const inner = this.text.slice(innerStart, at);
      const prefix = inner.trim() === '' ? '' : inner.endsWith(',') ? ' ' : ', ';
      this.add(at, at, `${prefix}${key}: ${value}`);
      return;
    }
    this.appendPair(map, (indent) => `${indent}${key}: ${value}\n`);
  }
}

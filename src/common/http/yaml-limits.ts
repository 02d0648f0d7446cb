/**
 * Cheap bounds on a YAML text, checked BEFORE it reaches the YAML parser. The parser recurses
 * (and compiles regular expressions) per nesting level and expands aliases: a 10,000-deep mapping
 * once ended the process ("RegExpCompiler Allocation failed - process out of memory"), and an
 * alias bomb grows exponentially. A legitimate document (a register export) is a few levels deep,
 * uses no alias and stays far below every limit here.
 *
 * The scan is one pass over the characters, without recursion. It over-estimates rather than
 * under-estimates: a bracket in a plain scalar counts, a quote counts only where YAML would open a
 * quoted scalar (so text cannot hide structure from the scan by pretending to be quoted).
 */
export interface YamlLimits {
  /** Largest text, in UTF-8 bytes. */
  maxBytes: number;
  /** Deepest nesting: block indentation levels + sequence dashes + flow brackets. */
  maxDepth: number;
  /** Most nodes (estimated: content lines plus flow-collection items). */
  maxNodes: number;
  /** Most aliases (`*name`); the export never writes any. */
  maxAliases: number;
}

export const YAML_LIMITS: YamlLimits = {
  maxBytes: 4 * 1024 * 1024,
  maxDepth: 64,
  maxNodes: 250_000,
  maxAliases: 100,
};

export type YamlLimitBreach =
  | { limit: 'bytes'; max: number; message: string }
  | { limit: 'depth' | 'nodes' | 'aliases'; max: number; line: number; message: string };

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/** The first limit `text` breaks, or undefined when it is within all of them. */
export function checkYamlLimits(text: string, limits: YamlLimits = YAML_LIMITS): YamlLimitBreach | undefined {
  // UTF-16 length is at most the UTF-8 byte length: skip the exact count for small texts.
  if (text.length * 3 > limits.maxBytes && Buffer.byteLength(text, 'utf8') > limits.maxBytes) {
    return {
      limit: 'bytes',
      max: limits.maxBytes,
      message: `The YAML document exceeds ${limits.maxBytes} bytes`,
    };
  }
  const scan = new YamlScan(text, limits);
  return scan.run();
}

class YamlScan {
  private readonly indents: number[] = [];
  private flowDepth = 0;
  private nodes = 0;
  private aliases = 0;
  private line = 0;
  /** Open quoted scalar carried over lines: its quote character, or 0. */
  private quote = 0;
  /** Indentation of the line that opened a block scalar (`|` or `>`), or -1. */
  private blockScalarIndent = -1;

  constructor(
    private readonly text: string,
    private readonly limits: YamlLimits,
  ) {}

  run(): YamlLimitBreach | undefined {
    const t = this.text;
    let start = 0;
    while (start <= t.length) {
      let end = t.indexOf('\n', start);
      if (end === -1) end = t.length;
      this.line += 1;
      const breach = this.scanLine(start, end);
      if (breach) return breach;
      start = end + 1;
    }
    return undefined;
  }

  private breach(limit: 'depth' | 'nodes' | 'aliases', max: number, what: string): YamlLimitBreach {
    return { limit, max, line: this.line, message: `The YAML document ${what} (line ${this.line})` };
  }

  private scanLine(start: number, end: number): YamlLimitBreach | undefined {
    const t = this.text;
    let i = start;
    while (i < end && (t.charCodeAt(i) === SPACE || t.charCodeAt(i) === TAB)) i++;
    const indent = i - start;
    if (i >= end || t.charCodeAt(i) === CR) return undefined; // blank line
    if (this.blockScalarIndent >= 0) {
      if (indent > this.blockScalarIndent) return undefined; // literal text of a block scalar
      this.blockScalarIndent = -1;
    }
    if (this.quote === 0 && this.flowDepth === 0) {
      if (t.charCodeAt(i) === 0x23 /* # */) return undefined;
      while (this.indents.length > 0 && this.indents[this.indents.length - 1] >= indent) this.indents.pop();
      this.indents.push(indent);
    }
    if (++this.nodes > this.limits.maxNodes) {
      return this.breach('nodes', this.limits.maxNodes, `has more than ${this.limits.maxNodes} nodes`);
    }
    // Whether the next character starts a scalar (where a quote, alias or flow bracket opens).
    let atScalarStart = true;
    let dashes = 0;
    let lastContent = -1;
    for (; i < end; i++) {
      const c = t.charCodeAt(i);
      if (this.quote !== 0) {
        if (this.quote === 0x22 /* " */ && c === 0x5c /* \ */) i++;
        else if (c === this.quote) {
          // '' inside a single-quoted scalar is an escaped quote, not its end.
          if (c === 0x27 && t.charCodeAt(i + 1) === 0x27) i++;
          else {
            this.quote = 0;
            atScalarStart = false;
            lastContent = i;
          }
        }
        continue;
      }
      if (c === SPACE || c === TAB || c === CR) continue;
      if (c === 0x23 /* # */ && (i === start || isBlank(t.charCodeAt(i - 1)))) break; // comment
      const next = t.charCodeAt(i + 1);
      const followedByBlank = i + 1 >= end || isBlank(next);
      lastContent = i;
      if ((c === 0x2d /* - */ || c === 0x3f) /* ? */ && atScalarStart && followedByBlank) {
        if (c === 0x2d && this.flowDepth === 0) dashes++;
        continue;
      }
      if (c === 0x3a /* : */ && (followedByBlank || this.flowDepth > 0)) {
        atScalarStart = true;
        continue;
      }
      if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
        if (this.flowDepth > 0 || atScalarStart) {
          this.flowDepth++;
          atScalarStart = true;
          const depth = this.blockDepth() + dashes + this.flowDepth;
          if (depth > this.limits.maxDepth) {
            return this.breach(
              'depth',
              this.limits.maxDepth,
              `is nested deeper than ${this.limits.maxDepth} levels`,
            );
          }
        }
        continue;
      }
      if (this.flowDepth > 0 && (c === 0x5d /* ] */ || c === 0x7d) /* } */) {
        this.flowDepth--;
        atScalarStart = false;
        continue;
      }
      if (this.flowDepth > 0 && c === 0x2c /* , */) {
        atScalarStart = true;
        if (++this.nodes > this.limits.maxNodes) {
          return this.breach('nodes', this.limits.maxNodes, `has more than ${this.limits.maxNodes} nodes`);
        }
        continue;
      }
      if (atScalarStart && (c === 0x22 || c === 0x27)) {
        this.quote = c;
        continue;
      }
      if (atScalarStart && c === 0x2a /* * */) {
        if (++this.aliases > this.limits.maxAliases) {
          return this.breach(
            'aliases',
            this.limits.maxAliases,
            `uses more than ${this.limits.maxAliases} aliases`,
          );
        }
      }
      atScalarStart = false;
    }
    const depth = this.blockDepth() + dashes + this.flowDepth;
    if (depth > this.limits.maxDepth) {
      return this.breach(
        'depth',
        this.limits.maxDepth,
        `is nested deeper than ${this.limits.maxDepth} levels`,
      );
    }
    // A block scalar header ends the line: `key: |`, `- >-`, `key: |2`…
    if (
      this.quote === 0 &&
      this.flowDepth === 0 &&
      lastContent >= 0 &&
      isBlockScalarHeader(t, start, lastContent)
    ) {
      this.blockScalarIndent = indent;
    }
    return undefined;
  }

  private blockDepth(): number {
    return this.indents.length;
  }
}

function isBlank(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || Number.isNaN(c);
}

/** Whether the line's content ends with a block scalar indicator (`|`, `>`, with `+ - 1-9`). */
function isBlockScalarHeader(t: string, lineStart: number, last: number): boolean {
  let i = last;
  while (i > lineStart && /[+\-0-9]/.test(t[i])) i--;
  if (t[i] !== '|' && t[i] !== '>') return false;
  return i === lineStart || isBlank(t.charCodeAt(i - 1));
}

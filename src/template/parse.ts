/**
 * The text/template parser: builds Go's parse tree (every node carries its
 * offset into the source) and reports errors as Go does, e.g.
 * `template: NAME:3: function "foo" not defined`.
 */

import { itemString, lex, type Item, type ItemType } from './lexer.js';
import { parseFloat as goParseFloat } from './strconv.js';

/** An operand or command word. */
export type ArgNode =
  | { readonly type: 'field'; readonly pos: number; readonly ident: readonly string[] }
  | { readonly type: 'variable'; readonly pos: number; readonly ident: readonly string[] }
  | { readonly type: 'dot'; readonly pos: number }
  | { readonly type: 'nil'; readonly pos: number }
  | { readonly type: 'bool'; readonly pos: number; readonly value: boolean }
  | NumberNode
  | { readonly type: 'string'; readonly pos: number; readonly quoted: string; readonly text: string }
  | { readonly type: 'identifier'; readonly pos: number; readonly ident: string }
  | { readonly type: 'chain'; readonly pos: number; readonly node: ArgNode; readonly field: readonly string[] }
  | PipeNode;

/** A numeric constant; `isInt`/`isFloat` say which Go types it can be. */
export interface NumberNode {
  readonly type: 'number';
  readonly pos: number;
  readonly text: string;
  readonly isInt: boolean;
  readonly isFloat: boolean;
  readonly int: bigint;
  readonly float: number;
}

/** One command of a pipeline: a function or method with its arguments, or a single operand. */
export interface CommandNode {
  readonly type: 'command';
  readonly pos: number;
  readonly args: ArgNode[];
}

/** A pipeline, with the variables it declares (`:=`) or assigns (`=`). */
export interface PipeNode {
  readonly type: 'pipe';
  readonly pos: number;
  readonly line: number;
  isAssign: boolean;
  readonly decl: { readonly type: 'variable'; readonly pos: number; readonly ident: readonly string[] }[];
  readonly cmds: CommandNode[];
}

/** A list of nodes executed in order. */
export interface ListNode {
  readonly type: 'list';
  readonly pos: number;
  readonly nodes: Node[];
}

/** if/range/with share a shape. */
export interface BranchNode {
  readonly type: 'if' | 'range' | 'with';
  readonly pos: number;
  readonly line: number;
  readonly pipe: PipeNode;
  readonly list: ListNode;
  readonly elseList: ListNode | null;
}

/** Any statement-level node. */
export type Node =
  | ListNode
  | { readonly type: 'text'; readonly pos: number; readonly text: string }
  | { readonly type: 'comment'; readonly pos: number; readonly text: string }
  | { readonly type: 'action'; readonly pos: number; readonly line: number; readonly pipe: PipeNode }
  | BranchNode
  | { readonly type: 'template'; readonly pos: number; readonly line: number; readonly name: string; readonly pipe: PipeNode | null }
  | { readonly type: 'break' | 'continue'; readonly pos: number; readonly line: number }
  | { readonly type: 'end' | 'else'; readonly pos: number; readonly line: number };

/** A parsed template body. `parseName` is the top-level name used in error locations. */
export interface Tree {
  readonly name: string;
  readonly parseName: string;
  readonly text: string;
  readonly root: ListNode;
}

/** A parse error; `message` is Go's full text. */
export class TemplateParseError extends Error {}

/** Go's String() of a node, used in error contexts such as `at <.Foo>`. */
export function nodeString(n: Node | ArgNode | CommandNode): string {
  switch (n.type) {
    case 'field': return '.' + n.ident.join('.');
    case 'variable': return n.ident.join('.');
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return n.value ? 'true' : 'false';
    case 'number': return n.text;
    case 'string': return n.quoted;
    case 'identifier': return n.ident;
    case 'chain': return (n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)) + '.' + n.field.join('.');
    case 'pipe': {
      let s = '';
      if (n.decl.length) s = n.decl.map((d) => nodeString(d)).join(', ') + (n.isAssign ? ' = ' : ' := ');
      return s + n.cmds.map((c) => nodeString(c)).join(' | ');
    }
    case 'command': return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'list': return n.nodes.map((x) => nodeString(x)).join('');
    case 'text': return n.text;
    case 'comment': return `{{${n.text}}}`;
    case 'action': return `{{${nodeString(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      const e = n.elseList ? `{{else}}${nodeString(n.elseList)}` : '';
      return `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}${e}{{end}}`;
    }
    case 'template': return n.pipe ? `{{template ${JSON.stringify(n.name)} ${nodeString(n.pipe)}}}` : `{{template ${JSON.stringify(n.name)}}}`;
    case 'break': return '{{break}}';
    case 'continue': return '{{continue}}';
    case 'end': return '{{end}}';
    case 'else': return '{{else}}';
  }
}

/** Go's strconv.Unquote for "..." and `...` literals. */
export function unquote(s: string): string {
  if (s[0] === '`') {
    if (s.length < 2 || s[s.length - 1] !== '`') throw new Error('invalid syntax');
    return s.slice(1, -1).replace(/\r/g, '');
  }
  const quote = s[0];
  if ((quote !== '"' && quote !== "'") || s.length < 2 || s[s.length - 1] !== quote) throw new Error('invalid syntax');
  const body = s.slice(1, -1);
  let out = '';
  const bytes: number[] = [];
  const flushBytes = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === quote) throw new Error('invalid syntax');
    if (c !== '\\') {
      flushBytes();
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
    if (e !== undefined && simple[e] !== undefined) {
      flushBytes();
      out += simple[e];
    } else if (e === quote) {
      flushBytes();
      out += e;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Error('invalid syntax');
      const v = parseInt(hex, 16);
      i += n;
      if (e === 'x') bytes.push(v);
      else {
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new Error('invalid syntax');
        flushBytes();
        out += String.fromCodePoint(v);
      }
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) throw new Error('invalid syntax');
      bytes.push(parseInt(oct, 8));
      i += 2;
    } else {
      throw new Error('invalid syntax');
    }
  }
  flushBytes();
  return out;
}

/** Parses Go number syntax into a NumberNode, or throws with Go's message. */
export function newNumber(pos: number, text: string, typ: ItemType): NumberNode {
  if (typ === 'charConstant') {
    const s = unquote(text);
    const runes = [...s];
    if (runes.length !== 1) throw new Error(`malformed character constant: ${text}`);
    const cp = runes[0]!.codePointAt(0)!;
    return { type: 'number', pos, text, isInt: true, isFloat: true, int: BigInt(cp), float: cp };
  }
  if (text.endsWith('i')) throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  const asInt = parseGoInt(text);
  if (asInt !== undefined) {
    if (asInt >= -(2n ** 63n) && asInt < 2n ** 63n) {
      return { type: 'number', pos, text, isInt: true, isFloat: true, int: asInt, float: Number(asInt) };
    }
    if (asInt >= 0n && asInt < 2n ** 64n) {
      // A uint64 that is no int64: usable only as a float.
      return { type: 'number', pos, text, isInt: false, isFloat: true, int: 0n, float: Number(asInt) };
    }
    throw new Error(`integer overflow: ${text}`);
  }
  let f: number;
  try {
    f = goParseFloat(text.replace(/_/g, ''));
  } catch {
    throw new Error(`illegal number syntax: ${JSON.stringify(text)}`);
  }
  const isInt = Number.isInteger(f) && Math.abs(f) < 2 ** 63;
  return { type: 'number', pos, text, isInt, isFloat: true, int: isInt ? BigInt(f) : 0n, float: f };
}

function parseGoInt(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(text);
  if (!m) return undefined;
  let body = m[2]!;
  if (body.includes('_')) {
    if (/__|_$/.test(body) || /^[0-9]/.test(body) && !/^0[xXoObB]?/.test(body)) return undefined;
    body = body.replace(/_/g, '');
  }
  let v: bigint;
  if (/^0[oO]/.test(body)) v = BigInt('0o' + body.slice(2));
  else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
  else v = BigInt(body);
  return m[1] === '-' ? -v : v;
}

/** Parser state for one template text; defined templates land in `trees`. */
class Parser {
  private i = 0;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private actionLine = 0;
  private current: Item;

  constructor(
    private readonly items: readonly Item[],
    private readonly parseName: string,
    private readonly text: string,
    private readonly hasFunction: (name: string) => boolean,
    private readonly trees: Map<string, Tree>,
  ) {
    this.current = items[0]!;
  }

  private errorf(msg: string): never {
    throw new TemplateParseError(`template: ${this.parseName}:${this.current.line}: ${msg}`);
  }

  private next(): Item {
    const it = this.items[Math.min(this.i, this.items.length - 1)]!;
    this.i++;
    this.current = it;
    return this.normalize(it);
  }

  /** break/continue are keywords only inside range, as Go's lexer decides. */
  private normalize(it: Item): Item {
    if ((it.typ === 'break' || it.typ === 'continue') && this.rangeDepth === 0) return { ...it, typ: 'identifier' };
    return it;
  }

  private backup(n = 1): void {
    this.i -= n;
  }

  private peek(): Item {
    const it = this.items[Math.min(this.i, this.items.length - 1)]!;
    this.current = it;
    return this.normalize(it);
  }

  private nextNonSpace(): Item {
    let t: Item;
    do t = this.next();
    while (t.typ === 'space');
    return t;
  }

  /** Like Go's peekNonSpace, this consumes the spaces before the token. */
  private peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.backup();
    return t;
  }

  private expect(typ: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.typ !== typ) this.unexpected(t, context);
    return t;
  }

  private unexpected(t: Item, context: string): never {
    if (t.typ === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.parseName}:${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${t.val}${extra}`);
    }
    this.errorf(`unexpected ${itemString(t)} in ${context}`);
  }

  /** Parses the top level, collecting {{define}} blocks as separate trees. */
  parseTop(name: string): Tree {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().typ !== 'eof') {
      if (this.peek().typ === 'leftDelim') {
        const save = this.i;
        this.next();
        if (this.nextNonSpace().typ === 'define') {
          const sub = new Parser(this.items, this.parseName, this.text, this.hasFunction, this.trees);
          sub.i = this.i;
          sub.parseDefinition();
          this.i = sub.i;
          continue;
        }
        this.i = save;
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    return { name, parseName: this.parseName, text: this.text, root };
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const t = this.nextNonSpace();
    if (t.typ !== 'string' && t.typ !== 'rawString') this.unexpected(t, context);
    let name: string;
    try {
      name = unquote(t.val);
    } catch (e) {
      this.errorf((e as Error).message);
    }
    this.expect('rightDelim', context);
    const [list, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.add({ name, parseName: this.parseName, text: this.text, root: list });
  }

  private add(tree: Tree): void {
    const old = this.trees.get(tree.name);
    if (old === undefined || isEmptyTree(old.root)) {
      this.trees.set(tree.name, tree);
      return;
    }
    if (!isEmptyTree(tree.root)) this.errorf(`template: multiple definition of template ${JSON.stringify(tree.name)}`);
  }

  private itemList(): [ListNode, Node] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().typ !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case 'text': return { type: 'text', pos: t.pos, text: t.val };
      case 'leftDelim':
        this.actionLine = t.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      case 'comment': return { type: 'comment', pos: t.pos, text: t.val };
    }
    this.unexpected(t, 'input');
  }

  private action(): Node {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case 'block': return this.blockControl();
      case 'break': return this.loopControl('break', t);
      case 'continue': return this.loopControl('continue', t);
      case 'else': return this.elseControl();
      case 'end': return { type: 'end', pos: this.expect('rightDelim', 'end').pos, line: t.line };
      case 'if': return this.branch('if');
      case 'range': return this.branch('range');
      case 'template': return this.templateControl();
      case 'with': return this.branch('with');
    }
    this.backup();
    const tok = this.peek();
    return { type: 'action', pos: tok.pos, line: tok.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private loopControl(kind: 'break' | 'continue', t: Item): Node {
    const tok = this.nextNonSpace();
    if (tok.typ !== 'rightDelim') this.unexpected(tok, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos: t.pos, line: t.line };
  }

  private elseControl(): Node {
    const p = this.peekNonSpace();
    if (p.typ === 'if' || p.typ === 'with') return { type: 'else', pos: p.pos, line: p.line };
    const t = this.expect('rightDelim', 'else');
    return { type: 'else', pos: t.pos, line: t.line };
  }

  private branch(context: 'if' | 'range' | 'with'): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, 'rightDelim');
      if (context === 'range') this.rangeDepth++;
      let list: ListNode;
      let next: Node;
      try {
        [list, next] = this.itemList();
      } finally {
        if (context === 'range') this.rangeDepth--;
      }
      let elseList: ListNode | null = null;
      if (next.type === 'else') {
        const p = this.peek();
        if (context === 'if' && p.typ === 'if') {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.branch('if')] };
        } else if (context === 'with' && p.typ === 'with') {
          this.next();
          elseList = { type: 'list', pos: next.pos, nodes: [this.branch('with')] };
        } else {
          let end: Node;
          [elseList, end] = this.itemList();
          if (end.type !== 'end') this.errorf(`expected end; found ${nodeString(end)}`);
        }
      }
      return { type: context, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }

  private parseTemplateName(t: Item, context: string): string {
    if (t.typ !== 'string' && t.typ !== 'rawString') this.unexpected(t, context);
    try {
      return unquote(t.val);
    } catch (e) {
      this.errorf((e as Error).message);
    }
  }

  private templateControl(): Node {
    const context = 'template clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    let pipe: PipeNode | null = null;
    if (this.nextNonSpace().typ !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private blockControl(): Node {
    const context = 'block clause';
    const t = this.nextNonSpace();
    const name = this.parseTemplateName(t, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const sub = new Parser(this.items, this.parseName, this.text, this.hasFunction, this.trees);
    sub.i = this.i;
    const [list, end] = sub.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    sub.add({ name, parseName: this.parseName, text: this.text, root: list });
    this.i = sub.i;
    return { type: 'template', pos: t.pos, line: t.line, name, pipe };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const tok = this.peekNonSpace();
    const pipe: PipeNode = { type: 'pipe', pos: tok.pos, line: tok.line, isAssign: false, decl: [], cmds: [] };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      const vIndex = this.i;
      this.nextNonSpace();
      const nxt = this.peekNonSpace();
      if (nxt.typ === 'assign' || nxt.typ === 'declare') {
        pipe.isAssign = nxt.typ === 'assign';
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
      } else if (nxt.typ === 'char' && nxt.val === ',') {
        this.nextNonSpace();
        pipe.decl.push({ type: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().typ;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else {
        this.i = vIndex;
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.typ === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (t.typ) {
        case 'bool': case 'charConstant': case 'dot': case 'field': case 'identifier': case 'number':
        case 'nil': case 'rawString': case 'string': case 'variable': case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          continue;
      }
      this.unexpected(t, context);
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0]!.type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.typ === 'space') continue;
      if (t.typ === 'rightDelim' || t.typ === 'rightParen') this.backup();
      else if (t.typ !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | null {
    const node = this.term();
    if (!node) return null;
    if (this.peek().typ === 'field') {
      const pos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().typ === 'field') fields.push(this.next().val.slice(1));
      switch (node.type) {
        case 'field': return { type: 'field', pos, ident: [...node.ident, ...fields] };
        case 'variable': return { type: 'variable', pos, ident: [...node.ident, ...fields] };
        case 'bool': case 'string': case 'number': case 'nil': case 'dot':
          this.errorf(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
      }
      return { type: 'chain', pos, node, field: fields };
    }
    return node;
  }

  private term(): ArgNode | null {
    const t = this.nextNonSpace();
    switch (t.typ) {
      case 'identifier':
        if (!this.hasFunction(t.val)) this.errorf(`function ${JSON.stringify(t.val)} not defined`);
        return { type: 'identifier', pos: t.pos, ident: t.val };
      case 'dot': return { type: 'dot', pos: t.pos };
      case 'nil': return { type: 'nil', pos: t.pos };
      case 'variable': {
        const ident = t.val.split('.');
        if (!this.vars.includes(ident[0]!)) this.errorf(`undefined variable ${JSON.stringify(ident[0])}`);
        return { type: 'variable', pos: t.pos, ident };
      }
      case 'field': return { type: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool': return { type: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'number':
        try {
          return newNumber(t.pos, t.val, t.typ);
        } catch (e) {
          this.errorf((e as Error).message);
        }
      case 'leftParen': return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString': {
        let text: string;
        try {
          text = unquote(t.val);
        } catch (e) {
          this.errorf((e as Error).message);
        }
        return { type: 'string', pos: t.pos, quoted: t.val, text };
      }
    }
    this.backup();
    return null;
  }
}

/** True for a tree of only whitespace text and comments (it may be redefined). */
export function isEmptyTree(n: Node): boolean {
  switch (n.type) {
    case 'list': return n.nodes.every(isEmptyTree);
    case 'text': return n.text.trim() === '';
    case 'comment': return true;
    default: return false;
  }
}

/**
 * Parses `text` as template `name`. Returns every tree it defines, the
 * top-level one under `name` (unless the body is empty and a define took the name).
 */
export function parseTemplate(name: string, text: string, hasFunction: (fn: string) => boolean): Map<string, Tree> {
  const items = lex(text);
  const trees = new Map<string, Tree>();
  const p = new Parser(items, name, text, hasFunction, trees);
  const top = p.parseTop(name);
  const old = trees.get(name);
  if (old === undefined || isEmptyTree(old.root)) trees.set(name, top);
  else if (!isEmptyTree(top.root)) throw new TemplateParseError(`template: ${name}: multiple definition of template ${JSON.stringify(name)}`);
  return trees;
}

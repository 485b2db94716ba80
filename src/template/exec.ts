/**
 * The text/template executor. It follows Go's exec.go step by step, including
 * which node an error is reported at, so messages read exactly like Go's:
 * `template: NAME:1:3: executing "NAME" at <.Foo>: map has no entry for key "Foo"`.
 */

import type { ArgNode, BranchNode, CommandNode, Node, NumberNode, PipeNode, Tree } from './parse.js';
import { nodeString } from './parse.js';
import { printValue, sprint } from './printf.js';
import { goQuote } from '../util/go_quote.js';
import {
  GoFuncValue, GoMap, GoObject, GoStruct, isTrue, sliceItems, typeName,
  type GoValue, type ParamType, type TemplateFunc,
} from './values.js';

/** What a missing map key yields: Go's Option("missingkey=...") values. */
export type MissingKey = 'default' | 'zero' | 'error';

/** An execution error; `message` is Go's full text. */
export class TemplateExecError extends Error {}

/** A function that needs the running template (e.g. Prometheus's `tmpl`). */
export interface ExecContext {
  /** Executes the named template of the same set with `data` as dot. */
  executeTemplate(name: string, data: GoValue): string;
}

/** A TemplateFunc that receives the ExecContext before its arguments. */
export interface ContextFunc extends TemplateFunc {
  readonly needsContext: true;
}

/** Everything the executor needs from the template set. */
export interface ExecEnv {
  readonly trees: ReadonlyMap<string, Tree>;
  readonly funcs: ReadonlyMap<string, TemplateFunc>;
  readonly builtins: ReadonlySet<string>;
  readonly missingKey: MissingKey;
}

const MISSING: unique symbol = Symbol('missing');
type Final = GoValue | typeof MISSING;

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

const MAX_DEPTH = 1000;

type AnyNode = Node | ArgNode | CommandNode;

function canBeNil(t: ParamType): boolean {
  if (t === 'any' || t === 'value') return true;
  if (typeof t === 'object') return t.nilable;
  return false;
}

function paramName(t: ParamType): string {
  if (t === 'any') return 'interface {}';
  if (t === 'value') return 'reflect.Value';
  if (typeof t === 'object') return t.name;
  return t;
}

function assignable(v: GoValue, t: ParamType): boolean {
  switch (t) {
    case 'any':
    case 'value': return true;
    case 'string': return typeof v === 'string';
    case 'float64': return typeof v === 'number';
    case 'int': return typeof v === 'bigint';
    case 'bool': return typeof v === 'boolean';
  }
  return t.accepts(v);
}

/** Reads from an interface-valued map turn a nil element into "no value", as Go's pipeline does. */
function unwrapInterface(v: GoValue, fromInterface: boolean): GoValue {
  return fromInterface && v === null ? undefined : v;
}

function utf8Len(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** One execution of one template: Go's `state`. */
class State {
  private node: AnyNode | null = null;
  private vars: { name: string; value: GoValue }[];
  out = '';

  constructor(
    private readonly env: ExecEnv,
    private readonly tree: Tree,
    dot: GoValue,
    private readonly depth: number,
  ) {
    this.vars = [{ name: '$', value: dot }];
  }

  private at(n: AnyNode): void {
    this.node = n;
  }

  private errorf(msg: string): never {
    const name = this.tree.name;
    if (this.node === null) throw new TemplateExecError(`template: ${name}: ${msg}`);
    const pos = this.node.pos;
    const text = this.tree.text.slice(0, pos);
    const nl = text.lastIndexOf('\n');
    const line = 1 + (text.match(/\n/g)?.length ?? 0);
    const col = utf8Len(text.slice(nl + 1));
    const loc = `${this.tree.parseName}:${line}:${col}`;
    throw new TemplateExecError(`template: ${loc}: executing ${goQuote(name)} at <${nodeString(this.node)}>: ${msg}`);
  }

  // --- variables -----------------------------------------------------------

  private mark(): number {
    return this.vars.length;
  }

  private pop(mark: number): void {
    this.vars.length = mark;
  }

  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: GoValue): void {
    this.vars[this.vars.length - n]!.value = value;
  }

  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!.value;
    this.errorf(`undefined variable: ${name}`);
  }

  // --- statements ----------------------------------------------------------

  walk(dot: GoValue, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return;
      }
      case 'break': throw BREAK;
      case 'continue': throw CONTINUE;
      case 'comment': return;
      case 'if':
      case 'with': return this.walkIfOrWith(node, dot);
      case 'list':
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case 'range': return this.walkRange(dot, node);
      case 'template': return this.walkTemplate(dot, node);
      case 'text':
        this.out += node.text;
        return;
    }
    this.errorf(`unknown node: ${nodeString(node)}`);
  }

  private printValue(n: AnyNode, v: GoValue): void {
    this.at(n);
    if (v instanceof GoFuncValue) this.errorf(`can't print ${nodeString(n)} of type ${v.goType}`);
    this.out += printValue(v);
  }

  private walkIfOrWith(node: BranchNode, dot: GoValue): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const { truth, ok } = isTrue(val);
      if (!ok) this.errorf(`if/with can't use ${sprint([val])}`);
      if (truth) this.walk(node.type === 'with' ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: GoValue, r: BranchNode): void {
    this.at(r);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, r.pipe);
      const mark = this.mark();
      const decl = r.pipe.decl;
      const oneIteration = (index: GoValue, elem: GoValue): void => {
        if (decl.length > 0) {
          if (r.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (r.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, r.list);
        } catch (e) {
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
      };
      let ran = false;
      try {
        const items = sliceItems(val);
        if (items) {
          items.forEach((el, i) => oneIteration(BigInt(i), el));
          ran = items.length > 0;
        } else if (val instanceof GoMap) {
          const iface = val.zero === undefined;
          for (const k of val.sortedKeys()) oneIteration(k, unwrapInterface(val.entries.get(k), iface));
          ran = val.entries.size > 0;
        } else if (typeof val === 'bigint') {
          if (decl.length > 1) this.errorf(`can't use ${val} to iterate over more than one variable`);
          for (let i = 0n; i < val; i++) oneIteration(i, i);
          ran = val > 0n;
        } else if (val !== undefined) {
          this.errorf(`range can't iterate over ${sprint([val])}`);
        }
      } catch (e) {
        if (e !== BREAK) throw e;
        ran = true;
      }
      if (!ran && r.elseList) this.walk(dot, r.elseList);
    } finally {
      this.pop(outer);
    }
  }

  private walkTemplate(dot: GoValue, t: Extract<Node, { type: 'template' }>): void {
    this.at(t);
    const tree = this.env.trees.get(t.name);
    if (tree === undefined) this.errorf(`template ${goQuote(t.name)} not defined`);
    if (this.depth >= MAX_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_DEPTH})`);
    const newDot = t.pipe ? this.evalPipeline(dot, t.pipe) : undefined;
    const sub = new State(this.env, tree, newDot, this.depth + 1);
    sub.walk(newDot, tree.root);
    this.out += sub.out;
  }

  // --- pipelines and commands ---------------------------------------------

  private evalPipeline(dot: GoValue, pipe: PipeNode): GoValue {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    const v = value === MISSING ? undefined : value;
    for (const variable of pipe.decl) {
      if (pipe.isAssign) this.setVar(variable.ident[0]!, v);
      else this.vars.push({ name: variable.ident[0]!, value: v });
    }
    return v;
  }

  private notAFunction(args: readonly ArgNode[] | null, final: Final): void {
    if ((args !== null && args.length > 1) || final !== MISSING) {
      this.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
    }
  }

  private evalCommand(dot: GoValue, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field': return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain': return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier': return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable': return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': this.errorf('nil is not a command');
      case 'number': return this.idealConstant(first);
      case 'string': return first.text;
    }
  }

  private idealConstant(c: NumberNode): GoValue {
    this.at(c);
    const isHexInt = c.text.length > 2 && c.text[0] === '0' && (c.text[1] === 'x' || c.text[1] === 'X') && !/[pP]/.test(c.text);
    const isRuneInt = c.text[0] === "'";
    if (c.isFloat && !isHexInt && !isRuneInt && /[.eEpP]/.test(c.text)) return c.float;
    if (c.isInt) return c.int;
    this.errorf(`${c.text} overflows int`);
  }

  private evalFieldNode(dot: GoValue, field: Extract<ArgNode, { type: 'field' }>, args: readonly ArgNode[] | null, final: Final): GoValue {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: GoValue, chain: Extract<ArgNode, { type: 'chain' }>, args: readonly ArgNode[] | null, final: Final): GoValue {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, null, chain.node);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(dot: GoValue, v: Extract<ArgNode, { type: 'variable' }>, args: readonly ArgNode[] | null, final: Final): GoValue {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(dot: GoValue, receiver: GoValue, node: AnyNode, ident: readonly string[], args: readonly ArgNode[] | null, final: Final): GoValue {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) receiver = this.evalField(dot, ident[i]!, node, null, MISSING, receiver);
    return this.evalField(dot, ident[n - 1]!, node, args, final, receiver);
  }

  private evalFunction(dot: GoValue, node: Extract<ArgNode, { type: 'identifier' }>, cmd: AnyNode, args: readonly ArgNode[] | null, final: Final): GoValue {
    this.at(node);
    const fn = this.env.funcs.get(node.ident);
    if (fn === undefined) this.errorf(`${goQuote(node.ident)} is not a defined function`);
    return this.evalCall(dot, fn, this.env.builtins.has(node.ident), cmd, node.ident, args, final);
  }

  private evalField(dot: GoValue, fieldName: string, node: AnyNode, args: readonly ArgNode[] | null, final: Final, receiver: GoValue): GoValue {
    if (receiver === undefined) {
      if (this.env.missingKey === 'error') this.errorf(`nil data; no entry for key ${goQuote(fieldName)}`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    if (receiver instanceof GoObject) {
      const method = receiver.method(fieldName);
      if (method) return this.evalCall(dot, method, false, node, fieldName, args, final);
    }
    const hasArgs = (args !== null && args.length > 1) || final !== MISSING;
    if (receiver instanceof GoStruct && receiver.fields.has(fieldName)) {
      if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
      return receiver.fields.get(fieldName);
    }
    if (receiver instanceof GoMap) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      if (receiver.entries.has(fieldName)) return unwrapInterface(receiver.entries.get(fieldName), receiver.zero === undefined);
      switch (this.env.missingKey) {
        case 'default': return undefined;
        case 'zero': return receiver.zero;
        case 'error': this.errorf(`map has no entry for key ${goQuote(fieldName)}`);
      }
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typeName(receiver)}`);
  }

  private evalCall(dot: GoValue, fun: TemplateFunc, isBuiltin: boolean, node: AnyNode, name: string, argNodes: readonly ArgNode[] | null, final: Final): GoValue {
    const args = argNodes ? argNodes.slice(1) : [];
    const params = fun.params;
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (fun.variadic !== undefined) {
      numFixed = params.length;
      if (numIn < numFixed) this.errorf(`wrong number of args for ${name}: want at least ${params.length} got ${args.length}`);
    } else if (numIn !== params.length) {
      this.errorf(`wrong number of args for ${name}: want ${params.length} got ${numIn}`);
    }

    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: GoValue = undefined;
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (isTrue(v).truth === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }

    const argv: GoValue[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) argv.push(this.evalArg(dot, params[i]!, args[i]!));
    if (fun.variadic !== undefined) for (; i < args.length; i++) argv.push(this.evalArg(dot, fun.variadic, args[i]!));
    if (final !== MISSING) {
      let t: ParamType = params[params.length - 1]!;
      if (fun.variadic !== undefined) t = numIn - 1 < numFixed ? params[numIn - 1]! : fun.variadic;
      argv.push(this.validateType(final, t));
    }

    try {
      if ((fun as ContextFunc).needsContext) {
        const ctx: ExecContext = { executeTemplate: (n, d) => this.executeNamed(n, d) };
        return fun.fn(ctx as unknown as GoValue, ...argv);
      }
      return fun.fn(...argv);
    } catch (e) {
      if (e instanceof TemplateExecError && isBuiltin && name === 'call') throw e;
      this.at(node);
      const msg = e instanceof Error ? e.message : String(e);
      this.errorf(`error calling ${name}: ${msg}`);
    }
  }

  /** Runs a named template for functions like `tmpl`; throws its error as-is. */
  private executeNamed(name: string, data: GoValue): string {
    const tree = this.env.trees.get(name);
    if (tree === undefined) throw new Error(`template: no template ${goQuote(name)} associated with template ${goQuote(this.tree.name)}`);
    if (this.depth >= MAX_DEPTH) throw new Error(`exceeded maximum template depth (${MAX_DEPTH})`);
    const sub = new State(this.env, tree, data, this.depth + 1);
    sub.walk(data, tree.root);
    return sub.out;
  }

  private validateType(value: GoValue, typ: ParamType | null): GoValue {
    if (value === undefined) {
      if (typ === null || typ === 'value') return undefined;
      if (canBeNil(typ)) return null;
      this.errorf(`invalid value; expected ${paramName(typ)}`);
    }
    if (typ !== null && !assignable(value, typ)) {
      this.errorf(`wrong type for value; expected ${paramName(typ)}; got ${typeName(value)}`);
    }
    return value;
  }

  private evalArg(dot: GoValue, typ: ParamType | null, n: ArgNode): GoValue {
    this.at(n);
    switch (n.type) {
      case 'dot': return this.validateType(dot, typ);
      case 'nil':
        if (typ === null || canBeNil(typ)) return typ === 'value' ? undefined : null;
        this.errorf(`cannot assign nil to ${paramName(typ)}`);
      case 'field': return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case 'variable': return this.validateType(this.evalVariableNode(dot, n, null, MISSING), typ);
      case 'pipe': return this.validateType(this.evalPipeline(dot, n), typ);
      case 'identifier': return this.validateType(this.evalFunction(dot, n, n, null, MISSING), typ);
      case 'chain': return this.validateType(this.evalChainNode(dot, n, null, MISSING), typ);
    }
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float;
        this.errorf(`expected float; found ${nodeString(n)}`);
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      case 'any':
      case 'value':
      case null:
        return this.evalEmptyInterface(dot, n);
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${paramName(typ)}`);
  }

  private evalEmptyInterface(dot: GoValue, n: ArgNode): GoValue {
    this.at(n);
    switch (n.type) {
      case 'bool': return n.value;
      case 'dot': return dot;
      case 'field': return this.evalFieldNode(dot, n, null, MISSING);
      case 'identifier': return this.evalFunction(dot, n, n, null, MISSING);
      case 'number': return this.idealConstant(n);
      case 'string': return n.text;
      case 'variable': return this.evalVariableNode(dot, n, null, MISSING);
      case 'pipe': return this.evalPipeline(dot, n);
    }
    this.errorf(`can't handle assignment of ${nodeString(n)} to empty interface argument`);
  }
}

/** Executes the template `name` of the set with `data` as dot; throws TemplateExecError. */
export function execute(env: ExecEnv, name: string, data: GoValue): string {
  const tree = env.trees.get(name);
  if (tree === undefined) throw new TemplateExecError(`template: no template ${goQuote(name)} associated with template ${goQuote(name)}`);
  const st = new State(env, tree, data, 0);
  try {
    st.walk(data, tree.root);
  } catch (e) {
    if (e instanceof RangeError && /call stack/.test(e.message)) throw new TemplateExecError(`template: ${name}: exceeded maximum template depth (${MAX_DEPTH})`);
    throw e;
  }
  return st.out;
}

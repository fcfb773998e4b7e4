/**
 * A restricted Python unpickler: enough of the pickle machine (protocols 2–5) to read a
 * PyTorch `state_dict`, and nothing more. Classes are never imported by name: every
 * `GLOBAL` goes through the caller's `findClass`, which returns a plain TypeScript function
 * or refuses. Unknown opcodes are an error. Loading a pickle therefore never runs code that
 * the file names, unlike Python's `pickle.load`.
 *
 * Python values map to: `str` → string, `int` → number (bigint beyond 2^53), `float` →
 * number, `bool`/`None` → boolean/null, `bytes` → Uint8Array, `tuple`/`list` → array,
 * `dict`/`OrderedDict` → {@linkcode PyDict}.
 *
 * @module
 */

/** Thrown for a pickle this reader does not accept: what was found and where. */
export class PickleError extends Error {
  override name = "PickleError";
}

/** A Python dict (insertion ordered, like `OrderedDict`); `state` holds what `BUILD` set on it. */
export class PyDict extends Map<unknown, unknown> {
  state: unknown = undefined;
}

/** A callable a pickle may reference; `REDUCE`/`NEWOBJ` call it with the pickled arguments. */
export type PyCallable = (...args: unknown[]) => unknown;

/** What the caller lets a pickle use. */
export interface UnpicklerHooks {
  /** Resolves `module.name` to a callable, or throws a {@linkcode PickleError}. */
  findClass(module: string, name: string): PyCallable;
  /** Resolves a persistent id (`BINPERSID`), e.g. PyTorch's storage references. */
  persistentLoad?(pid: unknown): unknown;
}

const MARK = Symbol("mark");
const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Little-endian reads from the pickle's bytes, each refusing to run past the end. */
class PickleReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;

  constructor(bytes: Uint8Array, offset: number) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = offset;
  }

  need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new PickleError(`pickle truncated at byte ${this.pos} (needed ${n} more bytes)`);
    }
  }

  #advance(n: number): number {
    this.need(n);
    this.pos += n;
    return this.pos - n;
  }

  u8 = (): number => this.bytes[this.#advance(1)];
  u16 = (): number => this.view.getUint16(this.#advance(2), true);
  u32 = (): number => this.view.getUint32(this.#advance(4), true);
  i32 = (): number => this.view.getInt32(this.#advance(4), true);
  f64be = (): number => this.view.getFloat64(this.#advance(8), false);

  u64 = (): number => {
    const at = this.#advance(8);
    const n = this.view.getBigUint64(at, true);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${n} at byte ${at} is too large`);
    return Number(n);
  };

  take = (n: number): Uint8Array => {
    const at = this.#advance(n);
    return this.bytes.subarray(at, at + n);
  };

  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new PickleError(`unterminated line at byte ${this.pos}`);
    const text = latin1.decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return text;
  }
}

/** The pickle machine's state: the stack, its marks, the memo, and the caller's hooks. */
class PickleMachine extends PickleReader {
  readonly stack: unknown[] = [];
  readonly marks: number[] = [];
  readonly memo = new Map<number, unknown>();
  readonly hooks: UnpicklerHooks;

  constructor(bytes: Uint8Array, offset: number, hooks: UnpicklerHooks) {
    super(bytes, offset);
    this.hooks = hooks;
  }

  push(value: unknown): void {
    this.stack.push(value);
  }

  pop(): unknown {
    if (this.stack.length === 0 || this.stack.at(-1) === MARK) {
      throw new PickleError(`stack underflow at byte ${this.pos}`);
    }
    return this.stack.pop();
  }

  /** Everything pushed since the last MARK (which is dropped). */
  popMark(): unknown[] {
    const at = this.marks.pop();
    if (at === undefined) throw new PickleError(`no MARK before byte ${this.pos}`);
    const items = this.stack.splice(at);
    items.shift(); // the MARK itself
    return items;
  }

  top(): unknown {
    if (this.stack.length === 0) throw new PickleError(`stack underflow at byte ${this.pos}`);
    return this.stack[this.stack.length - 1];
  }

  topDict(): PyDict {
    const value = this.top();
    if (!(value instanceof PyDict)) throw new PickleError(`SETITEM on a non-dict at byte ${this.pos}`);
    return value;
  }

  topList(): unknown[] {
    const value = this.top();
    if (!Array.isArray(value)) throw new PickleError(`APPEND on a non-list at byte ${this.pos}`);
    return value;
  }

  /** Calls the callable under the argument tuple on the stack (REDUCE, NEWOBJ). */
  callTop(): unknown {
    const args = this.pop(), fn = this.pop();
    if (typeof fn !== "function") throw new PickleError(`REDUCE of a non-callable at byte ${this.pos}`);
    if (!Array.isArray(args)) throw new PickleError(`REDUCE arguments are not a tuple at byte ${this.pos}`);
    return (fn as PyCallable)(...args);
  }

  findClass(module: unknown, name: unknown, at: number): PyCallable {
    if (typeof module !== "string" || typeof name !== "string") {
      throw new PickleError(`STACK_GLOBAL needs two strings (byte ${at})`);
    }
    return this.hooks.findClass(module, name);
  }
}

/** A Python int from its little-endian two's-complement bytes (LONG1, LONG4); bigint beyond 2^53. */
function signedLittleEndian(b: Uint8Array): number | bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  if (b.length > 0 && b[b.length - 1] & 0x80) n -= 1n << BigInt(8 * b.length);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** One opcode's effect on the machine (`at`: the opcode's byte offset, for errors). */
type Opcode = (m: PickleMachine, at: number) => void;

/** Setting up frames, marks, tuples, lists and dicts. */
const CONTAINER_OPCODES: [number, Opcode][] = [
  [0x80, (m, at) => { // PROTO
    if (m.u8() > 5) throw new PickleError(`pickle protocol above 5 at byte ${at}`);
  }],
  [0x95, (m) => void m.u64()], // FRAME (a length hint only)
  [0x28, (m) => { // MARK
    m.marks.push(m.stack.length);
    m.push(MARK);
  }],
  [0x7d, (m) => m.push(new PyDict())], // EMPTY_DICT
  [0x5d, (m) => m.push([])], // EMPTY_LIST
  [0x29, (m) => m.push([])], // EMPTY_TUPLE
  [0x74, (m) => m.push(m.popMark())], // TUPLE
  [0x6c, (m) => m.push(m.popMark())], // LIST
  [0x64, (m) => { // DICT
    const items = m.popMark();
    const dict = new PyDict();
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
    m.push(dict);
  }],
  [0x85, (m) => m.push([m.pop()])], // TUPLE1
  [0x86, (m) => { // TUPLE2
    const b = m.pop(), a = m.pop();
    m.push([a, b]);
  }],
  [0x87, (m) => { // TUPLE3
    const c = m.pop(), b = m.pop(), a = m.pop();
    m.push([a, b, c]);
  }],
  [0x30, (m) => m.stack.at(-1) === MARK ? m.popMark() : m.pop()], // POP
  [0x31, (m) => m.popMark()], // POP_MARK
  [0x32, (m) => m.push(m.top())], // DUP
];

/** Strings, bytes, numbers, booleans and None. */
const SCALAR_OPCODES: [number, Opcode][] = [
  [0x58, (m) => m.push(utf8.decode(m.take(m.u32())))], // BINUNICODE
  [0x8c, (m) => m.push(utf8.decode(m.take(m.u8())))], // SHORT_BINUNICODE
  [0x8d, (m) => m.push(utf8.decode(m.take(m.u64())))], // BINUNICODE8
  [0x54, (m) => m.push(latin1.decode(m.take(m.i32())))], // BINSTRING (Python 2 str)
  [0x55, (m) => m.push(latin1.decode(m.take(m.u8())))], // SHORT_BINSTRING
  [0x42, (m) => m.push(m.take(m.u32()).slice())], // BINBYTES
  [0x43, (m) => m.push(m.take(m.u8()).slice())], // SHORT_BINBYTES
  [0x8e, (m) => m.push(m.take(m.u64()).slice())], // BINBYTES8
  [0x4a, (m) => m.push(m.i32())], // BININT
  [0x4b, (m) => m.push(m.u8())], // BININT1
  [0x4d, (m) => m.push(m.u16())], // BININT2
  [0x8a, (m) => m.push(signedLittleEndian(m.take(m.u8())))], // LONG1
  [0x8b, (m) => m.push(signedLittleEndian(m.take(m.u32())))], // LONG4
  [0x47, (m) => m.push(m.f64be())], // BINFLOAT (big-endian double)
  [0x88, (m) => m.push(true)], // NEWTRUE
  [0x89, (m) => m.push(false)], // NEWFALSE
  [0x4e, (m) => m.push(null)], // NONE
];

/** The memo: values kept by index and pushed again. */
const MEMO_OPCODES: [number, Opcode][] = [
  [0x71, (m) => void m.memo.set(m.u8(), m.top())], // BINPUT
  [0x72, (m) => void m.memo.set(m.u32(), m.top())], // LONG_BINPUT
  [0x94, (m) => void m.memo.set(m.memo.size, m.top())], // MEMOIZE
  [0x68, (m, at) => memoGet(m, m.u8(), at)], // BINGET
  [0x6a, (m, at) => memoGet(m, m.u32(), at)], // LONG_BINGET
];

function memoGet(m: PickleMachine, key: number, at: number): void {
  if (!m.memo.has(key)) throw new PickleError(`memo ${key} read before it was written (byte ${at})`);
  m.push(m.memo.get(key));
}

/** Objects: callables found through the hooks, calls, state, dict and list items, persistent ids. */
const OBJECT_OPCODES: [number, Opcode][] = [
  [0x63, (m, at) => { // GLOBAL
    const module = m.line();
    m.push(m.findClass(module, m.line(), at));
  }],
  [0x93, (m, at) => { // STACK_GLOBAL
    const name = m.pop(), module = m.pop();
    m.push(m.findClass(module, name, at));
  }],
  [0x52, (m) => m.push(m.callTop())], // REDUCE
  [0x81, (m) => m.push(m.callTop())], // NEWOBJ: cls.__new__(cls, *args)
  [0x62, (m, at) => { // BUILD
    const state = m.pop();
    const target = m.top();
    if (!(target instanceof PyDict)) throw new PickleError(`BUILD on an object this reader does not know (byte ${at})`);
    target.state = state;
  }],
  [0x73, (m) => { // SETITEM
    const value = m.pop(), key = m.pop();
    m.topDict().set(key, value);
  }],
  [0x75, (m) => { // SETITEMS
    const items = m.popMark();
    const dict = m.topDict();
    for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
  }],
  [0x61, (m) => { // APPEND
    const value = m.pop();
    m.topList().push(value);
  }],
  [0x65, (m) => { // APPENDS
    const items = m.popMark();
    m.topList().push(...items);
  }],
  [0x51, (m, at) => { // BINPERSID
    if (!m.hooks.persistentLoad) throw new PickleError(`persistent id without a loader (byte ${at})`);
    m.push(m.hooks.persistentLoad(m.pop()));
  }],
];

/** Every opcode a state_dict may use; any other is refused. */
const OPCODES = new Map<number, Opcode>([...CONTAINER_OPCODES, ...SCALAR_OPCODES, ...MEMO_OPCODES, ...OBJECT_OPCODES]);
const STOP = 0x2e;

/**
 * Runs one pickle starting at `offset`; returns its value and the offset just after `STOP`
 * (PyTorch's legacy format puts several pickles back to back).
 *
 * @example
 * ```ts
 * const { value } = unpickle(bytes, 0, { findClass: (m, n) => { throw new PickleError(`${m}.${n}`); } });
 * ```
 */
export function unpickle(bytes: Uint8Array, offset: number, hooks: UnpicklerHooks): { value: unknown; end: number } {
  const machine = new PickleMachine(bytes, offset, hooks);
  for (;;) {
    const at = machine.pos;
    const op = machine.u8();
    if (op === STOP) return { value: machine.pop(), end: machine.pos };
    const run = OPCODES.get(op);
    if (!run) {
      throw new PickleError(
        `pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at} is not allowed in a state_dict`,
      );
    }
    run(machine, at);
  }
}

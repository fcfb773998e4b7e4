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
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const latin1 = new TextDecoder("latin1");
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  let pos = offset;

  const need = (n: number) => {
    if (pos + n > bytes.length) throw new PickleError(`pickle truncated at byte ${pos} (needed ${n} more bytes)`);
  };
  const u8 = () => (need(1), bytes[pos++]);
  const u16 = () => (need(2), pos += 2, view.getUint16(pos - 2, true));
  const u32 = () => (need(4), pos += 4, view.getUint32(pos - 4, true));
  const i32 = () => (need(4), pos += 4, view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const n = view.getBigUint64(pos, true);
    pos += 8;
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new PickleError(`length ${n} at byte ${pos - 8} is too large`);
    return Number(n);
  };
  const take = (n: number) => (need(n), pos += n, bytes.subarray(pos - n, pos));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new PickleError(`unterminated line at byte ${pos}`);
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = () => {
    if (stack.length === 0 || stack.at(-1) === MARK) throw new PickleError(`stack underflow at byte ${pos}`);
    return stack.pop();
  };
  const popMark = () => {
    const at = marks.pop();
    if (at === undefined) throw new PickleError(`no MARK before byte ${pos}`);
    const items = stack.splice(at);
    items.shift(); // the MARK itself
    return items;
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError(`stack underflow at byte ${pos}`);
    return stack[stack.length - 1];
  };
  const asDict = (value: unknown) => {
    if (!(value instanceof PyDict)) throw new PickleError(`SETITEM on a non-dict at byte ${pos}`);
    return value;
  };
  const asList = (value: unknown) => {
    if (!Array.isArray(value)) throw new PickleError(`APPEND on a non-list at byte ${pos}`);
    return value;
  };
  const call = (fn: unknown, args: unknown) => {
    if (typeof fn !== "function") throw new PickleError(`REDUCE of a non-callable at byte ${pos}`);
    if (!Array.isArray(args)) throw new PickleError(`REDUCE arguments are not a tuple at byte ${pos}`);
    return (fn as PyCallable)(...args);
  };
  const signedLittleEndian = (b: Uint8Array): number | bigint => {
    let n = 0n;
    for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
    if (b.length > 0 && b[b.length - 1] & 0x80) n -= 1n << BigInt(8 * b.length);
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw new PickleError(`pickle protocol above 5 at byte ${at}`);
        break;
      case 0x95: // FRAME (a length hint only)
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: { // DICT
        const items = popMark();
        const dict = new PyDict();
        for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
        stack.push(dict);
        break;
      }
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: { // TUPLE2
        const b = pop(), a = pop();
        stack.push([a, b]);
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop(), b = pop(), a = pop();
        stack.push([a, b, c]);
        break;
      }
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(take(u64())));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1.decode(take(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1.decode(take(u8())));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(signedLittleEndian(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(signedLittleEndian(take(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const key = op === 0x68 ? u8() : u32();
        if (!memo.has(key)) throw new PickleError(`memo ${key} read before it was written (byte ${at})`);
        stack.push(memo.get(key));
        break;
      }
      case 0x63: { // GLOBAL
        const module = line();
        stack.push(hooks.findClass(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== "string" || typeof name !== "string") {
          throw new PickleError(`STACK_GLOBAL needs two strings (byte ${at})`);
        }
        stack.push(hooks.findClass(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        if (target instanceof PyDict) target.state = state;
        else throw new PickleError(`BUILD on an object this reader does not know (byte ${at})`);
        break;
      }
      case 0x73: { // SETITEM
        const value = pop(), key = pop();
        asDict(top()).set(key, value);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        const dict = asDict(top());
        for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: { // APPEND
        const value = pop();
        asList(top()).push(value);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        asList(top()).push(...items);
        break;
      }
      case 0x51: { // BINPERSID
        if (!hooks.persistentLoad) throw new PickleError(`persistent id without a loader (byte ${at})`);
        stack.push(hooks.persistentLoad(pop()));
        break;
      }
      case 0x30: // POP
        if (stack.at(-1) === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      default:
        throw new PickleError(
          `pickle opcode 0x${op.toString(16).padStart(2, "0")} at byte ${at} is not allowed in a state_dict`,
        );
    }
  }
}

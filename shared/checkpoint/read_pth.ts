/**
 * Reads a PyTorch `.pth` `state_dict` in pure TypeScript: the zip format (`torch.save` since
 * PyTorch 1.6) and the legacy format (pickles followed by raw storages) that older files such
 * as torchvision's first `alexnet-owt-*.pth` use. The pickle is run by
 * {@linkcode unpickle} with a fixed allow-list of the classes a state_dict needs
 * (`OrderedDict`, the tensor rebuild functions, the storage types); anything else — a pickled
 * `nn.Module`, arbitrary callables — is refused with a {@linkcode PthFormatError}.
 *
 * @module
 */
import { unzipSync } from "fflate";
import { PickleError, type PyCallable, PyDict, unpickle } from "./restricted_unpickler.ts";

/** Thrown for a file that is not a state_dict this reader can import, saying why. */
export class PthFormatError extends Error {
  override name = "PthFormatError";
}

/** One tensor of a state_dict, C-ordered; every dtype's values are converted to float32. */
export interface TorchTensor {
  /** PyTorch's storage type name, e.g. `FloatStorage`. */
  storageType: string;
  shape: number[];
  data: Float32Array;
}

const ELEMENT_BYTES: Record<string, number> = {
  FloatStorage: 4,
  DoubleStorage: 8,
  HalfStorage: 2,
  BFloat16Storage: 2,
  LongStorage: 8,
  IntStorage: 4,
  ShortStorage: 2,
  CharStorage: 1,
  ByteStorage: 1,
  BoolStorage: 1,
};

class StorageType {
  constructor(readonly name: string) {}
}
interface StorageRef {
  key: string;
  type: StorageType;
  numel: number;
}
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function intTuple(value: unknown, what: string): number[] {
  if (!Array.isArray(value) || !value.every((n) => Number.isInteger(n))) {
    throw new PthFormatError(`${what} is not a tuple of integers`);
  }
  return value as number[];
}

function asInt(value: unknown, what: string): number {
  if (!Number.isInteger(value)) throw new PthFormatError(`${what} is not an integer`);
  return value as number;
}

/** The allow-list: the only names a state_dict pickle may reference. */
function findStateDictClass(module: string, name: string): PyCallable {
  if (module === "collections" && name === "OrderedDict") return () => new PyDict();
  if (module === "torch._utils" && name === "_rebuild_tensor_v2") {
    return (storage, offset, size, stride) => {
      if (!(storage && typeof storage === "object" && "key" in storage)) {
        throw new PthFormatError("_rebuild_tensor_v2 without a storage");
      }
      return new TensorRef(
        storage as StorageRef,
        asInt(offset, "storage offset"),
        intTuple(size, "tensor size"),
        intTuple(stride, "tensor stride"),
      );
    };
  }
  if (module === "torch._utils" && name === "_rebuild_parameter") {
    return (data) => {
      if (!(data instanceof TensorRef)) throw new PthFormatError("_rebuild_parameter without a tensor");
      return data;
    };
  }
  if (module === "torch" && name in ELEMENT_BYTES) {
    const type = new StorageType(name);
    return Object.assign(() => type, { storageType: type });
  }
  throw new PthFormatError(
    `the pickle references ${module}.${name}, which a state_dict does not need; ` +
      `only state_dicts are imported (save one with torch.save(model.state_dict(), path))`,
  );
}

function storageTypeOf(value: unknown): StorageType {
  const type = (value as { storageType?: unknown })?.storageType;
  if (!(type instanceof StorageType)) throw new PthFormatError("a storage reference without a known storage type");
  return type;
}

/** PyTorch's persistent ids: `('storage', type, key, location, numel[, view])`. */
function storageRef(pid: unknown): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== "storage") {
    throw new PthFormatError(`unknown persistent id ${JSON.stringify(Array.isArray(pid) ? pid[0] : pid)}`);
  }
  if (pid[5] !== undefined && pid[5] !== null) throw new PthFormatError("storage views are not supported");
  return { type: storageTypeOf(pid[1]), key: String(pid[2]), numel: asInt(pid[4], "storage size") };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decodes `numel` little-endian elements of a storage type to float32. */
function storageValues(bytes: Uint8Array, type: StorageType, numel: number): Float32Array {
  const size = ELEMENT_BYTES[type.name];
  if (bytes.length < numel * size) {
    throw new PthFormatError(
      `a ${type.name} of ${numel} elements has only ${bytes.length} bytes: the file is truncated`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, numel * size);
  const out = new Float32Array(numel);
  // bfloat16 is the top half of a float32.
  const bits = new Uint32Array(1), bitsAsFloat = new Float32Array(bits.buffer);
  const read: (i: number) => number = {
    FloatStorage: (i: number) => view.getFloat32(i * 4, true),
    DoubleStorage: (i: number) => view.getFloat64(i * 8, true),
    HalfStorage: (i: number) => halfToFloat(view.getUint16(i * 2, true)),
    BFloat16Storage: (i: number) => (bits[0] = view.getUint16(i * 2, true) << 16, bitsAsFloat[0]),
    LongStorage: (i: number) => Number(view.getBigInt64(i * 8, true)),
    IntStorage: (i: number) => view.getInt32(i * 4, true),
    ShortStorage: (i: number) => view.getInt16(i * 2, true),
    CharStorage: (i: number) => view.getInt8(i),
    ByteStorage: (i: number) => view.getUint8(i),
    BoolStorage: (i: number) => view.getUint8(i),
  }[type.name]!;
  if (type.name === "FloatStorage" && bytes.byteOffset % 4 === 0) {
    out.set(new Float32Array(bytes.buffer, bytes.byteOffset, numel));
  } else {
    for (let i = 0; i < numel; i++) out[i] = read(i);
  }
  return out;
}

/** Copies a (possibly strided) view of a storage into a C-ordered array. */
function materialise(ref: TensorRef, storage: Float32Array): Float32Array {
  const { shape, stride, offset } = ref;
  const count = shape.reduce((a, b) => a * b, 1);
  if (count === 0) return new Float32Array(0);
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (offset < 0 || last >= storage.length) {
    throw new PthFormatError(`a tensor of shape [${shape}] reaches past its storage of ${storage.length} elements`);
  }
  const out = new Float32Array(count);
  const index = new Array(shape.length).fill(0);
  let src = offset;
  for (let i = 0; i < count; i++) {
    out[i] = storage[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      src += stride[d];
      if (index[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

function runStateDictPickle(bytes: Uint8Array, offset: number, storages: Map<string, StorageRef>) {
  try {
    return unpickle(bytes, offset, {
      findClass: findStateDictClass,
      persistentLoad: (pid) => {
        const ref = storageRef(pid);
        const known = storages.get(ref.key);
        if (known) return known;
        storages.set(ref.key, ref);
        return ref;
      },
    });
  } catch (error) {
    if (error instanceof PickleError) throw new PthFormatError(`not a readable state_dict: ${error.message}`);
    throw error;
  }
}

function collectTensors(root: unknown, storageBytes: (ref: StorageRef) => Uint8Array): Map<string, TorchTensor> {
  // Checkpoints saved by training scripts often wrap the weights: {"state_dict": …} or {"model": …}.
  let dict = root;
  for (const wrapper of ["state_dict", "model"]) {
    if (dict instanceof PyDict && !hasTensor(dict) && dict.get(wrapper) instanceof PyDict) dict = dict.get(wrapper);
  }
  if (!(dict instanceof PyDict)) throw new PthFormatError("the file does not hold a dict of tensors (a state_dict)");
  const decoded = new Map<StorageRef, Float32Array>();
  const tensors = new Map<string, TorchTensor>();
  for (const [key, value] of dict) {
    if (!(value instanceof TensorRef)) continue;
    let values = decoded.get(value.storage);
    if (!values) {
      values = storageValues(storageBytes(value.storage), value.storage.type, value.storage.numel);
      decoded.set(value.storage, values);
    }
    tensors.set(String(key), {
      storageType: value.storage.type.name,
      shape: value.shape,
      data: materialise(value, values),
    });
  }
  if (tensors.size === 0) throw new PthFormatError("the state_dict holds no tensors");
  return tensors;
}

function hasTensor(dict: PyDict): boolean {
  for (const value of dict.values()) if (value instanceof TensorRef) return true;
  return false;
}

function readZipStateDict(bytes: Uint8Array): Map<string, TorchTensor> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new PthFormatError(`the zip archive is damaged: ${(error as Error).message}`);
  }
  const pickleName = Object.keys(entries).find((name) => name.endsWith("/data.pkl") || name === "data.pkl");
  if (!pickleName) throw new PthFormatError("the zip archive has no data.pkl: not a torch.save file");
  const root = pickleName.slice(0, -"data.pkl".length);
  const byteorder = entries[`${root}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== "little") {
    throw new PthFormatError("big-endian .pth files are not supported");
  }
  const { value } = runStateDictPickle(entries[pickleName], 0, new Map());
  return collectTensors(value, (ref) => {
    const data = entries[`${root}data/${ref.key}`];
    if (!data) throw new PthFormatError(`storage ${ref.key} is missing from the archive`);
    return data;
  });
}

function readLegacyStateDict(bytes: Uint8Array): Map<string, TorchTensor> {
  const plain = { findClass: findStateDictClass };
  let pos = 0;
  const next = () => {
    try {
      const { value, end } = unpickle(bytes, pos, plain);
      pos = end;
      return value;
    } catch (error) {
      if (error instanceof PickleError) throw new PthFormatError(`not a readable .pth file: ${error.message}`);
      throw error;
    }
  };
  const magic = next();
  if (magic !== LEGACY_MAGIC) throw new PthFormatError("not a PyTorch file (no zip header, no legacy magic number)");
  const protocol = next();
  if (protocol !== 1001) throw new PthFormatError(`legacy protocol ${protocol} is not supported (expected 1001)`);
  const sysInfo = next();
  if (sysInfo instanceof PyDict && sysInfo.get("little_endian") === false) {
    throw new PthFormatError("big-endian .pth files are not supported");
  }
  const storages = new Map<string, StorageRef>();
  const { value: root, end } = runStateDictPickle(bytes, pos, storages);
  pos = end;
  const keys = next();
  if (!Array.isArray(keys)) throw new PthFormatError("the storage key list is missing");
  // After the key list: for each storage, its element count (int64) and then its raw bytes.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Map<string, Uint8Array>();
  for (const key of keys) {
    const ref = storages.get(String(key));
    if (!ref) throw new PthFormatError(`storage ${key} is listed but never used`);
    if (pos + 8 > bytes.length) throw new PthFormatError(`the file ends before storage ${key}: it is truncated`);
    const numel = Number(view.getBigInt64(pos, true));
    const length = numel * ELEMENT_BYTES[ref.type.name];
    pos += 8;
    if (pos + length > bytes.length) throw new PthFormatError(`storage ${key} is cut short: the file is truncated`);
    data.set(ref.key, bytes.subarray(pos, pos + length));
    pos += length;
  }
  return collectTensors(root, (ref) => {
    const found = data.get(ref.key);
    if (!found) throw new PthFormatError(`storage ${ref.key} has no data in the file`);
    return found;
  });
}

/**
 * Reads every tensor of a `.pth` state_dict, keyed as in PyTorch (`features.0.weight`, …).
 *
 * @example
 * ```ts
 * const tensors = readPthStateDict(await Deno.readFile("alexnet-owt-7be5be79.pth"));
 * tensors.get("features.0.weight")!.shape; // [64, 3, 11, 11]
 * ```
 */
export function readPthStateDict(bytes: Uint8Array): Map<string, TorchTensor> {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return readZipStateDict(bytes);
  if (bytes[0] === 0x80) return readLegacyStateDict(bytes);
  throw new PthFormatError("not a PyTorch .pth file (neither a zip archive nor a pickle)");
}

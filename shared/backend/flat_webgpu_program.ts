/**
 * A WebGPU program with one invocation per output element, laid out flat, as TF.js's
 * element-wise kernels are: the shader's `main(index)` computes element `index` of `shape`
 * (guarding `index < uniforms.size`) with TF.js's generated helpers (`getCoordsFromIndex`,
 * `get<Input>(…)`, `setOutputAtIndex`). The max-pool gradient's two passes and the LRN gradient
 * are such programs; what differs between them is their inputs, uniforms and shader code.
 *
 * @module
 */
import { webgpu_util, type WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";

/** What `runWebGPUProgram` takes (TF.js does not export the type under a name). */
export type WebGPUProgram = Parameters<WebGPUBackend["runWebGPUProgram"]>[0];

/** A flat program's parts. */
export interface FlatProgramSpec {
  /** Names of the inputs, in the order they are passed (`x` → `getX`, `x[i]`). */
  inputs: string[];
  /** Extra uniform fields in WGSL (`"radius : i32, bias : f32,"`), or "". */
  uniforms: string;
  /** The output's shape: one invocation per element. */
  shape: number[];
  /** Invocations per workgroup. */
  workgroup: number;
  /** Names the compiled pipeline in TF.js's cache: one per distinct shader text. */
  shaderKey: string;
  /** WGSL defining `fn main(index : i32)` (and any helpers). */
  code: string;
}

/**
 * @example
 * ```ts
 * const program = flatProgram({
 *   inputs: ["x"], uniforms: "", shape: x.shape, workgroup: 64, shaderKey: "double",
 *   code: "fn main(index : i32) { if (index < uniforms.size) { setOutputAtIndex(index, 2.0 * x[index]); } }",
 * });
 * backend.runWebGPUProgram(program, [x], "float32");
 * ```
 */
export function flatProgram(spec: FlatProgramSpec): WebGPUProgram {
  const layout = webgpu_util.flatDispatchLayout(spec.shape);
  const workgroupSize: [number, number, number] = [spec.workgroup, 1, 1];
  return {
    variableNames: spec.inputs,
    uniforms: spec.uniforms,
    workgroupSize,
    size: true,
    outputShape: spec.shape,
    dispatchLayout: layout,
    dispatch: webgpu_util.computeDispatch(layout, spec.shape, workgroupSize),
    shaderKey: spec.shaderKey,
    getUserCode: () => spec.code,
  } as unknown as WebGPUProgram;
}

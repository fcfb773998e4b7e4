/**
 * The error for input of the wrong shape (a model input, a batch), kept apart from the model
 * code so that callers without TF.js can throw and catch it.
 *
 * @module
 */

/** A batch whose shape does not fit the network. */
export class InputShapeError extends Error {
  override name = "InputShapeError";
}

/**
 * The layers whose outputs serve as image embeddings (retrieval indexes fc7), apart from the
 * model code so that code without TF.js can name them.
 *
 * @module
 */

/** The layer whose output is each embedding. */
export const EMBEDDING_LAYERS = { pool5: "pool5_flat", fc6: "fc6", fc7: "fc7" } as const;
/** An embedding tap name. */
export type EmbeddingLayer = keyof typeof EMBEDDING_LAYERS;

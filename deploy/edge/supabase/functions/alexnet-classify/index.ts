/**
 * The edge function as a Supabase Edge Function: Supabase's runtime serves `Deno.serve`, so this
 * hands it the same app `deno serve` runs (`services/inference/edge_function.ts`). Configure it
 * with `supabase secrets set ALEXNET_CHECKPOINT=… ALEXNET_TRUSTED_JWKS="$(cat keys/trainer.public.jwk)"`.
 *
 * @module
 */
import edge from "../../../../../services/inference/edge_function.ts";

Deno.serve(edge.fetch);

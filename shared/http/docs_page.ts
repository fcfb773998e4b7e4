/**
 * A service's `/docs`: a page listing every operation of its OpenAPI document, so the docs come
 * from the same schemas that validate requests.
 *
 * @module
 */

/** The parts of an OpenAPI document the page shows. */
export interface OpenApiDocument {
  info: { title: string; version: string };
  paths: Record<string, unknown>;
}

interface Operation {
  summary?: string;
  parameters?: { name: string; description?: string }[];
  responses: Record<string, { description: string }>;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);

function renderOperation(path: string, method: string, op: Operation): string {
  const query = op.parameters?.length
    ? `<p>Query: ${
      op.parameters.map((p) => `<code>${escape(p.name)}</code> ${escape(p.description ?? "")}`).join("; ")
    }</p>`
    : "";
  const responses = Object.entries(op.responses)
    .map(([code, r]) => `<li><code>${code}</code> ${escape(r.description)}</li>`).join("");
  return `<section><h2><code>${method.toUpperCase()} ${escape(path)}</code></h2><p>${escape(op.summary ?? "")}</p>` +
    `${query}<ul>${responses}</ul></section>`;
}

/**
 * @example
 * ```ts
 * app.get("/docs", (c) => c.html(renderDocsPage(app.getOpenAPIDocument(config) as OpenApiDocument)));
 * ```
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods as Record<string, Operation>).map(([method, op]) => renderOperation(path, method, op))
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(doc.info.title)}</title>
<style>body{font-family:sans-serif;max-width:50rem;margin:2rem auto}section{border-top:1px solid #ddd}</style></head>
<body><h1>${escape(doc.info.title)} ${escape(doc.info.version)}</h1>
<p>Generated from <a href="/openapi.json">/openapi.json</a>, the schemas that validate requests.</p>${
    ops.join("\n")
  }</body></html>`;
}

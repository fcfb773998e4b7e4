/**
 * A `deno lint` plugin with the house rule on function length: a function, method or arrow
 * function outside tests may span at most 60 lines. A longer one is a table or generated source
 * and says so where it stands: `// deno-lint-ignore house/function-length -- why`.
 *
 * @module
 */

/** The most lines a function may span. */
export const MAX_FUNCTION_LINES = 60;

const isTestFile = (filename: string) => /\.test\.ts$/.test(filename) || /(^|\/)tests\//.test(filename);

const plugin: Deno.lint.Plugin = {
  name: "house",
  rules: {
    "function-length": {
      create(context) {
        if (isTestFile(context.filename)) return {};
        const check = (node: Deno.lint.Node) => {
          const [start, end] = node.range;
          const lines = context.sourceCode.text.slice(start, end).split("\n").length;
          if (lines > MAX_FUNCTION_LINES) {
            context.report({
              node,
              message: `this function spans ${lines} lines (at most ${MAX_FUNCTION_LINES}): split it into steps`,
              hint:
                "a table or generated source may stay whole, with `// deno-lint-ignore house/function-length -- why`",
            });
          }
        };
        return { FunctionDeclaration: check, FunctionExpression: check, ArrowFunctionExpression: check };
      },
    },
  },
};

export default plugin;

// Build the book's own plotly.js bundle (`make assets`):
//
//     node book/_ext/plotly_bundle.mjs _vendor/plotly      # writes _vendor/plotly/plotly-book.min.js
//
// plotly.js's official bundles each hold a fixed set of trace types; a page that draws a 3-D
// surface next to 2-D contours and histograms would need the full one (4.8 MB). This script
// bundles plotly.js's core with exactly the trace modules listed in plotly_bundle.json, from the
// official npm package `plotly.js` (pinned in package.json / package-lock.json, as is esbuild), the
// way plotly.js's own build makes its dist bundles: one self-contained, minified file that sets
// `window.Plotly` (the same wrapper), the same esbuild settings (target, defines, the regl alias) and CSS that the
// sources import inlined as a <style> element that is added when the importing module runs
// (plotly.js's own plot CSS is already JavaScript: it is injected when the bundle loads).
// Same inputs, same bytes: esbuild's output depends on nothing but the sources and these options.
import { createRequire } from "node:module";
import { readFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..", "..");
const require = createRequire(resolve(root, "package.json"));
const esbuild = require("esbuild");

const spec = JSON.parse(readFileSync(resolve(here, "plotly_bundle.json"), "utf8"));
if (!process.argv[2]) {
  console.error("usage: node book/_ext/plotly_bundle.mjs OUTDIR");
  process.exit(2);
}
const out = join(process.argv[2], spec.file);
const plotlyVersion = require("plotly.js/package.json").version;
for (const trace of spec.traces) {
  try {
    require.resolve(`plotly.js/lib/${trace}`);
  } catch {
    console.error(`plotly_bundle.json: plotly.js ${plotlyVersion} has no trace module "${trace}"`);
    process.exit(1);
  }
}

const entry = [
  "var Plotly = require('plotly.js/lib/core');",
  "Plotly.register([",
  ...spec.traces.map((t) => `  require('plotly.js/lib/${t}'),`),
  "]);",
  "module.exports = Plotly;",
].join("\n");

// A stylesheet imported by plotly.js's sources (maplibre's, imported when a map trace registers)
// becomes a module that adds it to the page when it runs, as in the official bundles: the bundle
// stays one file and nothing is added to a page that never registers such a trace.
const cssAsStyleElement = {
  name: "css-as-style-element",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const { code } = await esbuild.transform(readFileSync(args.path, "utf8"), { loader: "css", minify: true });
      return {
        loader: "js",
        contents: `var s = document.createElement("style"); s.textContent = ${JSON.stringify(code)};` +
          " document.head.appendChild(s);",
      };
    });
  },
};

mkdirSync(process.argv[2], { recursive: true });
const result = await esbuild.build({
  stdin: { contents: entry, resolveDir: root, sourcefile: "plotly-book.js", loader: "js" },
  outfile: out,
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "Plotly",
  target: "es2016",
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  alias: { regl: "@plotly/regl" },
  plugins: [cssAsStyleElement],
  // wrapped as the official bundles are: `window.Plotly` in a page, `module.exports` elsewhere
  banner: {
    js: `/*! plotly.js v${plotlyVersion} (the book's bundle: scatter, ${spec.traces.join(", ")}), ` +
      "built from the npm package plotly.js by book/_ext/plotly_bundle.mjs | Copyright Plotly, Inc. | MIT License */\n" +
      "(function (root, factory) {\n" +
      "  if (typeof module === \"object\" && module.exports) { module.exports = factory(); } else { root.Plotly = factory(); }\n" +
      "}(typeof self !== \"undefined\" ? self : this, () => {\n\"use strict\";",
  },
  footer: { js: "return Plotly;\n}));" },
  logLevel: "warning",
  metafile: true,
});
const outputs = Object.keys(result.metafile.outputs);
if (outputs.length !== 1) {
  console.error(`expected one output file, esbuild wrote ${outputs.join(", ")}`);
  process.exit(1);
}
const bytes = result.metafile.outputs[outputs[0]].bytes;
console.log(`plotly.js ${plotlyVersion} + ${spec.traces.join(", ")} -> ${out} (${(bytes / 1e6).toFixed(2)} MB)`);

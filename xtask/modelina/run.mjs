// Modelina beside asyncapi-gen, for `cargo xtask bench`: `node run.mjs DOC OUT_DIR`.
//
// Parses the AsyncAPI document DOC with @asyncapi/parser 3, generates Rust models from it
// with Modelina 5's RustFileGenerator (a RustGenerator that writes a crate: Cargo.toml and
// one file per model) into OUT_DIR, and prints one line of JSON on standard output:
// {"ms": <wall-clock milliseconds from reading DOC to the last file written>,
//  "peak_kib": <peak resident memory of this process>, "models": <models generated>}.
// Failures go to standard error with a non-zero exit status.

import { readFile, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Parser } from '@asyncapi/parser';
import { RustFileGenerator, defaultRustRenderCompleteModelOptions } from '@asyncapi/modelina';

const [doc, outDir] = process.argv.slice(2);
if (!doc || !outDir) {
  console.error('usage: node run.mjs DOC OUT_DIR');
  process.exit(2);
}

const started = performance.now();
const text = await readFile(doc, 'utf8');
const parser = new Parser();
const { document, diagnostics } = await parser.parse(text, { source: doc });
if (!document) {
  const errors = diagnostics.filter((d) => d.severity === 0);
  const first = errors[0] ?? diagnostics[0];
  const where = first?.path?.length ? ` at /${first.path.join('/')}` : '';
  console.error(
    `the parser rejected ${doc} (${errors.length} error(s)): ${first?.message ?? 'no diagnostic'}${where}`,
  );
  process.exit(1);
}

await rm(outDir, { recursive: true, force: true });
const generator = new RustFileGenerator();
const options = {
  ...defaultRustRenderCompleteModelOptions,
  package: { ...defaultRustRenderCompleteModelOptions.package, packageName: 'modelina-bench' },
};
const models = await generator.generateToPackage(document, outDir, options, true);
const ms = performance.now() - started;
// maxRSS is in kilobytes (KiB) on Linux, as VmHWM is.
const peak_kib = process.resourceUsage().maxRSS;
console.log(JSON.stringify({ ms, peak_kib, models: models.length }));

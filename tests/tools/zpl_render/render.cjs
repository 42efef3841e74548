// Render ZPL II to PNG offline, for the tests that decode doorstep's labels with zxing-cpp.
//
//   node render.cjs WIDTH_MM HEIGHT_MM DPMM OUT_PREFIX < label.zpl
//
// Writes OUT_PREFIX-1.png, OUT_PREFIX-2.png, … (one per ^XA…^XZ label) and prints their paths,
// one a line.  The renderer is zebrash (IngridHQ's Go ZPL renderer) compiled to WebAssembly,
// pinned in package-lock.json; `./dev test` installs it with `npm ci`.
"use strict";

const fs = require("node:fs");

async function main() {
  const [widthMm, heightMm, dpmm] = process.argv.slice(2, 5).map(Number);
  const prefix = process.argv[5];
  if (![widthMm, heightMm, dpmm].every((n) => Number.isFinite(n) && n > 0) || !prefix) {
    process.stderr.write("usage: node render.cjs WIDTH_MM HEIGHT_MM DPMM OUT_PREFIX < label.zpl\n");
    process.exit(2);
  }
  const zpl = fs.readFileSync(0, "utf8");
  const { ready } = require("zpl-renderer-js");
  const { api } = await ready;
  const images = await api.zplToBase64MultipleAsync(zpl, widthMm, heightMm, dpmm);
  if (images.length === 0) {
    throw new Error("the renderer produced no label (no ^XA…^XZ block?)");
  }
  images.forEach((b64, i) => {
    const path = `${prefix}-${i + 1}.png`;
    fs.writeFileSync(path, Buffer.from(b64, "base64"));
    process.stdout.write(path + "\n");
  });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`zpl render failed: ${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  },
);

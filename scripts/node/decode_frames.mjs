// Runs static/js/decoder.js (and zxing-wasm alone, with its defaults) in node on frames from stdin.
//
//   node --import ./scripts/node/vendor_hooks.mjs scripts/node/decode_frames.mjs < frames
//
// Input: frames one after the other, each a 12-byte header (uint32 LE width, height, id) then
// width*height*4 bytes of RGBA. Output: one JSON line per frame:
// {"id", "page": [texts], "page_ms", "stage", "alone": [texts], "alone_ms"}.
// The wasm is read from node_modules: a file: URL given to initDecoder, which fetch serves here
// (node's fetch does not read files); nothing else is fetched.
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";

const WASM = new URL("../../node_modules/zxing-wasm/dist/reader/zxing_reader.wasm", import.meta.url);
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const href = String(url instanceof Request ? url.url : url);
  if (href.startsWith("file:")) {
    return new Response(await readFile(new URL(href)), { headers: { "Content-Type": "application/wasm" } });
  }
  throw new Error(`decode_frames: refusing to fetch ${href}`);
};
void realFetch;

const { initDecoder, decodeFrame, decodeFrameDefaults, setBudget } = await import("../../static/js/decoder.js");
setBudget(process.argv.includes("--budget") ? Number(process.argv[process.argv.indexOf("--budget") + 1]) : Infinity);
await initDecoder({ wasmUrl: WASM.href });
await decodeFrame({ data: new Uint8ClampedArray(64 * 64 * 4), width: 64, height: 64 }); // warm up
const baseline = !process.argv.includes("--page-only");

let buf = Buffer.alloc(0);
let queue = Promise.resolve();
async function handle(frame) {
  const t0 = performance.now();
  const stats = {};
  const page = await decodeFrame(frame, stats);
  const t1 = performance.now();
  const alone = baseline ? await decodeFrameDefaults(frame) : [];
  const t2 = performance.now();
  process.stdout.write(
    JSON.stringify({ id: frame.id, page, page_ms: t1 - t0, stage: stats.stage, alone, alone_ms: t2 - t1 }) + "\n",
  );
}
process.stdin.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  for (;;) {
    if (buf.length < 12) break;
    const width = buf.readUInt32LE(0);
    const height = buf.readUInt32LE(4);
    const id = buf.readUInt32LE(8);
    const size = 12 + width * height * 4;
    if (buf.length < size) break;
    const data = new Uint8ClampedArray(buf.subarray(12, size));
    buf = buf.subarray(size);
    const frame = { data, width, height, id };
    queue = queue.then(() => handle(frame));
  }
});
process.stdin.on("end", () => queue.then(() => process.exit(0)));

// The phone page's QR decoder (issue 24): zxing-cpp built to WebAssembly (zxing-wasm), served by
// our own server; nothing is fetched from outside (zxing-wasm's default wasm location is a CDN:
// locateFile is overridden).
//
//   await initDecoder({ wasmUrl: "/vendor/zxing-wasm/dist/reader/zxing_reader.wasm" });
//   const texts = await decodeFrame(imageData);   // QR texts in one camera frame, best first
//
// A staged pipeline like the kiosk's (kiosk/decode.py): each stage runs only when the earlier ones
// found nothing, so a frame with a readable badge costs one zxing-wasm call. Frames each stage read
// first, of the door images (kiosk/doorset.py, 280 frames per size, 640x480 / 1280x720 cameras,
// as the page scales them: 960 px a side at most; scripts/bench_kiosk.py --door 40):
//   zxing   QR only, no 90-degree retries (QR is rotation invariant), inverted and downscaled
//           retries: 118 / 153 (zxing-wasm alone with its defaults: 118 / 153).
//   sharp   unsharp mask (three box blurs ~ gaussian, amount 0.8): 13 / 16 (phone, motion).
//   bright  1st..99th percentile stretched, gamma 0.5: 42 / 18 (phone screens, low light).
//   flat    divided by its own blurred copy, global-histogram binarizer: 6 / 5 (phone, lanyard).
//   up      2x bicubic upscale of frames up to 960 px wide: 9 / 8 (lanyard, pouch, tilted).
//   global  the frame as it is with the global-histogram binarizer: 0 / 3 (pouch glare, phone).
// In all 188 / 203 of 280, against 117 / 161 for zxing-cpp alone on the full-size frames.
// Time budget: a frame with nothing readable would run every stage (100-200 ms in Chromium on the
// build machine), and a badge arriving meanwhile waits for it. So after the first stage, fallback
// stages run while the frame, with the next stage's recent cost, stays within budgetMs (60 ms;
// the first fallback always runs), starting each frame where the last
// one stopped: a hard badge held still meets every stage within a few frames, an empty frame costs
// at most about one budget. setBudget(Infinity) runs every stage on every frame (the benchmark).
// A decoded text is only a text: the page verifies its signature before it believes it.

const READER = "/vendor/zxing-wasm/dist/es/reader/index.js";
const BASE = { formats: ["QRCode"], tryRotate: false, tryInvert: true, tryDownscale: true, maxNumberOfSymbols: 4 };

let zxing = null;
let budgetMs = 60;
let next = 0; // the fallback stage to start with on the next frame
const cost = {}; // each stage's recent time, ms (a running average)

export function setBudget(ms) {
  budgetMs = ms;
}

export async function initDecoder({ wasmUrl } = {}) {
  if (!wasmUrl) throw new Error("initDecoder: wasmUrl is required (the server's copy of zxing_reader.wasm)");
  zxing = await import(READER);
  await zxing.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
    },
    fireImmediately: true,
  });
  return true;
}

function gray(imageData) {
  const { data, width, height } = imageData;
  const out = new Uint8ClampedArray(width * height);
  for (let i = 0, j = 0; j < out.length; i += 4, j++) {
    out[j] = (306 * data[i] + 601 * data[i + 1] + 117 * data[i + 2] + 512) >> 10;
  }
  return out;
}

function toImage(g, width, height) {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let j = 0, i = 0; j < g.length; j++, i += 4) {
    rgba[i] = rgba[i + 1] = rgba[i + 2] = g[j];
    rgba[i + 3] = 255;
  }
  return { data: rgba, width, height };
}

function boxBlur(src, width, height, r) {
  // one horizontal and one vertical running-sum pass of radius r
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  const n = 2 * r + 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let acc = 0;
    for (let x = -r; x <= r; x++) acc += src[row + Math.min(width - 1, Math.max(0, x))];
    for (let x = 0; x < width; x++) {
      tmp[row + x] = acc / n;
      acc += src[row + Math.min(width - 1, x + r + 1)] - src[row + Math.max(0, x - r)];
    }
  }
  for (let x = 0; x < width; x++) {
    let acc = 0;
    for (let y = -r; y <= r; y++) acc += tmp[Math.min(height - 1, Math.max(0, y)) * width + x];
    for (let y = 0; y < height; y++) {
      out[y * width + x] = acc / n;
      acc += tmp[Math.min(height - 1, y + r + 1) * width + x] - tmp[Math.max(0, y - r) * width + x];
    }
  }
  return out;
}

function gaussianish(g, width, height, r) {
  return boxBlur(boxBlur(boxBlur(g, width, height, r), width, height, r), width, height, r);
}

function sharpen(g, width, height) {
  const soft = gaussianish(g, width, height, 2);
  const out = new Uint8ClampedArray(g.length);
  for (let i = 0; i < g.length; i++) out[i] = 1.8 * g[i] - 0.8 * soft[i];
  return out;
}

function brighten(g) {
  const hist = new Uint32Array(256);
  for (let i = 0; i < g.length; i++) hist[g[i]]++;
  let lo = 0;
  let hi = 255;
  for (let acc = 0, v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc >= g.length * 0.01) {
      lo = v;
      break;
    }
  }
  for (let acc = 0, v = 0; v < 256; v++) {
    acc += hist[v];
    if (acc >= g.length * 0.99) {
      hi = v;
      break;
    }
  }
  const lut = new Uint8ClampedArray(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.sqrt(Math.min(1, Math.max(0, (v - lo) / Math.max(1, hi - lo)))) * 255;
  const out = new Uint8ClampedArray(g.length);
  for (let i = 0; i < g.length; i++) out[i] = lut[g[i]];
  return out;
}

function flatten(g, width, height) {
  // blur a quarter-size copy (cheap), then divide the frame by it, sampled back at full size
  const sw = Math.max(1, width >> 2);
  const sh = Math.max(1, height >> 2);
  const small = new Float32Array(sw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < sw; x++) {
      let acc = 0;
      for (let dy = 0; dy < 4; dy++) {
        const row = Math.min(height - 1, y * 4 + dy) * width;
        for (let dx = 0; dx < 4; dx++) acc += g[row + Math.min(width - 1, x * 4 + dx)];
      }
      small[y * sw + x] = acc / 16;
    }
  }
  const bg = gaussianish(small, sw, sh, 2);
  const out = new Uint8ClampedArray(g.length);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(sh - 1, y >> 2) * sw;
    for (let x = 0; x < width; x++) {
      const b = bg[sy + Math.min(sw - 1, x >> 2)];
      out[y * width + x] = (g[y * width + x] * 160) / (b + 1);
    }
  }
  return out;
}

function cubicWeights(t) {
  // OpenCV's INTER_CUBIC kernel (a = -0.75) at the offsets -1, 0, 1, 2 from the left sample
  const a = -0.75;
  const near = (x) => ((a + 2) * x - (a + 3)) * x * x + 1;
  const far = (x) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return [far(1 + t), near(t), near(1 - t), far(2 - t)];
}

function upscale(g, width, height) {
  // 2x bicubic, separable: rows then columns (bicubic read one motion-blurred frame more than
  // bilinear at 640x480, as the kiosk's cv2.INTER_CUBIC does)
  const w2 = width * 2;
  const h2 = height * 2;
  const wts = [cubicWeights(0.75), cubicWeights(0.25)]; // output 2k samples at k - 0.25, 2k+1 at k + 0.25
  const tmp = new Float32Array(w2 * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < w2; x++) {
      const base = (x >> 1) - (x & 1 ? 0 : 1);
      const w = wts[x & 1];
      let acc = 0;
      for (let k = 0; k < 4; k++) acc += w[k] * g[row + Math.min(width - 1, Math.max(0, base - 1 + k))];
      tmp[y * w2 + x] = acc;
    }
  }
  const out = new Uint8ClampedArray(w2 * h2);
  for (let y = 0; y < h2; y++) {
    const base = (y >> 1) - (y & 1 ? 0 : 1);
    const w = wts[y & 1];
    const r0 = Math.min(height - 1, Math.max(0, base - 1)) * w2;
    const r1 = Math.min(height - 1, Math.max(0, base)) * w2;
    const r2 = Math.min(height - 1, Math.max(0, base + 1)) * w2;
    const r3 = Math.min(height - 1, Math.max(0, base + 2)) * w2;
    for (let x = 0; x < w2; x++) {
      out[y * w2 + x] = w[0] * tmp[r0 + x] + w[1] * tmp[r1 + x] + w[2] * tmp[r2 + x] + w[3] * tmp[r3 + x];
    }
  }
  return { g: out, width: w2, height: h2 };
}

async function read(image, extra) {
  const found = await zxing.readBarcodes(image, { ...BASE, ...extra });
  return found.filter((r) => r.isValid && r.text);
}

function texts(results) {
  // largest code first (the one held nearest), each text once
  const area = (r) => {
    const p = r.position;
    return Math.abs((p.bottomRight.x - p.topLeft.x) * (p.bottomLeft.y - p.topRight.y));
  };
  return [...new Set(results.sort((a, b) => area(b) - area(a)).map((r) => r.text))];
}

export const STAGES = ["zxing", "sharp", "bright", "flat", "up", "global"];

async function runStage(stage, imageData, ctx) {
  const { width, height } = imageData;
  if (stage === "zxing") return read(imageData);
  ctx.g = ctx.g || gray(imageData);
  if (stage === "sharp") return read(toImage(sharpen(ctx.g, width, height), width, height));
  if (stage === "bright") return read(toImage(brighten(ctx.g), width, height));
  if (stage === "flat") {
    return read(toImage(flatten(ctx.g, width, height), width, height), { binarizer: "GlobalHistogram" });
  }
  if (stage === "global") return read(imageData, { binarizer: "GlobalHistogram" });
  if (stage === "up") {
    if (width > 960) return [];
    const big = upscale(ctx.g, width, height);
    return read(toImage(big.g, big.width, big.height));
  }
  throw new Error(`unknown stage ${stage}`);
}

// The QR texts found in one frame (an ImageData, or any {data: RGBA, width, height}), best first.
// `stats`, when given, receives the stage that read the frame.
export async function decodeFrame(imageData, stats) {
  if (!zxing) throw new Error("decodeFrame before initDecoder");
  if (!imageData || !imageData.width || !imageData.height) return [];
  const ctx = {};
  const t0 = performance.now();
  const fallbacks = STAGES.length - 1;
  const order = [STAGES[0]];
  for (let i = 0; i < fallbacks; i++) order.push(STAGES[1 + ((next + i) % fallbacks)]);
  for (let i = 0; i < order.length; i++) {
    const stage = order[i];
    // a stage whose cost is not known yet runs only as the frame's first fallback
    const expected = cost[stage] === undefined ? Infinity : cost[stage];
    if (i > 1 && performance.now() - t0 + expected > budgetMs) {
      next = (next + i - 1) % fallbacks; // this frame ran fallbacks next .. next+i-2
      if (stats) stats.stage = null;
      return [];
    }
    let found = [];
    const started = performance.now();
    try {
      found = await runStage(stage, imageData, ctx);
    } catch (err) {
      found = []; // one stage failing on one frame must not stop the scanner
    }
    const took = performance.now() - started;
    cost[stage] = cost[stage] === undefined ? took : 0.8 * cost[stage] + 0.2 * took;
    if (found.length) {
      if (stats) stats.stage = stage;
      return texts(found);
    }
  }
  next = 0;
  if (stats) stats.stage = null;
  return [];
}

// zxing-wasm alone with its defaults (every format, tryHarder, rotations): the benchmark's baseline.
export async function decodeFrameDefaults(imageData) {
  if (!zxing) throw new Error("decodeFrameDefaults before initDecoder");
  const found = await zxing.readBarcodes(imageData);
  return [...new Set(found.filter((r) => r.isValid && r.text).map((r) => r.text))];
}

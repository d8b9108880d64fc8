// The phone scanner's QR decoder (issue 24): zxing-cpp built to WebAssembly (the zxing-wasm
// package's reader), served by our own server under /vendor/. zxing-wasm fetches its .wasm from a
// CDN unless told otherwise: locateFile points it at wasmUrl, and nothing else is ever fetched.
// The page (static/js/scan.js) calls only initDecoder and decodeFrame.
import { prepareZXingModule, readBarcodes } from "/vendor/zxing-wasm/dist/es/reader/index.js";

const OPTIONS = { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: 1 };

// load and compile the WebAssembly from wasmUrl (our server); resolves when the reader is ready
export async function initDecoder({ wasmUrl }) {
  await prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? wasmUrl : prefix + path),
    },
    fireImmediately: true,
  });
}

// the QR texts found in an ImageData (an empty list when there is none)
export async function decodeFrame(imageData) {
  const results = await readBarcodes(imageData, OPTIONS);
  return results.filter((r) => r.isValid && r.text).map((r) => r.text);
}

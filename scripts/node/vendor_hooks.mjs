// Node module hooks: "/vendor/PKG/..." (the server's URL of a node_modules file) resolves to
// node_modules/PKG/... so static/js/decoder.js runs unchanged in node (scripts/node/decode_frames.mjs).
import { register } from "node:module";

const ROOT = new URL("../../node_modules/", import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith("/vendor/")) {
    return nextResolve(new URL(specifier.slice("/vendor/".length), ROOT).href, context);
  }
  return nextResolve(specifier, context);
}

if (!globalThis.__vendorHooks) {
  globalThis.__vendorHooks = true;
  register(import.meta.url);
}

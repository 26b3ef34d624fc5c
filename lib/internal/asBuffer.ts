/** A `Buffer` over the same bytes as `chunk` (no copy; `chunk` itself when it is one). Internal. */
export const asBuffer = (chunk: Uint8Array): Buffer =>
  Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);

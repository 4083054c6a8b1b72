/**
 * Bytes as a string to compare and key maps by (a peer id's multihash, an address, a
 * key's multihash): latin1 maps each byte to one character natively, with no copy and no
 * encoding work, where a peer id's own string is base58, computed anew for each id a DHT
 * answer decodes.
 */
export function bytesKey (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

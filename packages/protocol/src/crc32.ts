/**
 * CRC-32 (IEEE 802.3, the one zlib and PNG use). Detects every burst error up to 32
 * bits and all but 1 in 4 billion others: enough to tell a mistyped or cut-off ticket
 * from a good one. Not a defence against forgery (nothing in a ticket is trusted:
 * the content id is verified by what it names).
 */
const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) === 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export function crc32 (bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

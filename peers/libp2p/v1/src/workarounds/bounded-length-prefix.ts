// Workaround, on by default (bounded memory and time per stream): it-length-prefixed-stream 1.2 reads a varint
// length prefix byte by byte and checks it against maxDataLength only once it decodes, so a peer sending 0xff
// bytes (a prefix that never ends) keeps the stream until the frame deadline instead of being refused at once.
// What it does: lpStream's length decoder, refusing a prefix longer than the longest allowed length needs
// (3 bytes for 64 KiB), with the error lpStream gives an over-long length.
// Canary: test/workarounds.test.ts (with this off, a never-ending prefix is still read when the deadline hits).
import * as varint from 'uint8-varint'

export function boundedLength (maxDataLength: number): (data: Parameters<typeof varint.decode>[0]) => number {
  const longest = varint.encodingLength(maxDataLength)
  return data => {
    if (data.byteLength > longest) {
      throw Object.assign(new Error(`length prefix over ${longest} bytes`), { name: 'InvalidDataLengthLengthError' })
    }
    return varint.decode(data)
  }
}

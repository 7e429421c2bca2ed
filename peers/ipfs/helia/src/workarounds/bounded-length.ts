// Workaround: lpStream (@libp2p/utils 7) checks a length prefix's size only once the varint decodes, so a
// peer that sends 0xff bytes (a varint that never ends) is buffered byte by byte until the read's deadline.
// This decoder refuses a prefix longer than the largest allowed length needs, at the first byte too many.
// Effect: test/hosting.test.ts's never-ending prefix is reset within 2 s instead of at the 10 s deadline.
// Canary: test/workarounds.test.ts fails the day lpStream refuses such a prefix by itself.
import * as varint from 'uint8-varint'

/** lpStream's `lengthDecoder`, refusing a prefix longer than `maxDataLength` needs. */
export function boundedLength (maxDataLength: number): (data: Parameters<typeof varint.decode>[0]) => number {
  const longest = varint.encodingLength(maxDataLength)
  return data => {
    if (data.byteLength > longest) {
      throw Object.assign(new Error(`length prefix over ${longest} bytes`), { name: 'InvalidDataLengthLengthError' })
    }
    return varint.decode(data)
  }
}

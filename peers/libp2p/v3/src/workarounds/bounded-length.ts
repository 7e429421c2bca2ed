// WORKAROUND (on by default: needed against hostile peers), for @libp2p/utils 7's `lpStream`.
//
// The upstream behaviour: `lpStream` reads a frame's varint length prefix a byte at a time and checks the
// prefix's length (`maxLengthLength`, derived from `maxDataLength`) only once the varint decodes. A peer that
// sends 0xff bytes never completes a varint, so every byte is buffered until the read's deadline
// (MESSAGE_TIMEOUT_MS, 30 s by default) instead of the stream being reset at once.
// What it does: a length decoder for `lpStream({ lengthDecoder })` that refuses a prefix longer than the
// longest allowed length needs, with the error name `lpStream` itself uses (InvalidDataLengthLengthError).
// Measured effect: such a stream is reset after 3 bytes (64 KiB frames) instead of after the deadline;
// test/workarounds.test.ts shows both, and fails the day upstream checks the prefix as it arrives.
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

// The container's program: what a user's image does for Bacalhau. It reads the job's input where Bacalhau
// mounted it (argv[2]) and writes its counts where Bacalhau collects outputs (argv[3]): bytes, newlines, and
// words split on ASCII white space, as wordcount.wasm counts them.
import { readFileSync, writeFileSync } from 'node:fs'

const [input, output] = process.argv.slice(2)
if (input === undefined || output === undefined) {
  console.error('usage: wordcount <input file> <output file>')
  process.exit(2)
}
const bytes = readFileSync(input)
let lines = 0
let words = 0
let inWord = false
for (const byte of bytes) {
  if (byte === 0x0a) lines++
  const space = byte === 0x20 || (byte >= 0x09 && byte <= 0x0d)
  if (!space && !inWord) words++
  inWord = !space
}
writeFileSync(output, JSON.stringify({ bytes: bytes.byteLength, lines, words }))
console.log(`counted ${input}: ${bytes.byteLength} bytes, ${lines} lines, ${words} words`)

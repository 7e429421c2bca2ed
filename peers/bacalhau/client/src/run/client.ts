// The demo's harness: its settings from the environment, the check of the job's counts against a local count,
// and one-line errors with exit code 1. src/client.ts hands its story over here.
import { readDemoConfig } from './config.ts'
import { oneLine } from './env.ts'
import type { runDemo } from '../client.ts'

export interface Counts { bytes: number, lines: number, words: number }

/** What wordcount.wasm should find: bytes, newlines, and words split on ASCII white space. */
export function countLocally (text: Buffer): Counts {
  const words = text.toString('latin1').split(/[ \t\n\v\f\r]+/).filter(word => word !== '').length
  return { bytes: text.byteLength, lines: text.filter(byte => byte === 10).length, words }
}

/** Logs the job's counts beside a local count; throws when they differ. */
export function checkCounts (counts: Counts, input: Buffer, where: string, log: (line: string) => void): void {
  const expected = countLocally(input)
  const agrees = counts.bytes === expected.bytes && counts.lines === expected.lines && counts.words === expected.words
  const verdict = agrees ? ' ✓ matches a local count' : ` ✗ a local count gives ${JSON.stringify(expected)}`
  log(`result (${where}): ${JSON.stringify(counts)}${verdict}`)
  if (!agrees) throw new Error('the job\'s counts differ from a local count')
}

/** `node src/client.ts`: the demo with settings from the environment; a failure is one line and exit code 1. */
export async function runClient (run: typeof runDemo): Promise<void> {
  try {
    await run(readDemoConfig())
  } catch (err) {
    console.error(`client: ${oneLine(err)}`)
    process.exitCode = 1
  }
}

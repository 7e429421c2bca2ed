// The client's progress: a bar redrawn in place on a terminal, otherwise a line per 25 % (or per 100 blocks
// when the size is unknown), driven by Helia's progress events (src/files.ts counts them).
import type { TransferProgress } from './files.ts'

export const MiB = 1024 * 1024

export function progressPrinter (log: (line: string) => void, totalBytes: number | undefined) {
  const interactive = process.stdout.isTTY === true && log === console.log
  let lastBucket = -1
  return ({ blocksFetched, bytesWritten }: TransferProgress): void => {
    const fraction = totalBytes === undefined || totalBytes === 0 ? undefined : Math.min(bytesWritten / totalBytes, 1)
    const bar = fraction === undefined
      ? ''
      : `[${'#'.repeat(Math.round(fraction * 20)).padEnd(20, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `
    const total = totalBytes === undefined ? '' : `/${(totalBytes / MiB).toFixed(2)}`
    const line = `${bar}${(bytesWritten / MiB).toFixed(2)}${total} MiB, ${blocksFetched} blocks fetched`
    if (interactive) {
      process.stdout.write(`\r${line}`)
      return
    }
    const bucket = fraction === undefined ? Math.floor(blocksFetched / 100) : Math.floor(fraction * 4)
    if (bucket !== lastBucket) {
      lastBucket = bucket
      log(line)
    }
  }
}

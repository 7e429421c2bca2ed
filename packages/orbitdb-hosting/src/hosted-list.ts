// The databases a server hosts besides its own, kept in hosted.json under its data dir so that a restarted
// server opens them again, each with the peer that asked (HOST_PEERS may be why it was hosted).
import { readFile, rename, writeFile } from 'node:fs/promises'

export interface HostedDatabase {
  address: string
  askedBy?: string
}

export async function readHostedList (file: string): Promise<HostedDatabase[]> {
  let list: unknown
  try {
    list = JSON.parse(await readFile(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw err
  }
  if (!Array.isArray(list)) throw new Error(`${file}: expected a JSON list of hosted databases`)
  // earlier versions wrote addresses only
  return list.map(item => typeof item === 'string' ? { address: item } : item as HostedDatabase)
}

export async function writeHostedList (file: string, hosted: HostedDatabase[]): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(hosted, null, 2) + '\n')
  await rename(`${file}.tmp`, file) // atomic: a crash never leaves half a list
}

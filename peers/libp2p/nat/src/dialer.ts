// The dialer behind another NAT: it dials the listener through the relay (its …/p2p-circuit address) and
// waits for DCUtR to punch a direct connection, or dials its WebRTC address, which the relay only signals.
// It says what it got (relayed, or direct and over which transport, and when), sends chat messages over the
// best connection it has, and waits for the listener's greeting on it, so messages flow both ways. If the
// relay ends a relayed connection (its limits), it says so in one line. `pnpm start:client`; see
// src/run/config.ts.
import { createInterface } from 'node:readline'
import type { Multiaddr } from '@multiformats/multiaddr'
import { checkMessage, handleChat, sendChat } from './chat.ts'
import { describe, peerOf, transportOf } from './connections.ts'
import { dialListener, directConnection } from './direct.ts'
import { echoBytes } from './echo.ts'
import { createPeerNode, type IceServer, type PeerNode } from './node.ts'
import { runRole } from './run/role.ts'
import type { Connection } from '@libp2p/interface'

export interface DialerOptions {
  /** The listener's relayed address (…/p2p-circuit/p2p/<id>) or its WebRTC one (…/p2p-circuit/webrtc/…). */
  listener: Multiaddr
  listen: Multiaddr[]
  appendAnnounce: Multiaddr[]
  iceServers: IceServer[]
  /** relay: dial the listener's circuit address and let DCUtR upgrade it; webrtc: dial its /webrtc address. */
  via: 'relay' | 'webrtc'
  directTimeoutMs: number
  messages: number
  /** Then echo this many bytes over the same connection and print the throughput (0: none). */
  echoBytes: number
  /** After the first messages, send each line read from stdin, until stdin ends. */
  stdinMessages: boolean
}

type Log = (line: string) => void
const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!

const GREETING_TIMEOUT_MS = 10_000
/** How long a direct connection may take to finish its handshake on our side after the relayed one closed. */
const UPGRADE_HANDSHAKE_MS = 5_000

export interface Dialer { node: PeerNode, done: Promise<void>, stop: () => Promise<void> }

export async function startDialer (config: DialerOptions, log: Log = console.log): Promise<Dialer> {
  const listenerPeer = peerOf(config.listener)
  const node = await createPeerNode({
    listen: [...config.listen.map(String), ...(config.via === 'webrtc' ? ['/webrtc'] : [])],
    appendAnnounce: config.appendAnnounce.map(String),
    iceServers: config.iceServers
  })
  const started = performance.now()
  const elapsed = (): string => `${Math.round(performance.now() - started)} ms`
  const toListener = (): Connection[] => node.getConnections()
    .filter(connection => connection.remotePeer.toString() === listenerPeer && connection.status === 'open')
  const best = (): Connection | undefined =>
    toListener().find(connection => transportOf(connection) !== 'relayed') ?? toListener()[0]

  // the listener's greetings, by the transport they came over
  const greetings: string[] = []
  let greeted: (() => void) | undefined
  await handleChat(node, (text, connection) => {
    if (connection.remotePeer.toString() !== listenerPeer) return
    log(`heard from the listener ${describe(connection)}: ${text}`)
    greetings.push(transportOf(connection))
    greeted?.()
  })

  // the listener is lost when its last connection closes and no direct one opens within UPGRADE_HANDSHAKE_MS
  // (DCUtR closes the relayed connection once the listener's side of the direct one is up, maybe before ours)
  let lost: ((err: Error) => void) | undefined
  const lostConnection = new Promise<never>((_resolve, reject) => { lost = reject })
  lostConnection.catch(() => {})
  node.addEventListener('connection:close', ({ detail: connection }) => {
    if (connection.remotePeer.toString() !== listenerPeer || toListener().length > 0) return
    const err = lostError(connection)
    directConnection(node, listenerPeer, UPGRADE_HANDSHAKE_MS).then(direct => {
      if (direct === undefined && toListener().length === 0) lost?.(err)
    }, (failed: Error) => lost?.(failed))
  })
  const lostError = (connection: Connection): Error => {
    if (transportOf(connection) !== 'relayed') {
      return new Error(`the ${transportOf(connection)} connection to the listener closed after ${elapsed()}`)
    }
    const { bytes, seconds } = connection.limits ?? {}
    const limit = [bytes === undefined ? [] : [`${bytes} bytes`], seconds === undefined ? [] : [`${seconds} s`]].flat()
    const limits = connection.limits === undefined ? '' : `: its limit (${limit.join(', ')}) ran out`
    return new Error(`the relay ended the relayed connection after ${elapsed()}${limits}`)
  }
  const untilLost = async <T>(step: Promise<T>): Promise<T> => await Promise.race([step, lostConnection])
  // a message on the best connection; when that one closes under it (DCUtR closing the relayed connection once
  // the direct one is up), once more on the one that is best now
  const chat = async (text: string, connection = best()): Promise<{ answer: string, via: Connection }> => {
    if (connection === undefined) throw new Error('no connection to the listener left')
    try {
      return { answer: await untilLost(sendChat(connection, text)), via: connection }
    } catch (err) {
      const next = best()
      if (next === undefined || next === connection) throw err
      return { answer: await untilLost(sendChat(next, text)), via: next }
    }
  }

  const target = config.via === 'webrtc' && !config.listener.toString().includes('/webrtc/')
    ? config.listener.toString().replace('/p2p-circuit/', '/p2p-circuit/webrtc/')
    : config.listener.toString()
  log(`dialling ${target}`)
  const dialTimeoutMs = config.directTimeoutMs + 10_000
  const first = await dialListener(node, target, config.via === 'webrtc', dialTimeoutMs, log).catch((err: unknown) => {
    if (config.via !== 'webrtc') {
      throw new Error(`could not reach the listener through the relay after ${elapsed()}: ${firstLine(err)}`)
    }
    const why = config.iceServers.length === 0
      ? 'ICE_SERVERS is empty: only host candidates, which a NAT hides'
      : 'through NATs that map each destination to another port only a TURN server can relay'
    throw new Error(`no WebRTC path to the listener after ${elapsed()}: ICE found no candidate pair that works ` +
      `(${why}; ${firstLine(err)})`)
  })
  const limits = first.limits === undefined
    ? ''
    : ` (relay limits: ${first.limits.bytes ?? '∞'} bytes, ${first.limits.seconds ?? '∞'} s)`
  log(`connected after ${elapsed()}: ${describe(first)}${limits}`)
  const hello = await chat('hello', first)
  log(`sent "hello" ${describe(hello.via)}, answer: "${hello.answer}"`)

  const done = (async () => {
    if (transportOf(first) === 'relayed') {
      const direct = await untilLost(directConnection(node, listenerPeer, config.directTimeoutMs))
      log(direct === undefined
        ? `stayed relayed: no direct connection within ${config.directTimeoutMs} ms`
        : `direct connection after ${elapsed()}: ${describe(direct)}`)
    }
    for (let index = 1; index <= config.messages; index++) {
      const { answer, via } = await chat(`message ${index}`)
      log(`message ${index}/${config.messages} ${describe(via)}: "${answer}"`)
    }
    // the listener greets on every connection it gets: wait for the greeting on the one in use now
    const final = best()
    if (final === undefined) throw new Error('no connection to the listener left')
    if (!greetings.includes(transportOf(final))) {
      await untilLost(new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the listener did not greet us ${describe(final)} ` +
          `within ${GREETING_TIMEOUT_MS} ms`)), GREETING_TIMEOUT_MS)
        greeted = () => {
          if (!greetings.includes(transportOf(final))) return
          clearTimeout(timer)
          resolve()
        }
      }))
    }
    if (config.echoBytes > 0) {
      const connection = best()
      if (connection === undefined) throw new Error('no connection to the listener left')
      const ms = await untilLost(echoBytes(connection, config.echoBytes))
      const rate = (config.echoBytes / 1024 / 1024 / (ms / 1000)).toFixed(2)
      log(`echoed ${config.echoBytes} bytes ${describe(connection)} in ${Math.round(ms)} ms: ${rate} MiB/s each way`)
    }
    if (config.stdinMessages) {
      await untilLost((async () => {
        for await (const line of createInterface({ input: process.stdin })) {
          try {
            checkMessage(line)
          } catch (err) {
            log(firstLine(err)) // a line over the limit is not sent; the next one may be
            continue
          }
          const { answer, via } = await chat(line)
          log(`sent "${line}" ${describe(via)}, answer: "${answer}"`)
        }
      })())
    }
    log(`done after ${elapsed()}`)
  })()
  return { node, done, stop: async () => { await node.stop() } }
}

if (import.meta.main) await runRole('dialer', startDialer)

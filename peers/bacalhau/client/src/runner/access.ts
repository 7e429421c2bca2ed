// Who may use the runner's API. Beyond loopback it needs a bearer token (the runner refuses to start
// without one); requests then carry `Authorization: Bearer <token>`, as Bacalhau v1.9.3 takes an API key
// (its API.Auth.Users), and only /api/v1/agent/alive and /api/v1/agent/version stay open, as on Bacalhau.
// Browsers get CORS headers only for origins the operator lists.
import { createHash, timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'

/** Bacalhau's bounds on an API key. */
export const TOKEN_MIN_LENGTH = 20
export const TOKEN_MAX_LENGTH = 255

/** Paths answered without a token, as Bacalhau's default endpoint permissions leave them open. */
const OPEN_PATHS = new Set(['/api/v1/agent/alive', '/api/v1/agent/version'])

export function isLoopback (host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return host === '::1' || host === '0:0:0:0:0:0:0:1'
}

export function checkToken (name: string, token: string): string {
  if (token.length < TOKEN_MIN_LENGTH || token.length > TOKEN_MAX_LENGTH || /\s/.test(token)) {
    throw new Error(`${name} must be ${TOKEN_MIN_LENGTH} to ${TOKEN_MAX_LENGTH} characters without spaces ` +
      `(as a Bacalhau API key), got ${token.length}`)
  }
  return token
}

/** Refuses an API that listens beyond loopback without a token, in one line. */
export function requireTokenBeyondLoopback (host: string, port: number, token: string | undefined): void {
  if (token === undefined && !isLoopback(host)) {
    const listen = `${host.includes(':') ? `[${host}]` : host}:${port}`
    throw new Error(`API_LISTEN ${listen} is beyond loopback: set API_TOKEN or API_TOKEN_FILE ` +
      '(clients send it as Authorization: Bearer …)')
  }
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest()

/**
 * Why a request is refused (missing or wrong token), or undefined when it may go on. Compared in constant
 * time (over digests, so the token's length does not show either).
 */
export function unauthorized (
  token: string | undefined, path: string, authorization: string | undefined
): string | undefined {
  if (token === undefined || OPEN_PATHS.has(path)) return undefined
  if (authorization === undefined || authorization === '') return 'missing authorization header'
  if (!authorization.startsWith('Bearer ')) return 'unsupported authentication method'
  const matches = timingSafeEqual(digest(authorization.slice('Bearer '.length)), digest(token))
  return matches ? undefined : 'authentication failed: invalid API key'
}

/** The CORS headers for `origin`: none unless the operator listed it. */
export function corsHeaders (
  allowedOrigins: ReadonlySet<string>, origin: string | undefined, preflight: { requestHeaders?: string } | undefined
): Record<string, string> {
  if (origin === undefined || !allowedOrigins.has(origin)) return {}
  return {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    ...(preflight === undefined ? {} : { 'Access-Control-Allow-Methods': 'GET,HEAD,PUT,PATCH,POST,DELETE' }),
    ...(preflight?.requestHeaders === undefined ? {} : { 'Access-Control-Allow-Headers': preflight.requestHeaders })
  }
}

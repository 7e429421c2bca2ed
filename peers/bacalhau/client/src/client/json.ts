// Bacalhau sends CreateTime and ModifyTime as Unix nanoseconds, above Number.MAX_SAFE_INTEGER. These
// parse and stringify helpers keep them exact as bigint, using the JSON source-text access that V8 ships
// (JSON.parse's reviver context, JSON.rawJSON) instead of a third-party parser.

declare global {
  interface JSON {
    parse (
      text: string, reviver: (this: unknown, key: string, value: unknown, context: { source?: string }) => unknown
    ): unknown
    rawJSON (text: string): unknown
  }
}

const NANOSECOND_FIELDS = new Set(['CreateTime', 'ModifyTime'])

export function parseJson (text: string): unknown {
  return JSON.parse(text, (key, value, context) =>
    NANOSECOND_FIELDS.has(key) && typeof value === 'number' && context.source !== undefined
      ? BigInt(context.source)
      : value)
}

export function stringifyJson (value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => typeof item === 'bigint' ? JSON.rawJSON(item.toString()) : item)
}

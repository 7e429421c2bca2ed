// Reading a server's Prometheus metrics in tests: scrape /metrics over HTTP (the text format, checked) and
// read one sample from it.
import { expect } from 'vitest'

/** GET `url` (a server's /metrics): the body, once the status and content type say it is Prometheus text. */
export async function scrapeMetrics (url: string): Promise<string> {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return response.text()
}

/**
 * One sample's value in Prometheus' text format: with `labels` (e.g. `{outcome="ok"}`, as written) that
 * series, without them the sum over all the metric's series; undefined when absent.
 */
export function sampleValue (text: string, name: string, labels = ''): number | undefined {
  const values = text.split('\n')
    .filter(line => line.startsWith(`${name}${labels} `) || (labels === '' && line.startsWith(`${name}{`)))
    .map(line => Number(line.slice(line.lastIndexOf(' ') + 1)))
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0)
}

// One style for the whole repo: neostandard (JavaScript Standard Style, with typescript-eslint for .ts)
// and a print width of 120 so a file reads without scrolling. `pnpm lint` checks, `pnpm lint --fix` formats.
import neostandard from 'neostandard'

export default [
  { ignores: ['**/dist/**', '.tools/**', '**/node_modules/**'] },
  ...neostandard({ ts: true }),
  { rules: { '@stylistic/max-len': ['error', { code: 120, ignoreUrls: true }] } }
]

// The repo root's `pnpm dev` runs this path: the dev runner is src/run/dev.ts.
import './run/dev.ts'

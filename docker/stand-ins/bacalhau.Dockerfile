# A stand-in for ghcr.io/bacalhau-project/bacalhau, built by the docker tier (scripts/docker/engine.ts) from
# the Bacalhau binary the repo builds with Go (scripts/real-peers.ts) when the registry cannot be reached:
# the same entrypoint (`bacalhau`), for WASM jobs (no Docker inside).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY bacalhau /usr/local/bin/bacalhau
ENTRYPOINT ["/usr/local/bin/bacalhau"]

# A stand-in for the official ipfs/kubo image, built by the docker tier (scripts/docker/engine.ts) from the
# Kubo binary the repo builds with Go (scripts/real-peers.ts) when the registry cannot be reached. It keeps
# the interface this repo's compose file uses: IPFS_PATH=/data/ipfs, IPFS_PROFILE applied at `ipfs init`,
# API and gateway on 0.0.0.0, scripts in /container-init.d/ run before the daemon, ports 4001 5001 8080.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
COPY ipfs /usr/local/bin/ipfs
COPY start-kubo.sh /usr/local/bin/start-kubo
ENV IPFS_PATH=/data/ipfs
RUN mkdir -p /data/ipfs /container-init.d
EXPOSE 4001 5001 8080
ENTRYPOINT ["/usr/local/bin/start-kubo"]
CMD ["daemon", "--migrate=true"]

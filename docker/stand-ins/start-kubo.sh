#!/bin/sh
# The stand-in Kubo image's entrypoint: initialise the repo once (with IPFS_PROFILE), open the API and the
# gateway to the container's network, run /container-init.d/*.sh, then run ipfs with the given arguments.
set -e
if [ ! -f "$IPFS_PATH/config" ]; then
  ipfs init ${IPFS_PROFILE:+--profile="$IPFS_PROFILE"}
  ipfs config Addresses.API /ip4/0.0.0.0/tcp/5001
  ipfs config Addresses.Gateway /ip4/0.0.0.0/tcp/8080
fi
for script in /container-init.d/*; do
  [ -f "$script" ] && sh "$script"
done
exec ipfs "$@"

# The control plane's images, one per `--target`, from the binaries scripts/k8s/tools.ts builds (Kubernetes,
# etcd and CoreDNS from their Go modules, pause from Kubernetes' own pause.c): static programs on an empty
# image, as upstream's distroless images hold them. kube-proxy needs iptables and conntrack (and kube-router,
# the NetworkPolicy firewall, ipset), so it gets
# Debian (from BASE_IMAGE, the docker tier's locally built one, without its Node: every node unpacks this
# image, and the pod network's agent runs it too).
ARG BASE_IMAGE

FROM scratch AS static
ENV PATH=/usr/local/bin:/bin

FROM static AS kube-apiserver
COPY kube-apiserver /usr/local/bin/

FROM static AS kube-controller-manager
COPY kube-controller-manager /usr/local/bin/

FROM static AS kube-scheduler
COPY kube-scheduler /usr/local/bin/

FROM static AS etcd
COPY etcd /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/etcd"]

FROM static AS coredns
COPY coredns /coredns
ENTRYPOINT ["/coredns"]

FROM static AS pause
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]

FROM ${BASE_IMAGE} AS kube-proxy-root
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iptables ipset conntrack iproute2 nftables kmod \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc /usr/share/man /usr/share/locale \
    /usr/local/bin/node /usr/local/bin/npm /usr/local/bin/npx /usr/local/lib/node_modules /usr/local/include /home/node

FROM scratch AS kube-proxy
COPY --from=kube-proxy-root / /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY kube-proxy kubectl /usr/local/bin/

# kube-router's firewall (the NetworkPolicies): kube-proxy's iptables, ipset and its own binary, sharing
# kube-proxy's layers on the nodes.
FROM kube-proxy AS kube-router
COPY kube-router /usr/local/bin/

# Prometheus for the cluster (the chart's optional one): its own binary, built from its Go module.
FROM static AS prometheus
COPY prometheus /bin/prometheus
USER 65534:65534
ENTRYPOINT ["/bin/prometheus"]

{{/* Names and labels. A server's objects are named <release>-<server> (truncated to DNS's 63 characters). */}}
{{- define "liftoff.name" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "liftoff.labels" -}}
app.kubernetes.io/name: ipfs-liftoff
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "liftoff.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* The in-cluster DNS name of a server's one pod (through its headless Service). */}}
{{- define "liftoff.podHost" -}}
{{- $name := include "liftoff.name" . -}}
{{- printf "%s-0.%s-peers.%s.svc.cluster.local" $name $name .root.Release.Namespace -}}
{{- end -}}

{{/* The in-cluster DNS name of a server's Service. */}}
{{- define "liftoff.serviceHost" -}}
{{- printf "%s.%s.svc.cluster.local" (include "liftoff.name" .) .root.Release.Namespace -}}
{{- end -}}

{{/* /ip4 for an IP address, /dns4 for a name. */}}
{{- define "liftoff.hostProtocol" -}}
{{- if regexMatch "^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$" . }}ip4{{ else }}dns4{{ end -}}
{{- end -}}

{{/* Ready means: the server wrote its ready.json (on READY; removed on stop) and its port takes connections. A
     server killed before it could remove ready.json leaves one behind, so the port is checked too. */}}
{{- define "liftoff.readyCheck" -}}
const [file, port] = process.argv.slice(1); if (!require('node:fs').existsSync(file)) process.exit(1); require('node:net').connect(Number(port), '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))
{{- end -}}

{{- define "liftoff.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .image .root.Values.image.tag -}}
{{- end -}}

{{/* What every pod of the chart runs with: the "restricted" Pod Security level (a non-root user, the
     runtime's default seccomp profile), no service-account token (nothing in it talks to the API server),
     no Service environment variables. .root, .uid (the image's user: 1000 for the examples, Kubo and Bacalhau,
     65534 for Prometheus). */}}
{{- define "liftoff.podSpecSecurity" -}}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  runAsNonRoot: true
  runAsUser: {{ .uid }}
  runAsGroup: {{ .uid }}
  fsGroup: {{ .uid }}
  seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{/* Every container: no privilege escalation, no capabilities, a read-only root filesystem (what it writes
     goes to its volumes and to the emptyDir at /tmp). */}}
{{- define "liftoff.containerSecurity" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: { drop: [ALL] }
seccompProfile: { type: RuntimeDefault }
{{- end -}}

{{/* The scratch volume every container mounts at /tmp (the root filesystem is read-only). */}}
{{- define "liftoff.tmpVolume" -}}
- { name: tmp, emptyDir: { sizeLimit: {{ .Values.tmpSizeLimit }} } }
{{- end -}}

{{/* The Secret a server's keys come from: servers.<name>.existingSecret, or the chart's from secretEnv. */}}
{{- define "liftoff.keysSecret" -}}
{{- .spec.existingSecret | default (printf "%s-keys" (include "liftoff.name" .)) -}}
{{- end -}}

{{/* The Secret a server's client Jobs take their keys from: clientExistingSecret, or the chart's from clientSecretEnv. */}}
{{- define "liftoff.clientKeysSecret" -}}
{{- .spec.clientExistingSecret | default (printf "%s-client-keys" (include "liftoff.name" .)) -}}
{{- end -}}

{{/* The SHA-256 of every key and token values.yaml ships (public: they are in the repository). A hash, not the
     values: a chart cannot read its own values.yaml's defaults once they are overridden. The k8s tier checks
     that every secret value of values.yaml is refused, so this list cannot fall behind. */}}
{{- define "liftoff.demoKeyHashes" -}}
5164bb058f12417737886e19d01b3df2c50d7752349aa7f5741b16514c3574d7 b7be8822181ca2762159c6f9a3ea8b29e637b794141feb4dd8dbdbd6855a24f8
078f3518b579e971dee52669a042c752e58699d098b71874ac6c12e4296e6cf2 bb330b96dbb34d1cc528e9a8a9f9956c8dbee41f0275a0020fb921d69fa71a86
2fe326787f07d37575c651f86d4e94eb91564f871b9caca038243177f1f8f6f2 5f73b497a0cb4893e9f96cbc7d7c092ff59bed2dd92feb38447df5e2d726924c
9433871d57f208fecdb1a2a78249b14238b3590b43538d094c0d77a5eb51ac11 a2ec0247b0885827402ccd30770d743b6af252910712889fb506c65089c28494
a218919ec36c6a6e480c0313a7049a1f7b2a39ca14242b1c533890f55cc4beba 68a38d9e9c6124143ddc43b0cbda65b1aa49808bd471bf2929bb525aa3069089
616bdd865fc07aabd4d545f5cdfc708d7f53c6b65739126bc5c01e4a83af5623 c7703dc0b2227a283d9a2ab5bfaf22323c4aec46c516a395575fc167fecd1793
{{- end -}}

{{/* Stops the install, in one line naming them, while any key or token in use is one of the demo keys above,
     unless `demo: true` says this is a demo. */}}
{{- define "liftoff.refuseDemoKeys" -}}
{{- if not .Values.demo }}
{{- $demoHashes := include "liftoff.demoKeyHashes" . | splitList "\n" | join " " | splitList " " }}
{{- $found := list }}
{{- range $server, $spec := .Values.servers }}
{{- if and $spec.enabled (not $spec.existingSecret) }}
{{- range $key, $value := $spec.secretEnv }}
{{- if has (toString $value | sha256sum) $demoHashes }}
{{- $found = append $found (printf "servers.%s.secretEnv.%s" $server $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $spec.enabled $.Values.clients.enabled (not $spec.clientExistingSecret) }}
{{- range $key, $value := $spec.clientSecretEnv }}
{{- if has (toString $value | sha256sum) $demoHashes }}
{{- $found = append $found (printf "servers.%s.clientSecretEnv.%s" $server $key) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.bacalhau.enabled (not .Values.bacalhau.existingSecret) (has (toString .Values.bacalhau.nodeToken | sha256sum) $demoHashes) }}
{{- $found = append $found "bacalhau.nodeToken" }}
{{- end }}
{{- if $found }}
{{- fail (printf "refusing to install with public demo keys (%s): set your own (or an existingSecret), or demo=true for a demo" (join ", " $found)) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Tolerations that bound how long a pod waits on a lost node (values: unreachableTolerationSeconds). */}}
{{- define "liftoff.tolerations" -}}
- key: node.kubernetes.io/unreachable
  operator: Exists
  effect: NoExecute
  tolerationSeconds: {{ .Values.unreachableTolerationSeconds }}
- key: node.kubernetes.io/not-ready
  operator: Exists
  effect: NoExecute
  tolerationSeconds: {{ .Values.unreachableTolerationSeconds }}
{{- end -}}

{{/* Waits until a TCP connection to every "host:port" argument opens (tried once a second, a new connection each
time, no after 5 s). */}}
{{- define "liftoff.waitForPorts" -}}
const net = require('node:net'); const targets = process.argv.slice(1).map(arg => arg.split(':')); const opens = ([host, port]) => new Promise(resolve => { const socket = net.connect({ host, port: Number(port), timeout: 5000 }, () => { socket.destroy(); resolve(true) }); socket.on('timeout', () => { socket.destroy(); resolve(false) }); socket.on('error', () => resolve(false)) }); const poll = () => Promise.all(targets.map(opens)).then(all => all.every(Boolean) ? process.exit(0) : setTimeout(poll, 1000)); poll()
{{- end -}}

{{/* Waits until every "METHOD url" argument answers 2xx (asked once a second). Each ask is a new connection
that counts as no after 5 s: a kept-alive one can outlive the pod it reached. */}}
{{- define "liftoff.waitForAnswers" -}}
const http = require('node:http'); const asks = process.argv.slice(1).map(arg => arg.split(' ')); const answers = ([method, url]) => new Promise(resolve => { const request = http.request(url, { method, agent: false, timeout: 5000 }, response => { response.resume(); resolve(response.statusCode >= 200 && response.statusCode < 300) }); request.on('timeout', () => request.destroy()); request.on('error', () => resolve(false)); request.end() }); const poll = () => Promise.all(asks.map(answers)).then(all => all.every(Boolean) ? process.exit(0) : setTimeout(poll, 1000)); poll()
{{- end -}}

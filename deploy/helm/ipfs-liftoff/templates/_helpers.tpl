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

{{/* The pod security settings of the example images: they run as `node` (uid 1000). */}}
{{- define "liftoff.podSecurity" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
{{- end -}}

{{- define "liftoff.containerSecurity" -}}
allowPrivilegeEscalation: false
capabilities: { drop: [ALL] }
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

{{/* Waits until every "METHOD url" argument answers 2xx (asked once a second). Each ask is a new connection
that counts as no after 5 s: a kept-alive one can outlive the pod it reached. */}}
{{- define "liftoff.waitForAnswers" -}}
const http = require('node:http'); const asks = process.argv.slice(1).map(arg => arg.split(' ')); const answers = ([method, url]) => new Promise(resolve => { const request = http.request(url, { method, agent: false, timeout: 5000 }, response => { response.resume(); resolve(response.statusCode >= 200 && response.statusCode < 300) }); request.on('timeout', () => request.destroy()); request.on('error', () => resolve(false)); request.end() }); const poll = () => Promise.all(asks.map(answers)).then(all => all.every(Boolean) ? process.exit(0) : setTimeout(poll, 1000)); poll()
{{- end -}}

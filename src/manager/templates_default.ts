/**
 * Vigil's built-in notification templates, under the names Alertmanager's default.tmpl
 * gives them so user configs keep working. The text templates print what Alertmanager's
 * print; the e-mail HTML is our own, simpler layout with the same content.
 */

const define = (name: string, body: string): string => `{{ define "${name}" }}${body}{{ end }}\n`;

/** The subject line: status, firing count, group label values, other common label values. */
const SUBJECT = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}]'
  + ' {{ .GroupLabels.SortedPairs.Values | join " " }}'
  + ' {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}';

/** The subject with its label values HTML-escaped. */
const SUBJECT_HTML = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}]'
  + ' {{ .GroupLabels.SortedPairs.Values | join " " | html }}'
  + ' {{ if gt (len .CommonLabels) (len .GroupLabels) }}({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " | html }}{{ end }}){{ end }}';

/** A plain-text listing of alerts (dot is a list of alerts). */
const TEXT_ALERT_LIST = '{{ range . }}Labels:\n'
  + '{{ range .Labels.SortedPairs }} - {{ .Name }} = {{ .Value }}\n{{ end }}'
  + 'Annotations:\n'
  + '{{ range .Annotations.SortedPairs }} - {{ .Name }} = {{ .Value }}\n{{ end }}'
  + 'Source: {{ .GeneratorURL }}\n{{ end }}';

/** One alert's block in the HTML mail; values are escaped since our engine has no html/template. */
const HTML_ALERT = `<div class="alert">
<strong>Labels</strong><br />
{{ range .Labels.SortedPairs }}{{ .Name | html }} = {{ .Value | html }}<br />
{{ end }}{{ if gt (len .Annotations) 0 }}<strong>Annotations</strong><br />
{{ end }}{{ range .Annotations.SortedPairs }}{{ .Name | html }} = {{ .Value | html }}<br />
{{ end }}<a href="{{ .GeneratorURL | html }}">Source</a><br />
</div>
`;

const EMAIL_HTML = `<!DOCTYPE html>
<html>
<head>
<meta name="viewport" content="width=device-width" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>{{ template "__vigil_subject_html" . }}</title>
<style>
body { font-family: 'Helvetica Neue', Helvetica, Arial, sans-serif; font-size: 14px; background-color: #f6f6f6; margin: 0; padding: 20px; }
.box { max-width: 600px; margin: 0 auto; background-color: #fff; border: 1px solid #e9e9e9; border-radius: 3px; }
.head { color: #fff; font-size: 16px; font-weight: 500; text-align: center; padding: 20px; background-color: #E6522C; }
.head.resolved { background-color: #68B90F; }
.body { padding: 10px; }
.alert { padding: 0 0 20px; }
.button { display: inline-block; color: #fff; background-color: #348eda; padding: 10px 20px; border-radius: 5px; text-decoration: none; font-weight: bold; }
.foot { color: #999; font-size: 12px; text-align: center; padding: 20px; }
</style>
</head>
<body>
<div class="box">
<div class="head{{ if eq .Status "resolved" }} resolved{{ end }}">{{ .Alerts | len }} alert{{ if gt (len .Alerts) 1 }}s{{ end }} for {{ range .GroupLabels.SortedPairs }}{{ .Name | html }}={{ .Value | html }} {{ end }}</div>
<div class="body">
<p><a class="button" href="{{ .ExternalURL | html }}/#/alerts">View in {{ template "__alertmanager" . }}</a></p>
{{ if gt (len .Alerts.Firing) 0 }}<p><strong>[{{ .Alerts.Firing | len }}] Firing</strong></p>
{{ range .Alerts.Firing }}${HTML_ALERT}{{ end }}{{ end }}{{ if gt (len .Alerts.Resolved) 0 }}{{ if gt (len .Alerts.Firing) 0 }}<hr />
{{ end }}<p><strong>[{{ .Alerts.Resolved | len }}] Resolved</strong></p>
{{ range .Alerts.Resolved }}${HTML_ALERT}{{ end }}{{ end }}</div>
</div>
<div class="foot"><a href="{{ .ExternalURL | html }}">Sent by {{ template "__alertmanager" . }}</a></div>
</body>
</html>
`;

/** The default templates file, parsed before any user template. */
export const DEFAULT_TEMPLATES = [
  define('__alertmanager', 'AlertManager'),
  define('__alertmanagerURL', '{{ .ExternalURL }}/#/alerts'),
  define('__subject', SUBJECT),
  define('__description', ''),
  define('__text_alert_list', TEXT_ALERT_LIST),
  define('slack.default.title', '{{ template "__subject" . }}'),
  define('slack.default.username', '{{ template "__alertmanager" . }}'),
  define('slack.default.fallback', '{{ template "slack.default.title" . }} | {{ template "slack.default.titlelink" . }}'),
  define('slack.default.callbackid', ''),
  define('slack.default.pretext', ''),
  define('slack.default.titlelink', '{{ template "__alertmanagerURL" . }}'),
  define('slack.default.iconemoji', ''),
  define('slack.default.iconurl', ''),
  define('slack.default.text', ''),
  define('slack.default.footer', ''),
  define('pagerduty.default.description', '{{ template "__subject" . }}'),
  define('pagerduty.default.client', '{{ template "__alertmanager" . }}'),
  define('pagerduty.default.clientURL', '{{ template "__alertmanagerURL" . }}'),
  define('pagerduty.default.instances', '{{ template "__text_alert_list" . }}'),
  define('email.default.subject', '{{ template "__subject" . }}'),
  define('__vigil_subject_html', SUBJECT_HTML),
  define('email.default.html', EMAIL_HTML),
].join('');

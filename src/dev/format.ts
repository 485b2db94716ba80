/** One readable line per alert event for `vigil dev`'s stdout. */
import type { AlertEvent } from '../evaluate/event.js';

/** `12:03:15 FIRING NodeFilesystemAlmostOutOfSpace instance=web-17 mountpoint=/ severity=warning — summary`. */
export function formatEventLine(e: AlertEvent): string {
  const time = new Date(e.evalTime).toISOString().slice(11, 19);
  const labels = Object.entries(e.labels)
    .filter(([k]) => k !== 'alertname' && k !== 'job')
    .sort(([a], [b]) => (a === 'instance' ? -1 : b === 'instance' ? 1 : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const summary = e.annotations.summary ? ` — ${e.annotations.summary}` : '';
  return `${time} ${e.state.toUpperCase().padEnd(8)} ${e.rule.name} ${labels}${summary}`;
}

/**
 * The manager's configuration as shown to API clients (`/api/v2/status`): the original
 * YAML with every secret replaced by `<secret>`, as Alertmanager shows it.
 */
import { isMap, isPair, isScalar, parseDocument, visit } from 'yaml';

/** Keys whose values are secrets anywhere in an Alertmanager config. */
const SECRET_KEYS = new Set([
  'smtp_auth_password', 'smtp_auth_secret', 'auth_password', 'auth_secret',
  'slack_api_url', 'api_url', 'url', 'webhook_url', 'routing_key', 'service_key',
  'password', 'credentials', 'bearer_token', 'api_key', 'api_secret', 'bot_token', 'token',
  'opsgenie_api_key', 'victorops_api_key', 'wechat_api_secret', 'telegram_bot_token',
]);

/** The config text with secret values masked; unparseable text is hidden whole. */
export function maskConfigSecrets(text: string): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return '<config hidden: it does not parse>';
  visit(doc, {
    Pair(_key, pair) {
      if (!isPair(pair) || !isScalar(pair.key) || !SECRET_KEYS.has(String(pair.key.value))) return;
      // Slack's api_url and webhook urls are secrets; a map under such a key (rare) is hidden too.
      if (isScalar(pair.value) && pair.value.value !== null && pair.value.value !== '') pair.value.value = '<secret>';
      else if (isMap(pair.value)) pair.value = doc.createNode('<secret>');
    },
  });
  return doc.toString();
}

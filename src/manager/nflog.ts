/** The notification log's contract (Alertmanager's nflog), apart from its MySQL storage. */

/** Which receiver integration of which group an entry is about. */
export interface NflogKey {
  readonly groupId: string;
  readonly receiver: string;
  /** Integration kind: "webhook", "email", ... */
  readonly integration: string;
  /** Position among the receiver's integrations of that kind. */
  readonly index: number;
}

/** What was last notified. */
export interface NflogEntry {
  readonly firing: readonly string[];
  readonly resolved: readonly string[];
  readonly timestamp: number;
  readonly expiresAt: number;
}

/** Reads and writes notification log entries. */
export interface NotificationLog {
  /** The live entry for `key`, or null. */
  query(key: NflogKey, now: number): Promise<NflogEntry | null>;
  /** Records a successful notification. */
  log(key: NflogKey, groupKey: string, firing: readonly string[], resolved: readonly string[], now: number, expiresAt: number): Promise<void>;
}

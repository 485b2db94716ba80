/**
 * The routing tree (Alertmanager dispatch/route.go): each route's options inherited from
 * its parent, matching an alert's labels depth-first with `continue`, and the group key
 * (`<route key>:<group labels>`) that names an aggregation group.
 */
import type { Matcher } from '../promql/matcher.js';
import { labelsFromRecord, labelsToBraces, type Labels } from '../promql/labels.js';
import { mergeMatchers, type ManagerConfig, type RouteConfig } from './config.js';
import { amMatchersString, compareMatchers, matchesAll } from './matchers.js';

/** A route with every option resolved. */
export interface Route {
  /** Unique among routes: the key plus the position among siblings. */
  readonly id: string;
  /** Alertmanager's Route.Key(): the matchers of every route from the root, `{}/{a="b"}`. */
  readonly key: string;
  readonly receiver: string;
  /** Label names to group by; null means every label (`...`). */
  readonly groupBy: readonly string[] | null;
  readonly matchers: readonly Matcher[];
  readonly continue: boolean;
  readonly groupWait: number;
  readonly groupInterval: number;
  readonly repeatInterval: number;
  readonly muteTimeIntervals: readonly string[];
  readonly activeTimeIntervals: readonly string[];
  readonly routes: readonly Route[];
}

type Opts = Pick<Route, 'receiver' | 'groupBy' | 'groupWait' | 'groupInterval' | 'repeatInterval'>;

function build(cfg: RouteConfig, parent: Opts | null, parentKey: string | null, parentId: string | null, index: number): Route {
  const matchers = mergeMatchers(cfg.match, cfg.match_re, cfg.matchers).sort(compareMatchers);
  const ms = amMatchersString(matchers);
  const key = parentKey === null ? ms : `${parentKey}/${ms}`;
  const id = parentId === null ? ms : `${parentId}/${ms}${index}`;
  const groupBy = cfg.group_by === undefined ? parent?.groupBy ?? [] : cfg.group_by.includes('...') ? null : [...cfg.group_by];
  const opts: Opts = {
    receiver: cfg.receiver ?? parent?.receiver ?? '',
    groupBy,
    groupWait: cfg.group_wait ?? parent?.groupWait ?? 30_000,
    groupInterval: cfg.group_interval ?? parent?.groupInterval ?? 300_000,
    repeatInterval: cfg.repeat_interval ?? parent?.repeatInterval ?? 4 * 3600_000,
  };
  const self: Route = {
    id,
    key,
    ...opts,
    matchers,
    continue: cfg.continue,
    muteTimeIntervals: cfg.mute_time_intervals ?? [],
    activeTimeIntervals: cfg.active_time_intervals ?? [],
    routes: (cfg.routes ?? []).map((c, i) => build(c, opts, key, id, i)),
  };
  return Object.freeze(self);
}

/** The route tree of a config. */
export function buildRoutes(config: ManagerConfig): Route {
  return build(config.route, null, null, null, 0);
}

/**
 * The routes an alert goes to (Route.Match): the deepest matching routes, following siblings
 * past a match only when it says `continue`; a route none of whose children match takes it.
 */
export function matchRoutes(route: Route, labels: Readonly<Record<string, string>>): Route[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const all: Route[] = [];
  for (const child of route.routes) {
    const found = matchRoutes(child, labels);
    all.push(...found);
    if (found.length > 0 && !child.continue) break;
  }
  if (all.length === 0) all.push(route);
  return all;
}

/** Every route of the tree, depth first. */
export function walkRoutes(route: Route): Route[] {
  return [route, ...route.routes.flatMap(walkRoutes)];
}

/** The labels an alert is grouped by on `route`. */
export function groupLabels(route: Route, labels: Readonly<Record<string, string>>): Labels {
  if (route.groupBy === null) return labelsFromRecord(labels);
  const out: Record<string, string> = {};
  for (const n of route.groupBy) if (labels[n] !== undefined && labels[n] !== '') out[n] = labels[n]!;
  return labelsFromRecord(out);
}

/** The aggregation group's key, as Alertmanager prints it: `{}/{team="a"}:{alertname="X"}`. */
export function groupKey(route: Route, groupLabelSet: Labels): string {
  return `${route.key}:${labelsToBraces(groupLabelSet)}`;
}

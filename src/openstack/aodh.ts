// Aodh (service type `alarming`) REST calls: alarms list/show, state, history. The catalog's alarming endpoint has
// no version (e.g. http://host:8042), hence the `/v2` prefix. Depends only on the Cloud's generic request() (C7).
import type { Requester } from './gnocchi.js';

export interface AodhGnocchiRule {
  metric?: string;
  metrics?: string[];
  resource_type?: string;
  resource_id?: string;
  /** A JSON string (Gnocchi search filter); for non-admin owners Aodh stores it wrapped in a project filter. */
  query?: string;
  aggregation_method?: string;
  granularity?: number;
  evaluation_periods?: number;
  threshold?: number;
  comparison_operator?: string;
}

export interface AodhAlarm {
  alarm_id: string;
  name: string;
  type: string;
  description?: string;
  enabled: boolean;
  state: string;
  state_reason?: string;
  state_timestamp?: string;
  timestamp?: string;
  repeat_actions?: boolean;
  severity?: string;
  alarm_actions?: string[];
  ok_actions?: string[];
  insufficient_data_actions?: string[];
  project_id?: string;
  user_id?: string;
  gnocchi_aggregation_by_resources_threshold_rule?: AodhGnocchiRule;
  gnocchi_resources_threshold_rule?: AodhGnocchiRule;
  gnocchi_aggregation_by_metrics_threshold_rule?: AodhGnocchiRule;
  [other: string]: unknown;
}

export interface AodhHistoryEntry {
  event_id?: string;
  alarm_id: string;
  type: string; // creation | rule change | state transition | deletion | action
  /** For "state transition": JSON text {"state": ..., "transition_reason": ..., "state_reason"?: ...}. */
  detail: string;
  timestamp: string;
  user_id?: string;
  project_id?: string;
}

const ALARMING = 'alarming';
const enc = encodeURIComponent;

/** The threshold rule of a Gnocchi alarm, whatever its type. */
export function gnocchiRule(a: AodhAlarm): AodhGnocchiRule | undefined {
  return (
    a.gnocchi_aggregation_by_resources_threshold_rule ??
    a.gnocchi_resources_threshold_rule ??
    a.gnocchi_aggregation_by_metrics_threshold_rule
  );
}

/** The state a "state transition" history entry moved to, and its reason. */
export function transitionOf(h: AodhHistoryEntry): { state?: string; reason?: string } {
  try {
    const d = JSON.parse(h.detail) as { state?: string; transition_reason?: string; state_reason?: string };
    return { state: d.state, reason: d.transition_reason ?? d.state_reason };
  } catch {
    return {};
  }
}

export class AodhClient {
  constructor(readonly cloud: Requester) {}

  /** Alarms visible to the user; `q` as Aodh's simple query (field=value pairs). */
  async list(q: Record<string, string> = {}): Promise<AodhAlarm[]> {
    const entries = Object.entries(q);
    const query: Record<string, unknown> = {};
    if (entries.length) {
      query['q.field'] = entries.map(([k]) => k);
      query['q.op'] = entries.map(() => 'eq');
      query['q.value'] = entries.map(([, v]) => v);
    }
    return (await this.cloud.request<AodhAlarm[]>(ALARMING, 'GET', '/v2/alarms', { query })).data;
  }

  async show(id: string): Promise<AodhAlarm | undefined> {
    const r = await this.cloud.request<AodhAlarm>(ALARMING, 'GET', `/v2/alarms/${enc(id)}`, { okStatuses: [200, 404] });
    return r.status === 404 ? undefined : r.data;
  }

  async state(id: string): Promise<string> {
    return (await this.cloud.request<string>(ALARMING, 'GET', `/v2/alarms/${enc(id)}/state`)).data;
  }

  /** Newest first (Aodh's order). */
  async history(id: string): Promise<AodhHistoryEntry[]> {
    const r = await this.cloud.request<AodhHistoryEntry[]>(ALARMING, 'GET', `/v2/alarms/${enc(id)}/history`, {
      okStatuses: [200, 404],
    });
    return r.status === 404 ? [] : r.data;
  }

  /** The newest state transition in the history, if any. */
  async lastTransition(id: string): Promise<(AodhHistoryEntry & { state?: string; reason?: string }) | undefined> {
    const h = (await this.history(id))
      .filter((e) => e.type === 'state transition')
      .sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0];
    return h ? { ...h, ...transitionOf(h) } : undefined;
  }
}

import type { ColumnType, Generated } from 'kysely';

/**
 * Row types of the insights tables (migration 0030). int8 counts arrive as strings (see schema.ts);
 * the repository turns them into numbers.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Count = ColumnType<string, number | string | bigint, number | string | bigint>;

export type InsightsEvent = 'new' | 'withdrawn' | 'released' | 'upgraded' | 'downgraded' | 'joined' | 'left';
export type InsightsCategory = 'basic' | 'premium' | 'own';

/** A registration change not folded yet: a state row (event null) or an event in its month. */
export interface InsightsDeltasTable {
  lg_code: string;
  id: Generated<string>;
  sign: -1 | 1;
  origin: 'direct' | 'prefecture_link';
  event: InsightsEvent | null;
  event_month: ColumnType<Date | null, string | null | undefined, string | null>;
  category: InsightsCategory;
  residence_prefecture_code: string | null;
  residence_lg_code: string | null;
  age_band: string | null;
  relationship_ties: string[] | null;
  long_stay: boolean | null;
}

export interface InsightsActivityChangesTable {
  lg_code: string;
  id: Generated<string>;
}

export interface InsightsCurrentTable {
  scope: string;
  dimension: string;
  key: string;
  count: Count;
}

export interface InsightsMonthlyTable {
  scope: string;
  month: ColumnType<Date, string, string>;
  measure: string;
  count: Count;
}

export interface InsightsActivityTable {
  scope: string;
  period: string;
  measure: string;
  count: Count;
  computed_at: Timestamp;
}

export interface InsightsRefreshesTable {
  id: string;
  kind: 'fold' | 'rebuild' | 'activity';
  started_at: Timestamp;
  finished_at: Timestamp;
  deltas: Count;
  governments: ColumnType<number, number | undefined, number>;
}

export interface InsightsTables {
  insights_deltas: InsightsDeltasTable;
  insights_activity_changes: InsightsActivityChangesTable;
  insights_current: InsightsCurrentTable;
  insights_monthly: InsightsMonthlyTable;
  insights_activity: InsightsActivityTable;
  insights_refreshes: InsightsRefreshesTable;
}

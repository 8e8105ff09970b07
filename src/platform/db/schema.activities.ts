import type { ColumnType, Selectable } from 'kysely';

/** Row types of the activities tables (migration 0010). See schema.ts for the conventions. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export const organisationKinds = [
  'jichikai',
  'rmo',
  'fire_brigade',
  'pta',
  'npo',
  'machizukuri',
  'dmo',
  'chamber',
  'dual_residence',
  'intermediary',
  'other',
] as const;
export type OrganisationKind = (typeof organisationKinds)[number];
export type OrganisationStatus = 'pending' | 'approved' | 'rejected' | 'suspended';

export interface OrganisationsTable {
  lg_code: string;
  id: string;
  name: string;
  kind: OrganisationKind;
  description: ColumnType<string, string | undefined, string>;
  area: ColumnType<string, string | undefined, string>;
  contact_email: string | null;
  contact_phone: string | null;
  website: string | null;
  corporate_number: string | null;
  status: ColumnType<OrganisationStatus, OrganisationStatus | undefined, OrganisationStatus>;
  designated: ColumnType<boolean, boolean | undefined, boolean>;
  designated_at: Date | null;
  applied_by: string | null;
  decided_at: Date | null;
  decided_by: string | null;
  decision_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export const projectCategories = [
  'festival',
  'environment',
  'disaster_prevention',
  'shopping_mobility',
  'agriculture',
  'children_education',
  'elderly_care',
  'tourism_exchange',
  'vacant_houses',
  'other',
] as const;
export type ProjectCategory = (typeof projectCategories)[number];
export type ProjectStatus = 'draft' | 'published' | 'cancelled' | 'archived';
export type ProjectDesignation = 'inherit' | 'designated' | 'excluded';

export interface ProjectsTable {
  lg_code: string;
  id: string;
  organisation_id: string | null;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  category: ProjectCategory;
  place_name: ColumnType<string, string | undefined, string>;
  place_address: ColumnType<string, string | undefined, string>;
  place_lg_code: string | null;
  what_to_bring: ColumnType<string, string | undefined, string>;
  contact: ColumnType<string, string | undefined, string>;
  accessibility: ColumnType<string, string | undefined, string>;
  status: ColumnType<ProjectStatus, ProjectStatus | undefined, ProjectStatus>;
  designation: ColumnType<ProjectDesignation, ProjectDesignation | undefined, ProjectDesignation>;
  designation_requested_at: Date | null;
  designation_changed_at: Date | null;
  designation_changed_by: string | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  published_at: Date | null;
}

export type ActivitySessionStatus = 'open' | 'closed' | 'cancelled';

export interface ActivitySessionsTable {
  lg_code: string;
  id: string;
  project_id: string;
  starts_at: Date;
  ends_at: Date;
  capacity: number | null;
  confirmed_count: ColumnType<number, number | undefined, number>;
  status: ColumnType<ActivitySessionStatus, ActivitySessionStatus | undefined, ActivitySessionStatus>;
  note: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  closed_at: Date | null;
  cancelled_at: Date | null;
}

export type SessionApplicationStatus = 'confirmed' | 'waitlisted' | 'cancelled' | 'withdrawn';

export interface SessionApplicationsTable {
  lg_code: string;
  id: string;
  session_id: string;
  project_id: string;
  person_id: string;
  status: SessionApplicationStatus;
  shared_name: string | null;
  contact_email: string | null;
  comment: ColumnType<string, string | undefined, string>;
  applied_at: Timestamp;
  confirmed_at: Date | null;
  ended_at: Date | null;
}

export type AttendanceMethod = 'session_qr' | 'card_qr' | 'manual';

export interface AttendanceTable {
  lg_code: string;
  id: string;
  session_id: string;
  project_id: string;
  person_id: string;
  registration_id: string | null;
  /** `date`: select it with to_char(…, 'YYYY-MM-DD'); the driver would turn it into a local-midnight Date. */
  activity_date: ColumnType<Date, string, string>;
  method: AttendanceMethod;
  designated: boolean;
  status: ColumnType<'present' | 'removed', 'present' | 'removed' | undefined, 'present' | 'removed'>;
  shared_name: string | null;
  scanned_at: Date | string;
  recorded_at: Timestamp;
  recorded_by: string;
  client_scan_id: string | null;
  removed_at: Date | null;
  removed_by: string | null;
  removal_reason: string | null;
}

export interface SessionMessagesTable {
  lg_code: string;
  id: string;
  session_id: string;
  subject: string;
  body: string;
  audience: 'confirmed' | 'confirmed_and_waitlisted';
  recipients: number;
  sent_by: string;
  sent_at: Timestamp;
}

export interface ActivitiesTables {
  organisations: OrganisationsTable;
  projects: ProjectsTable;
  activity_sessions: ActivitySessionsTable;
  session_applications: SessionApplicationsTable;
  attendance: AttendanceTable;
  session_messages: SessionMessagesTable;
}

export type OrganisationRow = Selectable<OrganisationsTable>;
export type ProjectRow = Selectable<ProjectsTable>;
export type ActivitySessionRow = Selectable<ActivitySessionsTable>;
export type SessionApplicationRow = Selectable<SessionApplicationsTable>;
export type AttendanceRow = Selectable<AttendanceTable>;

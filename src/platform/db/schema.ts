import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { ActivitiesTables } from './schema.activities.js';
import type { InsightsTables } from './schema.insights.js';
import type { OutreachTables } from './schema.outreach.js';
import type { OutreachRoomsTables } from './schema.outreach-b.js';

export * from './schema.activities.js';
export * from './schema.insights.js';
export * from './schema.outreach.js';
export * from './schema.outreach-b.js';

/** Row types of every table, as Kysely sees them. int8 arrives as string; timestamptz as Date. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T = Record<string, unknown>> = ColumnType<T, string | T | undefined, string | T>;

export interface PrefecturesTable {
  prefecture_code: string;
  lg_code: string;
  name: string;
  name_kana: string;
  name_en: string;
  iso_code: string;
  capital: string;
  latitude: number;
  longitude: number;
  url: string;
}

export type LocalGovernmentKind = 'prefecture' | 'city' | 'town' | 'village' | 'special_ward' | 'designated_city_ward';

export interface LocalGovernmentsTable {
  lg_code: string;
  prefecture_code: string;
  kind: LocalGovernmentKind;
  name: string;
  name_kana: string;
  parent_lg_code: string | null;
  latitude: number | null;
  longitude: number | null;
  url: string | null;
  search_name: string;
  search_kana: string;
}

export interface ReferenceDataVersionsTable {
  name: string;
  checksum: string;
  loaded_at: Generated<Date>;
}

export interface TenantsTable {
  lg_code: string;
  status: ColumnType<'active' | 'suspended', 'active' | 'suspended' | undefined, 'active' | 'suspended'>;
  settings: Json;
  joined_at: Timestamp;
  updated_at: Timestamp;
}

export type AuditActorKind = 'person' | 'staff' | 'operator' | 'system';

export interface AuditEventsTable {
  lg_code: string;
  id: string;
  occurred_at: Timestamp;
  actor_kind: AuditActorKind;
  actor_id: string | null;
  action: string;
  subject_type: string;
  subject_id: string | null;
  data: Json;
  request_id: string | null;
}

export type JobStatus = 'pending' | 'running' | 'succeeded' | 'failed';

export interface JobsTable {
  id: string;
  name: string;
  payload: Json<unknown>;
  lg_code: string | null;
  status: ColumnType<JobStatus, JobStatus | undefined, JobStatus>;
  run_at: Timestamp;
  attempts: ColumnType<number, number | undefined, number>;
  max_attempts: ColumnType<number, number | undefined, number>;
  idempotency_key: string | null;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
  created_at: Timestamp;
  finished_at: Date | null;
}

export interface JobSchedulesTable {
  name: string;
  cron: string;
  timezone: ColumnType<string, string | undefined, string>;
  next_run_at: Date;
  last_enqueued_at: Date | null;
}

export interface PersonsTable {
  id: string;
  email: string | null;
  display_name: string | null;
  locale: ColumnType<'ja' | 'en', 'ja' | 'en' | undefined, 'ja' | 'en'>;
  status: ColumnType<'active' | 'deleted', 'active' | 'deleted' | undefined, 'active' | 'deleted'>;
  created_at: Timestamp;
  last_access_at: Timestamp;
  deleted_at: Date | null;
  declared_residence_lg_code: string | null;
}

export type AuthenticationMethod = 'email' | 'passkey';

export interface SessionsTable {
  token_hash: string;
  id: string;
  person_id: string;
  authenticated_by: AuthenticationMethod;
  second_factor_at: Date | null;
  device_label: ColumnType<string, string | undefined, string>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Date;
  revoked_at: Date | null;
}

export interface EmailChallengesTable {
  id: string;
  email: string;
  purpose: 'sign_in';
  token_hash: string;
  code_hash: string;
  next_path: string | null;
  failed_attempts: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  expires_at: Date;
  consumed_at: Date | null;
}

export interface RateLimitsTable {
  key: string;
  window_start: Date;
  hits: number;
}

export interface PersonAuditEventsTable {
  id: string;
  subject: string;
  occurred_at: Timestamp;
  action: string;
  data: Json;
  request_id: string | null;
}

export type PasskeyDeviceType = 'singleDevice' | 'multiDevice';

export interface PasskeysTable {
  /** The credential id, base64url. */
  id: string;
  person_id: string;
  public_key: ColumnType<Uint8Array, Uint8Array, Uint8Array>;
  /** int8: arrives as a string. */
  counter: ColumnType<string, number | string | undefined, number | string>;
  transports: ColumnType<string[], string[] | undefined, string[]>;
  device_type: PasskeyDeviceType;
  backed_up: ColumnType<boolean, boolean | undefined, boolean>;
  label: string;
  created_at: Timestamp;
  last_used_at: Date | null;
}

export interface WebAuthnChallengesTable {
  id: string;
  purpose: 'register' | 'authenticate';
  person_id: string | null;
  challenge: string;
  created_at: Timestamp;
  expires_at: Date;
  consumed_at: Date | null;
}

export type StaffRole = 'tenant_admin' | 'tenant_staff' | 'organisation_staff';

export interface StaffMembershipsTable {
  lg_code: string;
  id: string;
  person_id: string;
  email: string;
  role: StaffRole;
  organisation_id: string | null;
  status: ColumnType<'active' | 'removed', 'active' | 'removed' | undefined, 'active' | 'removed'>;
  invited_by: string | null;
  created_at: Timestamp;
  removed_at: Date | null;
}

export interface StaffInvitationsTable {
  lg_code: string;
  id: string;
  email: string;
  role: StaffRole;
  organisation_id: string | null;
  token_hash: string;
  invited_by: string;
  created_at: Timestamp;
  expires_at: Date;
  accepted_at: Date | null;
  accepted_by: string | null;
  revoked_at: Date | null;
}

export interface OperatorsTable {
  person_id: string;
  granted_at: Timestamp;
  granted_by: string;
}

export interface TotpFactorsTable {
  person_id: string;
  sealed_secret: string;
  created_at: Timestamp;
  confirmed_at: Date | null;
  /** int8: arrives as a string. */
  last_used_step: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OidcAuthorizationRequestsTable {
  id: string;
  /** SHA-256 of the `state`, hex. */
  state_hash: string;
  nonce: string;
  code_verifier: string;
  person_id: string;
  issuer: string;
  return_path: string | null;
  created_at: Timestamp;
  expires_at: Date;
  consumed_at: Date | null;
}

export type IdentityVerificationStatus = 'valid' | 'superseded' | 'revoked';

export interface IdentityVerificationsTable {
  id: string;
  person_id: string;
  issuer: string;
  subject: string;
  verified_at: Date;
  expires_at: Date;
  verified_name: string;
  /** `date`: select it with to_char(…, 'YYYY-MM-DD'); the driver would turn it into a local-midnight Date. */
  birth_date: ColumnType<Date, string, string>;
  minor: boolean;
  residence_prefecture_code: string | null;
  residence_lg_code: string | null;
  status: ColumnType<IdentityVerificationStatus, IdentityVerificationStatus | undefined, IdentityVerificationStatus>;
}

export type GuardianConsentStatus = 'pending' | 'granted' | 'withdrawn' | 'cancelled';

export interface GuardianConsentsTable {
  id: string;
  minor_person_id: string;
  minor_verification_id: string | null;
  scope: 'premium_registration';
  status: ColumnType<GuardianConsentStatus, GuardianConsentStatus | undefined, GuardianConsentStatus>;
  token_hash: string;
  token_expires_at: Date;
  guardian_person_id: string | null;
  guardian_verification_id: string | null;
  requested_at: Timestamp;
  granted_at: Date | null;
  withdrawn_at: Date | null;
  withdrawn_by: 'minor' | 'guardian' | 'system' | null;
}

export interface PrefectureLinkOptOutsTable {
  person_id: string;
  prefecture_lg_code: string;
  created_at: Timestamp;
}

export type RegistrationTier = 'basic' | 'premium';
export type RegistrationStatus = 'active' | 'withdrawn' | 'released';
export type RegistrationEndReason = 'withdrawn' | 'inactive' | 'account_deleted' | 'prefecture_link_removed';
export type AgeBand = 'under_18' | '18_29' | '30_39' | '40_49' | '50_59' | '60_69' | '70_plus';

export interface RegistrationsTable {
  lg_code: string;
  id: string;
  person_id: string;
  tier: ColumnType<RegistrationTier, RegistrationTier | undefined, RegistrationTier>;
  status: ColumnType<RegistrationStatus, RegistrationStatus | undefined, RegistrationStatus>;
  origin: ColumnType<
    'direct' | 'prefecture_link',
    'direct' | 'prefecture_link' | undefined,
    'direct' | 'prefecture_link'
  >;
  linked_from_lg_code: string | null;
  own_residence: ColumnType<boolean, boolean | undefined, boolean>;
  shared_name: string | null;
  contact_email: string | null;
  age_band: AgeBand | null;
  residence_prefecture_code: string | null;
  residence_lg_code: string | null;
  identity_verified: ColumnType<boolean, boolean | undefined, boolean>;
  show_name_on_card: ColumnType<boolean, boolean | undefined, boolean>;
  relationship_ties: ColumnType<string[], string[] | undefined, string[]>;
  relationship_note: string | null;
  custom_answers: Json<Record<string, string>>;
  premium_since: Date | null;
  premium_valid_until: Date | null;
  long_stay: ColumnType<boolean, boolean | undefined, boolean>;
  registered_at: Timestamp;
  ended_at: Date | null;
  end_reason: RegistrationEndReason | null;
  inactivity_asked_at: Date | null;
  inactivity_answered_at: Date | null;
  /** The expiry whose "one month before" renewal step is done (migration 0020). */
  premium_reminded_for: Date | null;
}

export type PremiumApplicationStatus = 'pending' | 'approved' | 'rejected' | 'withdrawn';

export interface PremiumApplicationsTable {
  lg_code: string;
  id: string;
  registration_id: string;
  person_id: string;
  status: ColumnType<PremiumApplicationStatus, PremiumApplicationStatus | undefined, PremiumApplicationStatus>;
  kind: ColumnType<'initial' | 'renewal', 'initial' | 'renewal' | undefined, 'initial' | 'renewal'>;
  judgement: Json;
  applied_at: Timestamp;
  decided_at: Date | null;
  decided_by: string | null;
  reason: string | null;
  /** Renewal only: the expiry this application extends by a year (migration 0020). */
  renews_until: Date | null;
}

/**
 * Every table. Areas added after the first modules keep their row types in `schema.<area>.ts` and join
 * here by `extends`.
 */
export interface Database extends ActivitiesTables, InsightsTables, OutreachTables, OutreachRoomsTables {
  persons: PersonsTable;
  sessions: SessionsTable;
  email_challenges: EmailChallengesTable;
  rate_limits: RateLimitsTable;
  person_audit_events: PersonAuditEventsTable;
  oidc_authorization_requests: OidcAuthorizationRequestsTable;
  identity_verifications: IdentityVerificationsTable;
  guardian_consents: GuardianConsentsTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebAuthnChallengesTable;
  prefectures: PrefecturesTable;
  local_governments: LocalGovernmentsTable;
  reference_data_versions: ReferenceDataVersionsTable;
  tenants: TenantsTable;
  audit_events: AuditEventsTable;
  jobs: JobsTable;
  job_schedules: JobSchedulesTable;
  staff_memberships: StaffMembershipsTable;
  staff_invitations: StaffInvitationsTable;
  operators: OperatorsTable;
  totp_factors: TotpFactorsTable;
  prefecture_link_opt_outs: PrefectureLinkOptOutsTable;
  registrations: RegistrationsTable;
  premium_applications: PremiumApplicationsTable;
}

export type LocalGovernmentRow = Selectable<LocalGovernmentsTable>;
export type PrefectureRow = Selectable<PrefecturesTable>;
export type TenantRow = Selectable<TenantsTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
export type JobRow = Selectable<JobsTable>;
export type PersonRow = Selectable<PersonsTable>;
export type SessionRow = Selectable<SessionsTable>;
export type StaffMembershipRow = Selectable<StaffMembershipsTable>;
export type StaffInvitationRow = Selectable<StaffInvitationsTable>;
export type RegistrationRow = Selectable<RegistrationsTable>;
export type PremiumApplicationRow = Selectable<PremiumApplicationsTable>;

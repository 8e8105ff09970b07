import type { ColumnType, Selectable } from 'kysely';

/**
 * Row types of surveys (migration 0045) and community rooms (migration 0046), part B of outreach. See
 * schema.ts for the conventions.
 */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | T | undefined, string | T>;

export type SurveyPurpose = 'monitor' | 'registration';
export type SurveyStatus = 'draft' | 'published' | 'closed';
export type SurveyAudienceTier = 'all' | 'basic' | 'premium';

export interface SurveysTable {
  lg_code: string;
  id: string;
  purpose: SurveyPurpose;
  title: string;
  title_en: string | null;
  description: ColumnType<string, string | undefined, string>;
  /** The definition, checked by the engine's zod schema when read. */
  questions: Json<unknown[]>;
  audience_tier: ColumnType<SurveyAudienceTier, SurveyAudienceTier | undefined, SurveyAudienceTier>;
  audience_ties: ColumnType<string[], string[] | undefined, string[]>;
  status: ColumnType<SurveyStatus, SurveyStatus | undefined, SurveyStatus>;
  opens_at: Date | null;
  closes_at: Date | null;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  published_at: Date | null;
  closed_at: Date | null;
}

export interface SurveyResponsesTable {
  lg_code: string;
  id: string;
  survey_id: string;
  person_id: string | null;
  registration_id: string | null;
  submitted_at: Timestamp;
}

export interface SurveyAnswersTable {
  lg_code: string;
  response_id: string;
  survey_id: string;
  question_id: string;
  choices: string[] | null;
  scale: number | null;
  text: string | null;
}

export type RoomStatus = 'open' | 'archived';
export type RoomAuthorRole = 'registrant' | 'staff';
export type RoomPostStatus = 'visible' | 'hidden' | 'deleted';
export type RoomReactionKind = 'like' | 'thanks' | 'cheer';
export type RoomReportReason = 'spam' | 'harassment' | 'personal_info' | 'inappropriate' | 'other';
export type RoomReportOutcome = 'hidden' | 'banned' | 'no_action';

export interface RoomsTable {
  lg_code: string;
  id: string;
  project_id: string | null;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  status: ColumnType<RoomStatus, RoomStatus | undefined, RoomStatus>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  archived_at: Date | null;
}

export interface RoomMembersTable {
  lg_code: string;
  id: string;
  person_id: string;
  handle: string;
  display_name: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoomThreadsTable {
  lg_code: string;
  id: string;
  room_id: string;
  title: string;
  author_member_id: string;
  author_role: RoomAuthorRole;
  status: ColumnType<'visible' | 'hidden', 'visible' | 'hidden' | undefined, 'visible' | 'hidden'>;
  hidden_at: Date | null;
  hidden_by: string | null;
  hidden_reason: string | null;
  locked_at: Date | null;
  locked_by: string | null;
  created_at: Timestamp;
  last_posted_at: Timestamp;
  post_count: ColumnType<number, number | undefined, number>;
}

export interface RoomPostsTable {
  lg_code: string;
  id: string;
  room_id: string;
  thread_id: string;
  author_member_id: string;
  author_role: RoomAuthorRole;
  body: string;
  status: ColumnType<RoomPostStatus, RoomPostStatus | undefined, RoomPostStatus>;
  hidden_at: Date | null;
  hidden_by: string | null;
  hidden_reason: string | null;
  deleted_at: Date | null;
  created_at: Timestamp;
}

export interface RoomReactionsTable {
  lg_code: string;
  post_id: string;
  member_id: string;
  kind: RoomReactionKind;
  created_at: Timestamp;
}

export interface RoomReportsTable {
  lg_code: string;
  id: string;
  room_id: string;
  thread_id: string;
  post_id: string;
  reporter_member_id: string;
  reason: RoomReportReason;
  note: ColumnType<string, string | undefined, string>;
  status: ColumnType<'open' | 'resolved', 'open' | 'resolved' | undefined, 'open' | 'resolved'>;
  created_at: Timestamp;
  resolved_at: Date | null;
  resolved_by: string | null;
  outcome: RoomReportOutcome | null;
}

export interface RoomBansTable {
  lg_code: string;
  id: string;
  room_id: string;
  member_id: string;
  reason: string;
  banned_by: string;
  banned_at: Timestamp;
  lifted_at: Date | null;
  lifted_by: string | null;
}

export interface OutreachRoomsTables {
  surveys: SurveysTable;
  survey_responses: SurveyResponsesTable;
  survey_answers: SurveyAnswersTable;
  rooms: RoomsTable;
  room_members: RoomMembersTable;
  room_threads: RoomThreadsTable;
  room_posts: RoomPostsTable;
  room_reactions: RoomReactionsTable;
  room_reports: RoomReportsTable;
  room_bans: RoomBansTable;
}

export type SurveyRow = Selectable<SurveysTable>;
export type SurveyResponseRow = Selectable<SurveyResponsesTable>;
export type SurveyAnswerRow = Selectable<SurveyAnswersTable>;
export type RoomRow = Selectable<RoomsTable>;
export type RoomMemberRow = Selectable<RoomMembersTable>;
export type RoomThreadRow = Selectable<RoomThreadsTable>;
export type RoomPostRow = Selectable<RoomPostsTable>;
export type RoomReportRow = Selectable<RoomReportsTable>;
export type RoomBanRow = Selectable<RoomBansTable>;

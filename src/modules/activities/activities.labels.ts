import type {
  ActivitySessionStatus,
  OrganisationKind,
  OrganisationStatus,
  ProjectCategory,
  ProjectDesignation,
  ProjectStatus,
  SessionApplicationStatus,
  AttendanceMethod,
} from '../../platform/db/schema.js';
import type { Localized } from '../../platform/i18n.js';

/** 関係団体の種類 (L5974–6036). */
export const organisationKindLabels: Record<OrganisationKind, Localized> = {
  jichikai: { ja: '自治会・町内会', en: 'Neighbourhood association' },
  rmo: { ja: '地域運営組織', en: 'Regional management organisation' },
  fire_brigade: { ja: '消防団', en: 'Volunteer fire brigade' },
  pta: { ja: 'PTA', en: 'PTA' },
  npo: { ja: 'NPO', en: 'NPO' },
  machizukuri: { ja: 'まちづくり会社', en: 'Community development company' },
  dmo: { ja: 'DMO', en: 'Destination management organisation' },
  chamber: { ja: '商工会', en: 'Chamber of commerce' },
  dual_residence: { ja: '二地域居住支援法人', en: 'Dual residence support corporation' },
  intermediary: { ja: '中間支援組織', en: 'Intermediary support organisation' },
  other: { ja: 'その他', en: 'Other' },
};

export const organisationStatusLabels: Record<OrganisationStatus, Localized> = {
  pending: { ja: '承認待ち', en: 'Waiting for approval' },
  approved: { ja: '承認済み', en: 'Approved' },
  rejected: { ja: '不承認', en: 'Not approved' },
  suspended: { ja: '活動停止中', en: 'Suspended' },
};

export const projectCategoryLabels: Record<ProjectCategory, Localized> = {
  festival: { ja: '祭り・伝統行事', en: 'Festivals and traditions' },
  environment: { ja: '清掃・環境', en: 'Clean-up and environment' },
  disaster_prevention: { ja: '防災・防犯', en: 'Disaster prevention and safety' },
  shopping_mobility: { ja: '買い物・移動支援', en: 'Shopping and mobility support' },
  agriculture: { ja: '農林業・援農', en: 'Farming and forestry help' },
  children_education: { ja: '子ども・教育', en: 'Children and education' },
  elderly_care: { ja: '高齢者の見守り', en: 'Looking after older residents' },
  tourism_exchange: { ja: '観光・交流', en: 'Tourism and exchange' },
  vacant_houses: { ja: '空き家・まちづくり', en: 'Vacant houses and town development' },
  other: { ja: 'その他', en: 'Other' },
};

export const projectStatusLabels: Record<ProjectStatus, Localized> = {
  draft: { ja: '計画中（非公開）', en: 'Planning (not public)' },
  published: { ja: '公開中', en: 'Published' },
  cancelled: { ja: '中止', en: 'Cancelled' },
  archived: { ja: '終了', en: 'Archived' },
};

export const designationLabels: Record<ProjectDesignation, Localized> = {
  inherit: { ja: '団体の指定に従う', en: "Follows the organisation's designation" },
  designated: { ja: 'この事業を指定', en: 'This project is designated' },
  excluded: { ja: 'この事業は指定から除外', en: 'Excluded from the designation' },
};

export const sessionStatusLabels: Record<ActivitySessionStatus, Localized> = {
  open: { ja: '受付中', en: 'Taking applications' },
  closed: { ja: '受付終了', en: 'Applications closed' },
  cancelled: { ja: '中止', en: 'Cancelled' },
};

export const applicationStatusLabels: Record<SessionApplicationStatus, Localized> = {
  confirmed: { ja: '参加確定', en: 'Confirmed' },
  waitlisted: { ja: 'キャンセル待ち', en: 'Waiting list' },
  cancelled: { ja: 'キャンセル', en: 'Cancelled' },
  withdrawn: { ja: '取り消し', en: 'Withdrawn' },
};

export const attendanceMethodLabels: Record<AttendanceMethod, Localized> = {
  session_qr: { ja: '会場のQRコード', en: "Venue's QR code" },
  card_qr: { ja: '登録証のQRコード', en: 'Registration card QR code' },
  manual: { ja: '手入力', en: 'Entered by hand' },
};

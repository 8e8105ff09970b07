export { loadMasterData, readMasterData } from './master-data.js';
export { municipalityPages } from './municipalities.pages.js';
export { mayUpdateTenantSettings } from './municipalities.policy.js';
export { municipalityRoutes } from './municipalities.routes.js';
export {
  getMunicipality,
  getTenant,
  joinTenant,
  listPrefectures,
  searchMunicipalities,
  TenantSettings,
  RegistrationSettings,
  InsightsSettings,
  SurveyQuestion,
  type TenantSettingsResolved,
  updateTenantSettings,
  type LocalGovernment,
  type Tenant,
} from './municipalities.service.js';

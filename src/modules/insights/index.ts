export { insightsPages } from './insights.pages.js';
export { insightsRoutes } from './insights.routes.js';
export { insightsJobs } from './insights.jobs.js';
export {
  getGovernmentInsights,
  getNationalInsights,
  getOpenDataInsights,
  rebuildInsights,
  recomputeActivity,
  refreshInsights,
  setOpenData,
  type GovernmentInsights,
  type InsightsReport,
} from './insights.service.js';
export { mayReadGovernmentInsights, mayReadNationalInsights } from './insights.policy.js';

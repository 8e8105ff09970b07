/** Problem entries of insights (related-population statistics, open data). */
export const insightsProblems = {
  insights_period_invalid: {
    status: 400,
    ja: {
      title: '集計期間を指定できません',
      detail: '「直近12か月」か、集計のある年度（FY2025 など、今年度まで）を指定してください。',
    },
    en: {
      title: 'Period not available',
      detail: 'Choose "last12" or a fiscal year with figures (such as FY2025, up to the current one).',
    },
  },
  insights_open_data_off: {
    status: 404,
    ja: {
      title: 'オープンデータは公開されていません',
      detail: 'この自治体は、関係人口の集計をオープンデータとして公開していません。',
    },
    en: {
      title: 'No open data',
      detail: 'This local government does not publish its related-population figures as open data.',
    },
  },
} as const;

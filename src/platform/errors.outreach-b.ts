/** Problem entries of surveys and community rooms (outreach, part B). */
export const outreachRoomsProblems = {
  survey_not_open: {
    status: 409,
    ja: {
      title: 'このアンケートは回答を受け付けていません',
      detail: '回答の受付期間ではありません（受付前か、終了しています）。',
    },
    en: { title: 'Survey not open', detail: 'This survey does not take answers now (not yet open, or ended).' },
  },
  survey_already_answered: {
    status: 409,
    ja: { title: 'すでに回答しています', detail: 'このアンケートには、すでに回答しています。回答は1人1回です。' },
    en: { title: 'Already answered', detail: 'You have already answered this survey. Each person answers once.' },
  },
  survey_not_editable: {
    status: 409,
    ja: {
      title: '公開後は変更できません',
      detail: '公開したアンケートの設問や対象は変更できません。締め切りの変更と受付の終了はできます。',
    },
    en: {
      title: 'Cannot be changed after publishing',
      detail: 'The questions and audience of a published survey cannot change; its closing time can.',
    },
  },
  survey_results_too_few: {
    status: 409,
    ja: {
      title: '回答が少ないため出力できません',
      detail: '回答した人を特定できないよう、集計に入る回答が10件に達するまで結果は出力できません。',
    },
    en: {
      title: 'Too few answers to export',
      detail: 'So that nobody can be singled out, results are exported only once 10 answers are counted.',
    },
  },
  room_profile_required: {
    status: 409,
    ja: {
      title: 'ルームで使う名前を決めてください',
      detail: '投稿する前に、この自治体のコミュニティで表示される名前とID（@で呼ばれる名前）を決めてください。',
    },
    en: {
      title: 'Choose your room name first',
      detail: 'Before posting, choose the name shown in this government’s rooms and the @handle others mention.',
    },
  },
  room_handle_taken: {
    status: 409,
    ja: { title: 'このIDは使われています', detail: 'このIDは、この自治体のコミュニティで別の方が使っています。' },
    en: { title: 'Handle taken', detail: 'Someone else in this government’s rooms uses this handle.' },
  },
  room_archived: {
    status: 409,
    ja: { title: 'このルームは閉じられています', detail: 'このルームは閲覧のみです。投稿やリアクションはできません。' },
    en: { title: 'Room archived', detail: 'This room is read only: no posts or reactions.' },
  },
  room_thread_locked: {
    status: 409,
    ja: {
      title: 'このスレッドはロックされています',
      detail: 'このスレッドには、管理者の判断で返信できなくなっています。',
    },
    en: { title: 'Thread locked', detail: 'Staff have locked this thread: no more replies.' },
  },
  room_banned: {
    status: 403,
    ja: {
      title: 'このルームでは投稿できません',
      detail: 'このルームへの参加は管理者により停止されています。閲覧はできます。',
    },
    en: {
      title: 'You cannot post in this room',
      detail: 'Staff have stopped your participation here. You can still read.',
    },
  },
  room_report_exists: {
    status: 409,
    ja: { title: 'すでに報告しています', detail: 'この投稿はすでに報告済みです。管理者が確認します。' },
    en: { title: 'Already reported', detail: 'You have already reported this post. Staff will look at it.' },
  },
  room_exists: {
    status: 409,
    ja: { title: 'ルームはすでにあります', detail: 'この事業のルームはすでにあります。' },
    en: { title: 'Room exists', detail: 'This project already has a room.' },
  },
  project_not_published: {
    status: 409,
    ja: { title: '公開中の事業ではありません', detail: 'ルームを作れるのは、公開中の事業だけです。' },
    en: { title: 'Project not published', detail: 'Only a published project can have a room.' },
  },
} as const;

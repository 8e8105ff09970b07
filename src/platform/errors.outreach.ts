/** Problem entries of outreach (notifications, posts, nationwide search, saved searches). */
export const outreachProblems = {
  unsubscribe_link_invalid: {
    status: 400,
    ja: {
      title: 'この配信停止のリンクは使えません',
      detail:
        'リンクが途中で切れているか、書き換えられています。メールのリンクをそのまま開くか、ログインして通知の設定から停止してください。',
    },
    en: {
      title: 'This unsubscribe link cannot be used',
      detail:
        'The link is cut off or was altered. Open the link from the mail as it is, or sign in and change your notification settings.',
    },
  },
  push_endpoint_not_allowed: {
    status: 422,
    ja: {
      title: 'このブラウザの通知は登録できません',
      detail: 'ブラウザが示した通知の送り先が、知られているプッシュ通知サービスではありません。',
    },
    en: {
      title: 'Push notifications cannot be set up for this browser',
      detail: 'The browser gave a delivery address that is not a known push service.',
    },
  },
  push_unavailable: {
    status: 409,
    ja: {
      title: 'プッシュ通知は使えません',
      detail: 'このサイトではプッシュ通知が設定されていません。メールとサイト内のお知らせをご利用ください。',
    },
    en: {
      title: 'Push notifications are not available',
      detail: 'This site has no push notifications set up. Please use e-mail and the notifications in the site.',
    },
  },
  post_not_editable: {
    status: 409,
    ja: {
      title: 'この状態では変更できません',
      detail: 'アーカイブした投稿は変更できません。公開に戻してから変更してください。',
    },
    en: {
      title: 'Cannot be changed in this state',
      detail: 'An archived post cannot be changed. Publish it again first.',
    },
  },
  post_transition_invalid: {
    status: 409,
    ja: { title: 'この操作はできません', detail: '投稿の今の状態では、この操作はできません。' },
    en: { title: 'Not possible now', detail: 'This cannot be done in the post’s current state.' },
  },
  post_schedule_in_past: {
    status: 422,
    ja: {
      title: '予約の日時が過ぎています',
      detail: '公開の予約は、今より後の日時を指定してください。すぐに公開する場合は［公開する］を押してください。',
    },
    en: {
      title: 'The scheduled time has passed',
      detail: 'Schedule publication for a time after now, or publish at once.',
    },
  },
  post_project_required: {
    status: 422,
    ja: {
      title: '担い手募集には事業が必要です',
      detail: '担い手募集の投稿には、募集する事業（公開中のもの）を選んでください。',
    },
    en: {
      title: 'A call for help needs a project',
      detail: 'Choose the (published) project this call for help is about.',
    },
  },
  post_project_not_found: {
    status: 422,
    ja: {
      title: '事業が見つかりません',
      detail: '選んだ事業が見つからないか、あなたの団体の事業ではありません。',
    },
    en: {
      title: 'Project not found',
      detail: 'The chosen project does not exist here, or it is not a project of your organisation.',
    },
  },
  post_image_invalid: {
    status: 415,
    ja: {
      title: '画像を読み込めませんでした',
      detail: 'JPEG・PNG・WebP・HEIC・GIF の画像を選んでください。',
    },
    en: { title: 'The image could not be read', detail: 'Please choose a JPEG, PNG, WebP, HEIC or GIF image.' },
  },
  post_image_limit: {
    status: 409,
    ja: { title: '画像が多すぎます', detail: '1つの投稿に載せられる画像は10枚までです。' },
    en: { title: 'Too many images', detail: 'A post can have at most 10 images.' },
  },
  saved_search_limit: {
    status: 409,
    ja: {
      title: '保存できる検索は50件までです',
      detail: '使わなくなった検索を削除してから、保存してください。',
    },
    en: { title: 'At most 50 saved searches', detail: 'Delete a saved search you no longer use first.' },
  },
} as const;

/** Problem entries of 担い手 activities (organisations, projects, sessions, applications, check-in). */
export const activitiesProblems = {
  organisation_not_approved: {
    status: 409,
    ja: {
      title: 'この団体はまだ承認されていません',
      detail: '自治体が団体を承認するまで、この操作はできません。',
    },
    en: {
      title: 'Organisation not approved',
      detail: 'This cannot be done until the local government approves the organisation.',
    },
  },
  organisation_exists: {
    status: 409,
    ja: {
      title: 'この団体はすでに登録されています',
      detail: 'この団体は、この自治体にすでに登録または申請されています。',
    },
    en: {
      title: 'Organisation already known',
      detail: 'This organisation is already registered with, or has applied to, this local government.',
    },
  },
  organisation_required: {
    status: 403,
    ja: {
      title: '所属団体が設定されていません',
      detail: '団体担当者として活動を管理するには、自治体に所属団体を設定してもらってください。',
    },
    en: {
      title: 'No organisation set',
      detail: 'To manage activities as organisation staff, ask the local government to set your organisation.',
    },
  },
  session_not_open: {
    status: 409,
    ja: { title: '受付を終了しました', detail: 'この回の申し込みの受付は終了しています。' },
    en: { title: 'Applications closed', detail: 'This session no longer takes applications.' },
  },
  session_cancelled: {
    status: 409,
    ja: { title: 'この回は中止になりました', detail: 'この回は中止になりました。' },
    en: { title: 'Session cancelled', detail: 'This session has been cancelled.' },
  },
  session_ended: {
    status: 409,
    ja: { title: 'この回は終了しました', detail: 'この回はすでに終わっています。' },
    en: { title: 'Session over', detail: 'This session is already over.' },
  },
  session_application_exists: {
    status: 409,
    ja: { title: 'すでに申し込んでいます', detail: 'この回にはすでに申し込んでいます（キャンセル待ちを含みます）。' },
    en: { title: 'Already applied', detail: 'You have already applied to this session (or are on its waiting list).' },
  },
  session_capacity_below_confirmed: {
    status: 409,
    ja: {
      title: '定員を減らせません',
      detail: '申し込みが確定している人数より少ない定員にはできません。',
    },
    en: {
      title: 'Capacity too small',
      detail: 'The capacity cannot be lower than the number of confirmed applications.',
    },
  },
  checkin_code_invalid: {
    status: 400,
    ja: {
      title: 'このQRコードは使えません',
      detail:
        'チェックイン用のQRコードではないか、内容が正しくありません。主催者の画面のQRコードを読み取ってください。',
    },
    en: {
      title: 'This QR code cannot be used',
      detail: "It is not a check-in code, or it has been altered. Please scan the code on the organiser's screen.",
    },
  },
  checkin_code_expired: {
    status: 400,
    ja: {
      title: 'QRコードの有効期限が切れています',
      detail:
        'チェックイン用のQRコードは30秒ごとに変わります。主催者の画面に表示されている最新のQRコードを読み取ってください。',
    },
    en: {
      title: 'The QR code has expired',
      detail: "The check-in code changes every 30 seconds. Please scan the current code on the organiser's screen.",
    },
  },
  checkin_wrong_session: {
    status: 409,
    ja: {
      title: '別の回のQRコードです',
      detail: 'このQRコードは、チェックインしようとしている回のものではありません。会場のQRコードを確かめてください。',
    },
    en: {
      title: 'Code of another session',
      detail: 'This code belongs to another session than the one you are checking in to.',
    },
  },
  checkin_outside_window: {
    status: 409,
    ja: {
      title: 'チェックインの受付時間外です',
      detail: 'チェックインは、開始30分前から終了30分後までできます。',
    },
    en: {
      title: 'Outside check-in hours',
      detail: 'Check-in is open from 30 minutes before the start until 30 minutes after the end.',
    },
  },
  checkin_card_invalid: {
    status: 400,
    ja: {
      title: '登録証を確認できませんでした',
      detail:
        '登録証のQRコードが正しくないか、有効期限（5分）が切れています。登録証の画面を開き直してもらってください。',
    },
    en: {
      title: 'Registration card not accepted',
      detail: 'The card code is not valid or has expired (5 minutes). Ask the person to reopen their card.',
    },
  },
  checkin_sync_too_late: {
    status: 409,
    ja: {
      title: '送信が遅すぎます',
      detail:
        '端末に保存されたチェックインは、読み取りから72時間以内に送信してください。この記録は手入力で追加してください。',
    },
    en: {
      title: 'Sent too late',
      detail: 'Check-ins stored on a device must be sent within 72 hours of the scan. Please add this one by hand.',
    },
  },
} as const;

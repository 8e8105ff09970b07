import { withPerson, withPersonInTransaction, withTenantInTransaction } from '../../platform/db/tenant-scope.js';
import { registerPersonalData } from '../../platform/privacy.js';
import * as repository from './surveys.repository.js';

// Survey answers: the person receives everything they answered. On deletion their free text is erased
// and the link to them cut; the choices stay in the government's counts, no longer anyone's.
registerPersonalData({
  name: 'surveyAnswers',
  async export(db, personId) {
    const rows = await withPerson(db, personId, (trx) => repository.listResponsesOfPerson(trx, personId));
    const responses = new Map<
      string,
      {
        lgCode: string;
        surveyId: string;
        registrationId: string | null;
        submittedAt: Date;
        answers: Record<string, unknown>;
      }
    >();
    for (const row of rows) {
      const response = responses.get(row.id) ?? {
        lgCode: row.lg_code,
        surveyId: row.survey_id,
        registrationId: row.registration_id,
        submittedAt: row.submitted_at,
        answers: {},
      };
      response.answers[row.question_id] = row.choices ?? row.scale ?? row.text;
      responses.set(row.id, response);
    }
    return [...responses.values()];
  },
  async erase(trx, personId) {
    const tenants = await withPersonInTransaction(trx, personId, () =>
      repository.listResponseTenantsOfPerson(trx, personId),
    );
    for (const lgCode of tenants) {
      await withTenantInTransaction(trx, lgCode, (scope) => repository.eraseResponsesOfPerson(scope, personId));
    }
  },
});

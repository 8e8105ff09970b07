import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readMasterData } from '../modules/municipalities/master-data.js';
import { computeLgCheckDigit, isValidLgCode } from './lg-code.js';

describe('全国地方公共団体コード check digit', () => {
  const cases: Array<[string, boolean, string]> = [
    ['011002', true, '札幌市'],
    ['131016', true, '千代田区'],
    ['042056', true, '気仙沼市'],
    ['010006', true, '北海道 (prefecture, padded)'],
    ['011003', false, 'wrong check digit'],
    ['01100', false, 'five digits'],
    ['0110021', false, 'seven digits'],
    ['01100a', false, 'letter'],
    ['', false, 'empty'],
  ];
  for (const [code, valid, label] of cases) {
    it(`${label}: ${JSON.stringify(code)} is ${valid ? 'valid' : 'invalid'}`, () => {
      assert.equal(isValidLgCode(code), valid);
    });
  }

  it('computes the digit with weights 6,5,4,3,2 and (11 - sum % 11) % 10', () => {
    // 0*6 + 4*5 + 2*4 + 0*3 + 5*2 = 38; 38 % 11 = 5; 11 - 5 = 6
    assert.equal(computeLgCheckDigit('04205'), 6);
    // sum % 11 = 0 gives 11 % 10 = 1; sum % 11 = 1 gives 10 % 10 = 0
    assert.equal(computeLgCheckDigit('00000'), 1);
    assert.equal(computeLgCheckDigit('20000'), 0);
  });

  it('accepts every code of the committed master and the national totals', async () => {
    const master = await readMasterData();
    for (const row of master.localGovernments) assert.ok(isValidLgCode(row.lg_code), row.lg_code);
    const count = (kind: string) => master.localGovernments.filter((row) => row.kind === kind).length;
    assert.deepEqual(
      ['prefecture', 'city', 'town', 'village', 'special_ward', 'designated_city_ward'].map(count),
      [47, 792, 743, 183, 23, 175],
    );
    const chuo = master.localGovernments.find((row) => row.lg_code === '011011');
    assert.equal(chuo?.parent_lg_code, '011002', '札幌市中央区 belongs to 札幌市');
  });
});

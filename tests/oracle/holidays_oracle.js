// tests/oracle/holidays_oracle.js — bank holidays 2018–2031 for the three Parley regions
// according to the npm package date-holidays (a project we did not write), as TSV on
// stdout: region<TAB>date<TAB>name. Used by make_oracle.sh; see docs/calendar.md.
//
// What date-holidays returns and how it is mapped:
//  - GB-ENG and GB-WLS are separate states there but share bank holidays; we require them
//    to be identical (the script fails otherwise) and emit them as england-and-wales.
//  - GB-SCT -> scotland, GB-NIR -> northern-ireland.
//  - Only type "public" (and "bank", should a version use it) are bank holidays; it also
//    returns observances (Mothering Sunday, Easter Sunday, Father's Day), dropped here.
//  - A holiday on a weekend is listed on its real date AND on the substitute weekday; the
//    weekend entry is kept (harmless: weekends are non-working anyway) and the C++ test
//    compares weekday dates only.
'use strict';

const EXPECTED_VERSION = '3.37.0';  // tests/core/test_calendar.cpp's exceptions assume it

let Holidays, version;
try {
  Holidays = require('date-holidays');
  version = require('date-holidays/package.json').version;
} catch (e) {
  console.error('holidays_oracle.js: npm package date-holidays is not installed ' +
                '(tools/setup installs date-holidays@' + EXPECTED_VERSION +
                '; or npm install --no-save date-holidays@' + EXPECTED_VERSION +
                ' and set NODE_PATH)');
  process.exit(2);
}
if (version !== EXPECTED_VERSION) {
  console.error(`holidays_oracle.js: date-holidays ${version} found, ${EXPECTED_VERSION} ` +
                'expected (the oracle exceptions in test_calendar.cpp are per version)');
  process.exit(2);
}

// 2031 too: offsets of up to 10 working days from late December 2030 end in January 2031,
// so numpy needs that year's holidays (the C++ side has them from its rules).
const FIRST = 2018, LAST = 2031;
const BANK_TYPES = new Set(['public', 'bank']);

function bankHolidays(state, year) {
  const hd = new Holidays('GB', state);
  return hd.getHolidays(year)
    .filter(h => BANK_TYPES.has(h.type))
    .map(h => ({ date: h.date.slice(0, 10), name: h.name.replace(/\u2019/g, "'") }));
}

const out = ['region\tdate\tname'];
for (let y = FIRST; y <= LAST; y++) {
  const eng = bankHolidays('ENG', y), wls = bankHolidays('WLS', y);
  if (JSON.stringify(eng) !== JSON.stringify(wls)) {
    console.error(`holidays_oracle.js: GB-ENG and GB-WLS differ in ${y}; ` +
                  'england-and-wales cannot be mapped to one state');
    process.exit(1);
  }
  for (const [region, list] of [['england-and-wales', eng],
                                ['scotland', bankHolidays('SCT', y)],
                                ['northern-ireland', bankHolidays('NIR', y)]]) {
    for (const h of list) out.push(`${region}\t${h.date}\t${h.name}`);
  }
}
process.stdout.write(out.join('\n') + '\n');

// `node scripts/check-examples.mjs --self-test`: the extractor and the import scan on inline
// fixtures (the scripts are no vitest project; CI runs this).
import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import { extractRunnable, importedPackages } from './readme-examples.mjs';

const FENCE = '```';

const readme = [
  '# pkg', //                                            1
  '',
  `${FENCE}sh`, //                                       3 not runnable
  'npm install @x/pkg',
  FENCE,
  `${FENCE}ts runnable`, //                              6
  "import { a } from '@x/pkg';", //                      7
  'console.log(a);',
  FENCE,
  `${FENCE}ts`, //                                      10 plain ts: documentation only
  'notRun();',
  FENCE,
  `${FENCE}js  runnable  title="demo"`, //             13 extra words and spaces
  "console.log('js');", //                              14
  FENCE,
  `${FENCE}${'`'}ts runnable`, //                     16 four backticks hold a three-backtick line
  'const s = `',
  FENCE,
  '`;', //                                              19
  `${FENCE}${'`'}`,
  '- a list item:',
  '',
  `   ~~~ts runnable`, //                               23 indented tilde fence
  '   const x = 1;', //                                 24
  '     const y = 2;',
  '   ~~~',
  `${FENCE}sh runnable`, //                             27 wrong language: reported
  'echo no',
  FENCE,
  'Inline `` ```ts runnable `` in text is not a fence.',
  `${FENCE}ts runnable`, //                             31 never closed
  'unclosed();',
].join('\n');

export function selfTest() {
  const blocks = extractRunnable(readme);
  deepStrictEqual(
    blocks.map((b) => [b.index, b.lang, b.line]),
    [
      [1, 'ts', 7],
      [2, 'js', 14],
      [3, 'ts', 17],
      [4, 'ts', 24],
      [5, 'sh', 28],
      [6, 'ts', 32],
    ],
  );
  strictEqual(blocks[0].code, "import { a } from '@x/pkg';\nconsole.log(a);\n");
  strictEqual(blocks[1].code, "console.log('js');\n");
  strictEqual(blocks[2].code, `const s = \`\n${FENCE}\n\`;\n`);
  strictEqual(blocks[3].code, 'const x = 1;\n  const y = 2;\n');
  deepStrictEqual(
    blocks.map((b) => b.problem === undefined),
    [true, true, true, true, false, false],
  );
  strictEqual(blocks[4].problem.includes("language is 'sh'"), true);
  strictEqual(blocks[5].problem.includes('line 31 is never closed'), true);
  deepStrictEqual(extractRunnable('# nothing\n\n```ts\nx();\n```\n'), []);
  deepStrictEqual(extractRunnable('```ts runnable\r\nx();\r\n```\r\n')[0].code, 'x();\n');

  const code = [
    "import { Cache } from '@x/cache';",
    "import KeyvRedis from '@keyv/redis';",
    "import type { Clock } from '@x/breaker';",
    "import * as z from 'zod/v4';",
    "import {\n  a,\n  b,\n} from 'keyv';",
    "import 'side-effect';",
    "export { thing } from 'reexported';",
    "const lazy = await import('lazy-pkg');",
    "const req = require('required-pkg');",
    "import { readFile } from 'node:fs/promises';",
    "import { join } from 'path';",
    "import local from './local.js';",
    'const text = \'this is not an import from "fake"\';',
  ].join('\n');
  deepStrictEqual(importedPackages(code), [
    '@keyv/redis',
    '@x/breaker',
    '@x/cache',
    'keyv',
    'lazy-pkg',
    'reexported',
    'required-pkg',
    'side-effect',
    'zod',
  ]);
}

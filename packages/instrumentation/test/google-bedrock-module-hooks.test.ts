import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const app = fileURLToPath(new URL('./google-bedrock-module-hooks.app.ts', import.meta.url));

/**
 * The module hooks, not manual patching: a separate Node process registers the instrumentations,
 * then loads `@google/genai` as ESM and as CommonJS (two distinct builds) and the Bedrock client as
 * CommonJS, the way an app started with the import-in-the-middle loader does.
 */
it('patches the ESM and CommonJS builds of @google/genai and the Bedrock client through the module hooks', async () => {
  const { stdout } = await run(
    process.execPath,
    ['--no-warnings', '--experimental-loader=@opentelemetry/instrumentation/hook.mjs', app],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 60_000 },
  );
  expect(JSON.parse(stdout)).toEqual([
    { name: 'generate_content gemini-2.5-flash', provider: 'gcp.gemini' },
    { name: 'generate_content gemini-2.0-flash', provider: 'gcp.gemini' },
    { name: 'chat anthropic.claude-3-haiku-20240307-v1:0', provider: 'aws.bedrock' },
  ]);
});

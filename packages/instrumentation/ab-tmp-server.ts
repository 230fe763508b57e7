import { startProviderServer } from '../../test/providers/server.ts';
const s = await startProviderServer();
process.stdout.write(s.url + '\n');
process.stdin.resume();
process.stdin.on('end', () => s.close().then(() => process.exit(0)));

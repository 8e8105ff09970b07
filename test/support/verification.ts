import { pickDevPerson } from './oidc.js';
import type { TestClient } from './client.js';

/**
 * Verifies the signed-in person of `client` with the My Number card through the local development
 * provider, as the browser would: start, pick the test person, come back to the callback.
 * Test persons: adult (東京都千代田区), guardian (adult, 気仙沼市), minor (15, 気仙沼市), teen (17, 仙台市),
 * hokkaido (adult, 上士幌町), overseas (adult, no municipality). One card verifies one account.
 */
export async function verifyAs(client: TestClient, personKey: string): Promise<void> {
  const start = await client.postForm('/verification/start');
  const location = start.headers.get('location');
  if (start.status !== 303 || !location) throw new Error(`verification start failed: ${start.status}`);
  const callback = await pickDevPerson(location, personKey);
  const arrived = await client.get(`${callback.pathname}${callback.search}`);
  if (arrived.status >= 400) throw new Error(`verification callback failed: ${arrived.status} ${await arrived.text()}`);
}

import {
  withPerson,
  withPersonInTransaction,
  withTenant,
  withTenantInTransaction,
} from '../../platform/db/tenant-scope.js';
import { registerPersonalData } from '../../platform/privacy.js';
import * as repository from './rooms.repository.js';

// Community rooms: the person receives their names in the rooms and everything they posted. On deletion the
// text of their posts and threads goes and their name becomes 「退会したユーザー」; the places of the posts
// stay, so that the replies of others still read in order.
registerPersonalData({
  name: 'communityRooms',
  async export(db, personId) {
    const members = await withPerson(db, personId, (trx) => repository.listMembersOfPerson(trx, personId));
    const result = [];
    for (const member of members) {
      const posts = await withTenant(db, member.lg_code, (scope) => repository.listPostsOfMember(scope, member.id));
      result.push({
        lgCode: member.lg_code,
        handle: member.handle,
        displayName: member.display_name,
        posts: posts.map((post) => ({
          roomId: post.room_id,
          threadId: post.thread_id,
          body: post.body,
          status: post.status,
          createdAt: post.created_at,
        })),
      });
    }
    return result;
  },
  async erase(trx, personId) {
    const members = await withPersonInTransaction(trx, personId, () => repository.listMembersOfPerson(trx, personId));
    for (const member of members) {
      await withTenantInTransaction(trx, member.lg_code, (scope) => repository.eraseMember(scope, member.id));
    }
  },
});

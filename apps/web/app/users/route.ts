import { fetchHandler, handleUsers } from "@enroll/api";
import { getContext } from "@/server/context";

// Hanko's `POST /users`, where Next.js serves it alone (`pnpm start` answers it in server.ts before
// Next.js sees it). The rules of sign-up live in @enroll/api: handleUsers → createUser.
const handler = fetchHandler(handleUsers, getContext);

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE, handler as OPTIONS };

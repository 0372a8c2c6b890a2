import { fetchHandler, handleMe } from "@enroll/api";
import { getContext } from "@/server/context";

// Hanko's `GET /me`, where Next.js serves it alone (`pnpm start` answers it in server.ts).
const handler = fetchHandler(handleMe, getContext);

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE, handler as OPTIONS };

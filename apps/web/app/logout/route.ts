import { fetchHandler, handleLogout } from "@enroll/api";
import { getContext } from "@/server/context";

// Hanko's `POST /logout`, where Next.js serves it alone (`pnpm start` answers it in server.ts).
const handler = fetchHandler(handleLogout, getContext);

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE, handler as OPTIONS };

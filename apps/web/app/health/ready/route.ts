import { fetchHandler, handleReady } from "@enroll/api";
import { getContext } from "@/server/context";

// The readiness probe, where Next.js serves alone (`pnpm start` answers it in server.ts).
const handler = fetchHandler(handleReady, getContext);

export { handler as GET, handler as HEAD, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };

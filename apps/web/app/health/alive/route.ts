import { fetchHandler, handleAlive } from "@enroll/api";
import { getContext } from "@/server/context";

// The liveness probe, where Next.js serves alone (`pnpm start` answers it in server.ts).
const handler = fetchHandler(handleAlive, getContext);

export { handler as GET, handler as HEAD, handler as POST, handler as PUT, handler as PATCH, handler as DELETE };

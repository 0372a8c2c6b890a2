import { fetchHandler, handleJwks } from "@enroll/api";
import { getContext } from "@/server/context";

// The session keys' public halves, where Next.js serves alone (`pnpm start` answers it in server.ts).
const handler = fetchHandler(handleJwks, getContext);

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE, handler as OPTIONS };

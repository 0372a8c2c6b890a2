import { appRouter, trpcFetchHandler } from "@enroll/api";
import { getContext } from "@/server/context";

// The tRPC door, where Next.js serves alone (`pnpm start` answers it in server.ts before Next.js sees it).
const handler = trpcFetchHandler({ router: appRouter, endpoint: "/api/trpc", getContext });

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE, handler as OPTIONS };

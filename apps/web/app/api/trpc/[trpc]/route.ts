import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@enroll/api";
import { getContext } from "@/server/context";

const handler = (request: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req: request,
    router: appRouter,
    createContext: getContext,
  });

export { handler as GET, handler as POST };

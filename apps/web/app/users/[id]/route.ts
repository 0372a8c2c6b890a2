import { fetchHandler, handleUser } from "@enroll/api";
import { getContext } from "@/server/context";

// Hanko's `GET /users/{id}`, where Next.js serves it alone (`pnpm start` answers it in server.ts).
async function handler(request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return fetchHandler(handleUser((await params).id), getContext)(request);
}

export { handler as GET, handler as POST, handler as PUT, handler as PATCH, handler as DELETE, handler as OPTIONS };

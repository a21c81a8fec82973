"use client";

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import { useState, type ReactNode } from "react";
import type { AppRouter } from "../../server/trpc/router";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** Codes that mean "the session is gone or restricted": the auth gate re-reads the state and redirects. */
const SESSION_CODES = new Set(["not_authenticated", "mfa_enrollment_required"]);

function isStateQuery(key: readonly unknown[]): boolean {
  return JSON.stringify(key[0]) === JSON.stringify(["accounts", "state"]);
}

function makeQueryClient() {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error) => onSessionError(error) }),
    mutationCache: new MutationCache({ onError: (error) => onSessionError(error) }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Client errors (4xx) will not fix themselves by asking again.
        retry: (count, error) =>
          count < 2 && !((error as { data?: { httpStatus?: number } }).data?.httpStatus ?? 500).toString().startsWith("4"),
      },
    },
  });
  function onSessionError(error: unknown) {
    const code = (error as { data?: { code?: string } }).data?.code;
    if (code && SESSION_CODES.has(code)) void client.invalidateQueries({ predicate: (q) => isStateQuery(q.queryKey) });
  }
  return client;
}

/** tRPC + TanStack Query, talking to /trpc on the same origin with the session cookie. */
export function TrpcQueryProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: "/trpc" })] }));
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}

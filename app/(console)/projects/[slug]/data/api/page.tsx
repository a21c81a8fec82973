"use client";

import { useQuery } from "@tanstack/react-query";
import { BookOpen, Check, Copy, Download } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { EmptyState, LoadingRows, PageHeader, QueryError } from "../../../../../../components/console/states";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { Badge } from "../../../../../../components/ui/badge";
import { Button } from "../../../../../../components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "../../../../../../components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "../../../../../../components/ui/table";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "../../../../../../components/ui/tabs";
import { RequirePermission, useProject } from "../../project-context";

type Json = Record<string, any>;

const METHODS = ["get", "post", "patch", "put", "delete"] as const;
const TOKEN = "YOUR_ACCESS_TOKEN";

/** Loads the project's OpenAPI document with the console session (the route takes the session cookie). */
async function fetchOpenApi(ref: string, locale: string): Promise<Json> {
  const res = await fetch(`/api/v1/projects/${encodeURIComponent(ref)}/openapi.json`, {
    credentials: "same-origin",
    headers: { accept: "application/json", "accept-language": locale },
  });
  const body = (await res.json().catch(() => null)) as Json | null;
  if (!res.ok) {
    // Shaped as the console's other errors, so QueryError shows the server's (localized) message.
    throw Object.assign(new Error(body?.error?.message ?? `HTTP ${res.status}`), {
      data: { code: body?.error?.code ?? "network_error", httpStatus: res.status },
    });
  }
  return body!;
}

/** A `$ref` inside the document, resolved. */
function deref(doc: Json, value: Json): Json {
  if (typeof value?.$ref !== "string") return value;
  return (
    value.$ref
      .slice(2)
      .split("/")
      .reduce((node: Json | undefined, key: string) => node?.[key], doc) ?? {}
  );
}

/** A field's type as a reader wants it: `string`, `integer | null`, `relation → authors`, `decimal`. */
function typeLabel(schema: Json): string {
  if (schema["x-apprun-relation"]) return `${schema.type === "array" ? "relation[]" : "relation"} → ${schema["x-apprun-relation"]}`;
  if (schema["x-apprun-type"]) return String(schema["x-apprun-type"]);
  const nullable = Array.isArray(schema.anyOf) && schema.anyOf.some((s: Json) => s.type === "null");
  const inner: Json = nullable ? schema.anyOf.find((s: Json) => s.type !== "null") : schema;
  if (inner !== schema) return `${typeLabel(inner)} | null`;
  const base = Array.isArray(schema.type)
    ? schema.type.join(" | ")
    : (schema.type ?? (schema.$ref ? String(schema.$ref).split("/").at(-1) : "any"));
  const extra = schema.format ? ` (${schema.format})` : schema.enum ? `: ${schema.enum.filter((v: unknown) => v !== null).join(", ")}` : "";
  return `${base}${extra}`;
}

function CopyButton({ text, label, testId }: { text: string; label: string; testId: string }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  return (
    <Button
      variant="outline"
      size="sm"
      data-testid={testId}
      aria-label={label}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        } catch {
          // No clipboard (an insecure origin, a denied permission): the text stays selectable.
          toast.error(t("apiDocs.copyFailed"));
        }
      }}
    >
      {copied ? <Check /> : <Copy />}
      {copied ? t("apiDocs.copied") : t("apiDocs.copy")}
    </Button>
  );
}

function Example({ code, id }: { code: string; id: string }) {
  const { t } = useI18n();
  return (
    <div className="relative">
      <pre className="overflow-x-auto rounded-md bg-muted p-3 pr-24 font-mono text-xs" data-testid={`example-${id}`}>
        {code}
      </pre>
      <div className="absolute top-2 right-2">
        <CopyButton text={code} label={t("apiDocs.copyExample")} testId={`copy-${id}`} />
      </div>
    </div>
  );
}

function examples(baseUrl: string, collection: string, createSchema: Json) {
  const sample: Json = {};
  for (const [name, s] of Object.entries<Json>(createSchema.properties ?? {})) {
    if (name === "id" || !(createSchema.required ?? []).includes(name)) continue;
    const type = typeLabel(s);
    sample[name] =
      type.startsWith("integer") || type.startsWith("number")
        ? 1
        : type.startsWith("boolean")
          ? true
          : type.startsWith("relation")
            ? "RECORD_ID"
            : "…";
  }
  const list = `${baseUrl}/collections/${collection}/records?perPage=30&sort=-created`;
  const create = `${baseUrl}/collections/${collection}/records`;
  const body = JSON.stringify(sample);
  return {
    curlList: `curl "${list}" \\\n  -H "Authorization: Bearer ${TOKEN}"`,
    curlCreate: `curl -X POST "${create}" \\\n  -H "Authorization: Bearer ${TOKEN}" \\\n  -H "Content-Type: application/json" \\\n  -d '${body}'`,
    fetchList: `const res = await fetch("${list}", {\n  headers: { Authorization: "Bearer ${TOKEN}" },\n});\nconst { items, hasMore, nextCursor } = await res.json();`,
    fetchCreate: `const res = await fetch("${create}", {\n  method: "POST",\n  headers: { Authorization: "Bearer ${TOKEN}", "Content-Type": "application/json" },\n  body: JSON.stringify(${body}),\n});\nconst record = await res.json();`,
  };
}

function CollectionDocs({ doc, collection, baseUrl }: { doc: Json; collection: string; baseUrl: string }) {
  const { t } = useI18n();
  const operations = Object.entries<Json>(doc.paths ?? {})
    .filter(([path]) => path.startsWith(`/collections/${collection}/`))
    .flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => ({ path, method: m, op: item[m] as Json, shared: (item.parameters ?? []) as Json[] })),
    );
  const list = operations.find((o) => o.method === "get" && o.path.endsWith("/records"));
  const typeName = String(list?.op.operationId ?? "").replace(/^list/, "");
  const record = doc.components?.schemas?.[`${typeName}Record`] ?? { properties: {} };
  const create = doc.components?.schemas?.[`${typeName}Create`] ?? { properties: {} };
  const required = new Set<string>(create.required ?? []);
  const queryParams = (list?.op.parameters ?? []).map((p: Json) => deref(doc, p)).filter((p: Json) => p.in === "query");
  const ex = examples(baseUrl, collection, create);
  return (
    <Card data-testid={`api-collection-${collection}`}>
      <CardHeader>
        <CardTitle className="font-mono">{collection}</CardTitle>
        <CardDescription>{t("apiDocs.collectionDescription", { type: typeName })}</CardDescription>
      </CardHeader>
      <CardContent className="flex flex-col gap-6">
        <section>
          <h3 className="mb-2 text-sm font-medium">{t("apiDocs.endpoints")}</h3>
          <ul className="flex flex-col gap-2" data-testid={`endpoints-${collection}`}>
            {operations.map(({ path, method, op }) => (
              <li key={`${method} ${path}`} className="rounded-md border p-3" data-testid={`endpoint-${op.operationId}`}>
                <div className="flex flex-wrap items-center gap-2">
                  <Badge variant="outline" className="font-mono uppercase">
                    {method}
                  </Badge>
                  <code className="font-mono text-sm break-all">{path}</code>
                  <span className="text-sm text-muted-foreground">{op.summary}</span>
                </div>
                {op.description && <p className="mt-1 text-xs text-muted-foreground">{op.description}</p>}
                <p className="mt-1 text-xs text-muted-foreground">
                  {t("apiDocs.responses")}: <span className="font-mono">{Object.keys(op.responses ?? {}).join(", ")}</span>
                </p>
              </li>
            ))}
          </ul>
        </section>
        <section>
          <h3 className="mb-2 text-sm font-medium">{t("apiDocs.recordSchema")}</h3>
          <Table data-testid={`fields-${collection}`}>
            <TableHeader>
              <TableRow>
                <TableHead>{t("apiDocs.field")}</TableHead>
                <TableHead>{t("apiDocs.type")}</TableHead>
                <TableHead>{t("apiDocs.requiredOnCreate")}</TableHead>
                <TableHead className="hidden md:table-cell">{t("apiDocs.description")}</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {Object.entries<Json>(record.properties ?? {}).map(([name, schema]) => (
                <TableRow key={name} data-testid={`field-row-${collection}-${name}`}>
                  <TableCell className="font-mono">{name}</TableCell>
                  <TableCell className="font-mono text-xs">{typeLabel(schema)}</TableCell>
                  <TableCell>{required.has(name) ? t("apiDocs.yes") : ""}</TableCell>
                  <TableCell className="hidden text-xs text-muted-foreground md:table-cell">{schema.description ?? ""}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </section>
        <section>
          <h3 className="mb-2 text-sm font-medium">{t("apiDocs.queryParameters")}</h3>
          <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[auto_1fr]" data-testid={`params-${collection}`}>
            {queryParams.map((p: Json) => (
              <div key={p.name} className="contents">
                <dt className="font-mono">{p.name}</dt>
                <dd className="text-xs text-muted-foreground">{p.description ?? typeLabel(p.schema ?? {})}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section>
          <h3 className="mb-2 text-sm font-medium">{t("apiDocs.examples")}</h3>
          <Tabs defaultValue="curl">
            <TabsList>
              <TabsTrigger value="curl" data-testid={`tab-curl-${collection}`}>
                curl
              </TabsTrigger>
              <TabsTrigger value="fetch" data-testid={`tab-fetch-${collection}`}>
                fetch
              </TabsTrigger>
            </TabsList>
            <TabsContent value="curl" className="flex flex-col gap-3 pt-3">
              <Example code={ex.curlList} id={`curl-list-${collection}`} />
              <Example code={ex.curlCreate} id={`curl-create-${collection}`} />
            </TabsContent>
            <TabsContent value="fetch" className="flex flex-col gap-3 pt-3">
              <Example code={ex.fetchList} id={`fetch-list-${collection}`} />
              <Example code={ex.fetchCreate} id={`fetch-create-${collection}`} />
            </TabsContent>
          </Tabs>
          <p className="mt-2 text-xs text-muted-foreground">{t("apiDocs.tokenHint", { token: TOKEN })}</p>
        </section>
      </CardContent>
    </Card>
  );
}

function ApiDocs() {
  const { t, locale } = useI18n();
  const { ref, project } = useProject();
  const doc = useQuery({ queryKey: ["openapi", ref], queryFn: () => fetchOpenApi(ref, locale) });
  const collections: string[] = (doc.data?.tags ?? []).map((tag: Json) => String(tag.name)).filter((n: string) => n !== "batch");
  const baseUrl: string = doc.data?.servers?.[0]?.url ?? "";
  const errorCodes: string[] = doc.data?.components?.schemas?.ErrorCode?.enum ?? [];
  const download = () => {
    const url = URL.createObjectURL(new Blob([JSON.stringify(doc.data, null, 2)], { type: "application/json" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${project.slug}-openapi.json`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        title={t("apiDocs.title")}
        description={t("apiDocs.subtitle")}
        actions={
          doc.data && (
            <Button variant="outline" onClick={download} data-testid="download-openapi">
              <Download />
              {t("apiDocs.download")}
            </Button>
          )
        }
      />
      {doc.isPending ? (
        <LoadingRows count={5} />
      ) : doc.isError ? (
        <QueryError error={doc.error} onRetry={() => doc.refetch()} />
      ) : (
        <>
          <Card>
            <CardHeader>
              <CardTitle>{t("apiDocs.baseUrl")}</CardTitle>
              <CardDescription>{t("apiDocs.baseUrlHint", { version: String(doc.data.info?.version ?? "") })}</CardDescription>
            </CardHeader>
            <CardContent className="flex flex-wrap items-center gap-2">
              <code className="rounded bg-muted px-2 py-1 font-mono text-sm break-all" data-testid="base-url">
                {baseUrl}
              </code>
              <CopyButton text={baseUrl} label={t("apiDocs.copyBaseUrl")} testId="copy-base-url" />
            </CardContent>
          </Card>
          {collections.length === 0 ? (
            <EmptyState icon={BookOpen} title={t("apiDocs.emptyTitle")} body={t("apiDocs.emptyBody")} />
          ) : (
            collections.map((c) => <CollectionDocs key={c} doc={doc.data} collection={c} baseUrl={baseUrl} />)
          )}
          <Card>
            <CardHeader>
              <CardTitle>{t("apiDocs.errorCodes")}</CardTitle>
              <CardDescription>{t("apiDocs.errorCodesHint")}</CardDescription>
            </CardHeader>
            <CardContent>
              <ul className="flex flex-wrap gap-2" data-testid="error-codes">
                {errorCodes.map((code) => (
                  <li key={code}>
                    <Badge variant="secondary" className="font-mono">
                      {code}
                    </Badge>
                  </li>
                ))}
              </ul>
            </CardContent>
          </Card>
        </>
      )}
    </div>
  );
}

export default function ApiDocsPage() {
  return (
    <RequirePermission permission="data:read">
      <ApiDocs />
    </RequirePermission>
  );
}

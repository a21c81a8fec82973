"use client";

import { useEffect, useRef, useState } from "react";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { parseDocumentText, toDocument, type DraftModel } from "../../../../../../components/designer/model-draft";
import { useI18n } from "../../../../../../components/i18n/i18n-provider";
import { Textarea } from "../../../../../../components/ui/textarea";

/**
 * The model as text (YAML or JSON), editable: a valid edit replaces the draft, so the diagram and
 * the text stay the same model; an invalid one is shown and kept until fixed.
 */
export function SourceView({
  model,
  format,
  onChange,
  readOnly,
}: {
  model: DraftModel;
  format: "yaml" | "json";
  onChange(m: DraftModel): void;
  readOnly: boolean;
}) {
  const { t } = useI18n();
  const render = (m: DraftModel) => (format === "yaml" ? toYaml(toDocument(m), { lineWidth: 0 }) : JSON.stringify(toDocument(m), null, 2));
  const [text, setText] = useState(() => render(model));
  const [error, setError] = useState<string | null>(null);
  const ownEdit = useRef(false);
  // Follow the draft when it changes elsewhere (not from typing here), unless the text is mid-edit and invalid.
  useEffect(() => {
    if (ownEdit.current) {
      ownEdit.current = false;
      return;
    }
    if (!error) setText(render(model));
  }, [model, format]);

  return (
    <div className="flex h-full flex-col gap-2">
      <Textarea
        className="min-h-0 flex-1 resize-none font-mono text-xs leading-relaxed"
        spellCheck={false}
        readOnly={readOnly}
        value={text}
        aria-label={format === "yaml" ? t("designer.yamlTab") : t("designer.jsonTab")}
        data-testid={`source-${format}`}
        onChange={(e) => {
          setText(e.target.value);
          try {
            const value = format === "yaml" ? parseYaml(e.target.value) : JSON.parse(e.target.value);
            const next = parseDocumentText(value, model);
            setError(null);
            ownEdit.current = true;
            onChange(next);
          } catch (err) {
            setError(
              err instanceof SyntaxError || (err as { name?: string }).name === "YAMLParseError"
                ? (err as Error).message.split("\n")[0]!
                : t("designer.sourceShape"),
            );
          }
        }}
      />
      {error ? (
        <p className="text-xs text-destructive" role="alert" data-testid="source-error">
          {t("designer.sourceInvalid", { reason: error })}
        </p>
      ) : (
        <p className="text-xs text-muted-foreground">{readOnly ? t("designer.sourceReadOnly") : t("designer.sourceHint")}</p>
      )}
    </div>
  );
}

import type { Locator, Page } from "@playwright/test";

/** Steps in the visual model designer that several specs take. */

/** Drags from one point of the page to another in small steps, as a hand does (xyflow follows pointer moves). */
export async function drag(page: Page, from: Locator, to: Locator) {
  const a = (await from.boundingBox())!;
  const b = (await to.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 20, a.y + a.height / 2 + 10, { steps: 5 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 15 });
  await page.mouse.up();
}

/** Adds a field of a type to the selected collection, names it, and goes back to the collection. */
export async function addField(page: Page, type: string, name: string, options: { required?: boolean } = {}) {
  await page.getByTestId("new-field-type").selectOption(type);
  await page.getByTestId("add-field").click();
  const editor = page.getByTestId("field-editor");
  await editor.getByTestId("field-name").fill(name);
  if (options.required) await editor.getByTestId("field-required").click();
  await editor.getByRole("button", { name: "Back to the collection" }).click();
}

import { Overview } from "./overview";

export default function OverviewPage() {
  return <Overview />;
}

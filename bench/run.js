// `npm run bench`: runs every benchmark area (bench/<area>.js), prints one
// table of ratios measured in this run, and writes bench/results.json.
import { readdirSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const helpers = new Set(["run.js", "lib.js"]);
const only = process.argv.slice(2);
const areas = readdirSync(here)
  .filter((name) => name.endsWith(".js") && !helpers.has(name))
  .filter((name) => only.length === 0 || only.includes(name.replace(/\.js$/, "")))
  .sort();

function format(summary, unit) {
  if (!summary) return "-";
  const value = summary.median >= 1000 ? Math.round(summary.median).toLocaleString("en-US") : summary.median.toPrecision(3);
  return `${value} ${unit} ±${Math.round(summary.spread * 100)}%`;
}

const rows = [];
for (const area of areas) {
  process.stderr.write(`bench: ${area} ...\n`);
  const module = await import(join(here, area));
  try {
    for (const result of await module.run()) rows.push({ area: area.replace(/\.js$/, ""), ...result });
  } catch (error) {
    rows.push({ area, name: area, note: `failed: ${error.message}`, target: "-" });
  }
}

const table = [["what", "ours", "baseline", "ratio", "target", "met"]];
for (const r of rows) {
  table.push([
    r.name,
    format(r.ours, r.unit),
    format(r.baseline, r.unit),
    r.ratio == null ? "-" : `${r.ratio.toFixed(2)}×`,
    r.target ?? "-",
    r.met == null ? (r.note ?? "-") : r.met ? "yes" : "NO",
  ]);
}
const widths = table[0].map((_, i) => Math.max(...table.map((line) => String(line[i]).length)));
for (const [i, line] of table.entries()) {
  console.log(line.map((cell, j) => String(cell).padEnd(widths[j])).join("  ").trimEnd());
  if (i === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
}
for (const r of rows.filter((r) => r.note && r.met != null)) console.log(`note (${r.name}): ${r.note}`);

const results = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", kernel: release(), node: process.version },
  rows,
};
writeFileSync(join(here, "results.json"), `${JSON.stringify(results, null, 2)}\n`);

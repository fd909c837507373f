// `npm run lint` step: the architecture rules of .dependency-cruiser.cjs (file cycles, layer order, lib/testing,
// unresolvable imports), plus the one check dependency-cruiser has no rule for: no cycle between FOLDERS (a folder
// may import another only if that one never imports it back, directly or through others).
//
// Usage: node scripts/check-architecture.mjs [dir…]   (default: lib). Exit code 1 on any violation.
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

// The CLI (its exports map exposes no bin path): run from the repository root, as npm scripts are.
const depcruise = fileURLToPath(
  new URL('../node_modules/dependency-cruiser/bin/dependency-cruise.mjs', import.meta.url),
);
const dirs = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['lib'];

/** Specs and spec helpers wire parts together from anywhere; they are not part of the folder graph. */
const SPEC = /\.spec(-helper)?\.ts$/;
/** The root of lib/ holds two layers: config (options, defaults, tokens) and the module root. */
const CONFIG = /^lib\/wecom-batch(\.options|\.defaults|-options\.schema|\.constants|\.internal-constants)\.ts$/;

function cruise() {
  const args = [depcruise, ...dirs, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'];
  try {
    return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    // depcruise exits with the number of errors; its JSON is on stdout all the same.
    if (typeof error.stdout === 'string' && error.stdout.startsWith('{')) return JSON.parse(error.stdout);
    throw error;
  }
}

/** The folder a file belongs to, with the root of lib/ split into its two layers. */
function folderOf(file) {
  const dir = dirname(file);
  if (dir !== 'lib') return dir;
  return CONFIG.test(file) ? 'lib (config)' : 'lib (module root)';
}

/** Strongly connected components of `graph` (Map<node, Set<node>>) with more than one node: the folder cycles. */
function cycles(graph) {
  let index = 0;
  const stack = [];
  const meta = new Map();
  const found = [];
  const visit = (node) => {
    meta.set(node, { index, low: index, onStack: true });
    index += 1;
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!meta.has(next)) {
        visit(next);
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).low);
      } else if (meta.get(next).onStack) {
        meta.get(node).low = Math.min(meta.get(node).low, meta.get(next).index);
      }
    }
    if (meta.get(node).low === meta.get(node).index) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        meta.get(member).onStack = false;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!meta.has(node)) visit(node);
  return found;
}

const result = cruise();
let failures = 0;

const rules = new Map((result.summary.ruleSetUsed?.forbidden ?? []).map((rule) => [rule.name, rule.comment]));
for (const violation of result.summary.violations) {
  if (violation.rule.severity !== 'error') continue;
  failures += 1;
  const route = violation.cycle
    ? [violation.from, ...violation.cycle.map((step) => step.name ?? step)]
    : [violation.from, violation.to];
  console.error(`error ${violation.rule.name}: ${route.join(' → ')}`);
  const comment = rules.get(violation.rule.name);
  if (comment) console.error(`      ${comment}`);
}

const graph = new Map();
const edges = new Map();
for (const module of result.modules) {
  if (!module.source.startsWith('lib/') || SPEC.test(module.source)) continue;
  const from = folderOf(module.source);
  if (!graph.has(from)) graph.set(from, new Set());
  for (const dependency of module.dependencies) {
    const target = dependency.resolved;
    if (!target.startsWith('lib/') || SPEC.test(target)) continue;
    const to = folderOf(target);
    if (to === from) continue;
    graph.get(from).add(to);
    const key = `${from}\u0000${to}`;
    if (!edges.has(key)) edges.set(key, []);
    edges.get(key).push(`${module.source} → ${target}`);
  }
}
for (const component of cycles(graph)) {
  failures += 1;
  console.error(`error no-folder-cycle: ${component.join(' ⇄ ')}`);
  console.error('      Folders that import each other (directly or around a loop). The imports that close it:');
  for (const from of component) {
    for (const to of component) {
      const closing = edges.get(`${from}\u0000${to}`) ?? [];
      for (const edge of closing.slice(0, 3)) console.error(`        ${edge}`);
      if (closing.length > 3) console.error(`        … and ${closing.length - 3} more from ${from} to ${to}`);
    }
  }
}

const { totalCruised, totalDependenciesCruised } = result.summary;
if (failures > 0) {
  console.error(
    `\n✖ ${failures} architecture violation(s) (${totalCruised} modules, ${totalDependenciesCruised} dependencies).`,
  );
  process.exit(1);
}
console.log(`✔ architecture: no violations (${totalCruised} modules, ${totalDependenciesCruised} dependencies)`);

// `--help` sections for commands with many flags: oclif prints each flag's helpGroup as its own "<GROUP> FLAGS"
// section. Set here, by name, so the flag declarations stay as they are.

type FlagLike = { helpGroup?: string };

/**
 * Puts each named flag in its group. A name that is no flag (renamed, removed) is skipped: help must never stop
 * the CLI from loading; test/cli-help.test.ts checks what lands where.
 */
export function setHelpGroups(flags: Record<string, FlagLike>, groups: Record<string, readonly string[]>): void {
  for (const [group, names] of Object.entries(groups)) {
    for (const name of names) {
      const flag = flags[name];
      if (flag) flag.helpGroup = group;
    }
  }
}

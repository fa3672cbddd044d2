/**
 * The process title of an actor: `tractor-ts[<name>]`, so `ps -o pid,ppid,args`
 * and `pstree -a` show the tree by actor name.
 */

/** Set this process's title to `tractor-ts[<name>]`. */
export function setProcTitle(name: string): void {
  // Linux truncates the title to the space of the original argv; a title that
  // does not fit is cut, never an error.
  try {
    process.title = `tractor-ts[${name}]`;
  } catch { /* some platforms refuse: the title is a convenience */ }
}

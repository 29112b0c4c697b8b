/** Where a module's port is served to other processes: its methods below, its greeting at the path itself. */
export const portPath = (module: string) => `/internal/${module}`;

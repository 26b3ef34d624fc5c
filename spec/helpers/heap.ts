import v8 from 'node:v8';
import vm from 'node:vm';

// V8 installs `gc` in contexts created after the flag is set: no `--expose-gc` needed on the command line
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** `heapUsed` after two full collections (the second one frees what the first one's finalizers released). */
export const heapAfterGc = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** Bytes as MB with one decimal, for printed figures. */
export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

// The forms a PEM credential takes in output, to search for (no test runner needed: the kube tier's
// harness and the soak script use it too).

/** The pieces of a PEM worth searching for: its whole text and every base64 line. */
export const pemPieces = (pem: string | Buffer): string[] => {
  const text = pem.toString();
  return [text.trim(), ...text.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----'))];
};

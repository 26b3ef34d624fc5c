/**
 * Waits until `condition` holds, checking after each short turn of the event loop; rejects after
 * `ms`. For conditions a test cannot subscribe to (a server's connection count, a list that
 * grows): the test waits for the condition itself, never for a fixed time.
 */
export const until = async (condition: () => boolean, ms = 10_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms: ${condition.toString()}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
};

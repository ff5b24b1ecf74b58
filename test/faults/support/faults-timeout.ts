// Each test starts servers and waits for a whole batch to recover; every wait inside has its own, tighter deadline.
jest.setTimeout(180_000);

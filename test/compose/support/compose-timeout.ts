// Building images on a cold machine takes minutes; each wait inside the suite has its own, tighter deadline.
jest.setTimeout(25 * 60_000);

// Starts the services the suite needs once per run (the S3 server is added by the storage work).
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}

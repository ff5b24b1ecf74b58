import { connect } from 'amqplib';
import { DataSource } from 'typeorm';
import { loadConfig } from '@darkroom/config';
import { dataSourceOptions, UploadsRepository } from '@darkroom/database';
import { DeadLetter, DeadLetters, declareRabbitTopology, eventQueues } from '@darkroom/messaging';

const USAGE = `usage: npm run dlq -- list
       npm run dlq -- replay [<messageId> ...]   (all when none is named)
       npm run dlq -- purge --yes`;

/**
 * `npm run dlq`: the dead-letter queues for operators. `replay` puts each message's upload back in the
 * queue if it had been recorded `failed` (so it is developed again, e.g. after memory was raised for a
 * photo that killed its workers) and publishes the message to the exchange again as a first attempt.
 */
async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || !['list', 'replay', 'purge'].includes(command)) throw new UsageError(`unknown command ${JSON.stringify(command ?? '')}`);
  if (command === 'purge' && !rest.includes('--yes')) throw new UsageError('purge drops every message for good: add --yes');
  const config = loadConfig();
  const amqp = await connect(config.rabbit.url, { clientProperties: { connection_name: `darkroom dlq ${command}` } });
  const channel = await amqp.createConfirmChannel();
  try {
    await declareRabbitTopology(channel, config.rabbit);
    // One dead-letter queue per event (rabbit-topology.ts); each command goes through them all.
    const queues = eventQueues(config.rabbit).map((names) => ({ names, letters: new DeadLetters(channel, names) }));
    if (command === 'list') {
      for (const { names, letters } of queues) {
        const all = await letters.list();
        for (const letter of all) console.log(line(letter));
        console.log(`${all.length} message(s) in ${names.deadQueue}`);
      }
    } else if (command === 'purge') {
      for (const { names, letters } of queues) console.log(`purged ${await letters.purge()} message(s) from ${names.deadQueue}`);
    } else {
      const db = new DataSource(dataSourceOptions(config.database.url, 'darkroom-dlq'));
      await db.initialize();
      try {
        const uploads = new UploadsRepository(db);
        const named = new Set(rest);
        for (const { letters } of queues) {
          const replayed = await letters.replay(
            (letter) => named.size === 0 || named.has(letter.messageId ?? ''),
            async (letter) => {
              if (letter.uploadId && (await uploads.requeueFailed(letter.uploadId))) console.log(`upload ${letter.uploadId}: failed → queued`);
            },
          );
          for (const letter of replayed) console.log(`replayed ${line(letter)}`);
          console.log(`${replayed.length} message(s) replayed to ${config.rabbit.exchange}`);
        }
      } finally {
        await db.destroy();
      }
    }
  } finally {
    // The channel first: its close-ok comes after the broker has handled the acks sent before it, which
    // closing the connection straight away does not wait for (an acked original would come back).
    await channel.close().catch(() => undefined);
    await amqp.close();
  }
}

function line(letter: DeadLetter): string {
  const body = letter.body.length > 120 ? `${letter.body.slice(0, 120)}…` : letter.body;
  return `${letter.messageId ?? '(no id)'}  ${letter.type}  attempt ${letter.attempt ?? '?'}  ${letter.reason ?? ''}  ${body}`;
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`${error.message}\n${USAGE}`);
  else console.error(`dlq failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});

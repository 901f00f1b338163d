// npm run validate -- <folder|url>
// Validates a dataset bundle with the app's own validator. Prints every problem as `<file>: <message>`
// and exits 1, or prints what the bundle holds and exits 0 (2 for a usage error). Text from the
// bundle is printed with its control characters escaped (printable.ts).
import { FetchBundleSource, type BundleSource } from '../data/bundleSource';
import { FsBundleSource } from '../node/fsBundleSource';
import { decodeImageWithSharp } from '../node/sharpImageDecoder';
import { validateDataset } from '../data/validateDataset';
import { problemLines, type DatasetSummary } from '../data/validation';
import { printable, printableLines } from './printable';

function sourceFor(location: string): BundleSource {
  return /^https?:\/\//i.test(location) ? new FetchBundleSource(location) : new FsBundleSource(location);
}

function formatSummary(summary: DatasetSummary): string {
  const sizes = summary.imageSizes.map((s) => `${s.width}x${s.height} (${s.count})`).join(', ') || 'none';
  const lines = [
    `${printable(summary.name)} (${printable(summary.id)})${summary.synthetic ? ', simulated data' : ''}`,
    `images: ${summary.images.train} train, ${summary.images.test} test; sizes ${sizes}`,
    `subject  V_s     train   test  betas rows`,
  ];
  for (const s of summary.subjects) {
    const [train, test] = s.trials ? [s.trials.train, s.trials.test] : ['-', '-'];
    const rows = s.betasRows ?? 'anatomy only';
    lines.push(
      `${printable(s.id).padEnd(8)} ${String(s.voxelCount).padEnd(7)} ${String(train).padStart(5)} ${String(test).padStart(6)}  ${rows}`,
    );
  }
  return lines.join('\n');
}

async function main(args: string[]): Promise<number> {
  const [location] = args;
  if (args.length !== 1 || !location) {
    console.error('usage: npm run validate -- <bundle folder or URL>');
    return 2;
  }
  const source = sourceFor(location);
  // Every chunk of the arrays is read; stderr says how far, per array, every 25 chunks and at the end.
  const { summary, problems } = await validateDataset(source, {
    decodeImage: decodeImageWithSharp,
    chunks: 'every',
    onProgress: ({ file, done, total }) => {
      if (done === total || done % 25 === 0) console.error(`${printable(file)}: ${done} of ${total} chunks read`);
    },
  });
  if (problems.length > 0) {
    for (const line of problemLines(problems, printable)) console.log(line);
    console.error(`${printable(source.name)}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    return 1;
  }
  console.log(`${printable(source.name)}: valid`);
  if (summary) console.log(printableLines(formatSummary(summary)));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

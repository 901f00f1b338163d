// Checks of a subject's trials.json against its betas and against dataset.json's images: every row
// names an existing image of the same split, and each test image's `trials` and the test rows of
// trials.json describe the same thing from both sides. Repeated problems are reported once per
// check with examples, so a wrong column does not turn into thousands of messages.
import type { DatasetJson, Split, TrialsJson } from './datasetSchema';
import { listExamples, type Problem } from './validation';

export interface TrialsCheck {
  subjectIndex: number;
  trialsPath: string;
  trials: TrialsJson;
  /** The number of betas rows, when the betas could be read. */
  betasRows: number | null;
}

/** Returns the number of rows per split. */
export function checkTrials(dataset: DatasetJson, check: TrialsCheck, problems: Problem[]): Record<Split, number> {
  const { trials, trialsPath } = check;
  const subject = dataset.subjects[check.subjectIndex]!;
  const report = (message: string) => problems.push({ file: trialsPath, message });

  const rows = check.betasRows ?? trials.image.length;
  const against = check.betasRows === null ? 'the image column has' : `${subject.betas!.path} has`;
  const isAverage = subject.betas?.rows === 'repeat-average';
  const columns: [string, unknown[] | undefined][] = [
    ['image', trials.image],
    ['session', trials.session],
    ['repeat', trials.repeat],
    ['split', trials.split],
  ];
  if (isAverage) columns.push(['averageOf', trials.averageOf]);
  for (const [name, column] of Object.entries(trials.behaviour ?? {})) columns.push([`behaviour.${name}`, column]);
  for (const [name, column] of columns) {
    if (column === undefined) report(`${name} is required for repeat-average rows`);
    else if (column.length !== rows) report(`${name} has ${column.length} entries, but ${against} ${rows} rows`);
  }

  const outOfRange: string[] = [];
  const wrongSplit: string[] = [];
  const badSession: string[] = [];
  trials.image.forEach((image, row) => {
    const target = dataset.images[image];
    if (!target) {
      outOfRange.push(`row ${row} = ${image}`);
      return;
    }
    const split = trials.split[row];
    if (split !== undefined && split !== target.split) {
      wrongSplit.push(`row ${row} is ${split} but images[${image}] ("${target.id}") is ${target.split}`);
    }
  });
  trials.session.forEach((session, row) => {
    const repeat = trials.repeat[row];
    const ok = isAverage ? session === -1 && repeat === -1 : session >= 0 && repeat !== undefined && repeat >= 0;
    if (!ok) badSession.push(`row ${row} = (${session}, ${repeat})`);
  });
  if (outOfRange.length > 0) {
    report(
      `image: ${outOfRange.length} entries outside images[0..${dataset.images.length - 1}]: ${listExamples(outOfRange)}`,
    );
  }
  if (wrongSplit.length > 0)
    report(`split: ${wrongSplit.length} rows disagree with their image: ${listExamples(wrongSplit)}`);
  if (badSession.length > 0) {
    const rule = isAverage ? 'are -1 for repeat-average rows' : 'are >= 0 for single-trial rows';
    report(`session and repeat ${rule}, but ${badSession.length} rows differ: ${listExamples(badSession)}`);
  }

  checkImageLinks(dataset, check, problems);
  return {
    train: trials.split.filter((s) => s === 'train').length,
    test: trials.split.filter((s) => s === 'test').length,
  };
}

/** Each image's `trials[subject]` rows show that image, and every test row is listed by its image. */
function checkImageLinks(dataset: DatasetJson, { subjectIndex, trials, trialsPath }: TrialsCheck, problems: Problem[]) {
  const subjectId = dataset.subjects[subjectIndex]!.id;
  const listed = new Set<number>();
  const wrong: string[] = [];
  dataset.images.forEach((image, index) => {
    for (const row of image.trials?.[subjectId] ?? []) {
      listed.add(row);
      const shown = trials.image[row];
      if (shown === undefined)
        wrong.push(`images[${index}] lists row ${row}, past the last row ${trials.image.length - 1}`);
      else if (shown !== index) {
        wrong.push(
          `images[${index}] ("${image.id}") lists row ${row}, which shows images[${shown}] ("${dataset.images[shown]?.id}")`,
        );
      }
    }
  });
  if (wrong.length > 0) {
    problems.push({
      file: 'dataset.json',
      message: `images[].trials.${subjectId}: ${wrong.length} rows do not show the image that lists them (${trialsPath}): ${listExamples(wrong)}`,
    });
  }
  const unlisted = trials.split.flatMap((split, row) => (split === 'test' && !listed.has(row) ? [`row ${row}`] : []));
  if (unlisted.length > 0) {
    problems.push({
      file: 'dataset.json',
      message: `images[].trials.${subjectId}: ${unlisted.length} test rows of ${trialsPath} are not listed by their image: ${listExamples(unlisted)}`,
    });
  }
}

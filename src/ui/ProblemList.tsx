import type { Problem } from '../data/validation';

interface Props {
  location: string;
  problems: Problem[];
  /** The name of the previously loaded dataset, which stays on the page. */
  stillShowing: string | null;
}

/** Why a bundle was refused: every problem, each naming its file. */
export function ProblemList({ location, problems, stillShowing }: Props) {
  return (
    <section className="problems" role="alert" aria-labelledby="problems-title">
      <h2 id="problems-title">This dataset could not be loaded</h2>
      <p>
        {problems.length} problem{problems.length === 1 ? '' : 's'} in <code>{location}</code>
        {stillShowing && <>; still showing {stillShowing}</>}:
      </p>
      <ul>
        {problems.map((problem, i) => (
          <li key={i}>
            <code className="problem-file">{problem.file}</code>: {problem.message}
          </li>
        ))}
      </ul>
    </section>
  );
}

import type { SubjectSummary } from '../data/validation';

export function SubjectTable({ subjects }: { subjects: SubjectSummary[] }) {
  return (
    <table className="subjects">
      <caption>Subjects</caption>
      <thead>
        <tr>
          <th scope="col">Subject</th>
          <th scope="col">Voxels (V_s)</th>
          <th scope="col">ROI labels: voxels (grey: outside the mask)</th>
          <th scope="col">Trials</th>
        </tr>
      </thead>
      <tbody>
        {subjects.map((subject) => (
          <tr key={subject.id}>
            <th scope="row">{subject.id}</th>
            <td className="number">{subject.voxelCount}</td>
            <td>
              {subject.roiLabels.map((label) => (
                <span
                  key={label.value}
                  className={label.inMask ? 'roi-label in-mask' : 'roi-label'}
                  title={label.inMask ? 'in the voxel mask' : 'not in the voxel mask'}
                >
                  {label.name}: {label.voxels}
                </span>
              ))}
            </td>
            <td>{subject.trials ? `${subject.trials.train} train, ${subject.trials.test} test` : 'anatomy only'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

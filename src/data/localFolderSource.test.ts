import { describe, expect, it } from 'vitest';
import { filesOfPickedFolder, LocalFolderSource, localBundleName } from './localFolderSource';

function picked(path: string, text: string): File {
  const file = new File([text], path.split('/').at(-1)!);
  Object.defineProperty(file, 'webkitRelativePath', { value: path });
  return file;
}

describe('a bundle from a picked folder', () => {
  it('reads files by their path inside the folder and names the missing ones', async () => {
    const { folder, files } = filesOfPickedFolder([
      picked('my-data/dataset.json', '{"a":1}'),
      picked('my-data/subj01/roi.nii.gz', 'roi'),
    ]);
    expect(folder).toBe('my-data');
    expect(Object.keys(files).sort()).toEqual(['dataset.json', 'subj01/roi.nii.gz']);
    const source = new LocalFolderSource(localBundleName(folder), files);
    expect(new TextDecoder().decode(await source.read('subj01/roi.nii.gz'))).toBe('roi');
    await expect(source.read('subj02/roi.nii.gz')).rejects.toThrow('not found in the chosen folder my-data/');
  });
});

describe('LocalFolderSource limits and keys (issue 16)', () => {
  it('refuses a file over its size limit without reading it', async () => {
    const huge = { size: 600 * 2 ** 20, arrayBuffer: () => Promise.reject(new Error('read')) } as unknown as File;
    const source = new LocalFolderSource('local:m/', { 'backbone.onnx': huge });
    await expect(source.read('backbone.onnx', { limit: 'onnxBytes' })).rejects.toThrow(
      /^is 629,145,600 bytes, more than the limit of 536,870,912 bytes \(LIMITS\.onnxBytes/,
    );
  });

  it('finds only its own files: "constructor" is not one', async () => {
    await expect(new LocalFolderSource('local:m/', {}).read('constructor')).rejects.toThrow(
      /^not found in the chosen folder m\/$/,
    );
  });
});

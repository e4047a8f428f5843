/** A dropped (or picked) file and its path: `folder/sub/name.png` inside a dropped folder, else its name. */
export interface DroppedFile {
  name: string;
  file: File;
}

/**
 * The files of a drop, folders included (a dropped `model/` folder gives its `model.json` and
 * `weights.bin`, a folder of images every image with its path). Folders are read one level at a time.
 */
export async function filesOfDrop(transfer: DataTransfer): Promise<DroppedFile[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => e != null);
  if (entries.length === 0) return filesOfList(transfer.files);
  const files: DroppedFile[] = [];
  const visit = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      files.push({ name: entry.fullPath.replace(/^\/+/, '') || file.name, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns the folder in chunks until an empty one.
      for (;;) {
        const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (chunk.length === 0) break;
        await Promise.all(chunk.map(visit));
      }
    }
  };
  await Promise.all(entries.map(visit));
  return files;
}

/** Files from a file input (`webkitdirectory` gives each its path in the picked folder) or a plain drop. */
export function filesOfList(list: FileList): DroppedFile[] {
  return [...list].map((file) => ({ name: file.webkitRelativePath || file.name, file }));
}

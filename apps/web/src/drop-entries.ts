/**
 * The files of a drop, folders included (a dropped `model/` folder gives its `model.json` and
 * `weights.bin`). Each file's `name` is its own name; folders are read one level at a time.
 */
export async function filesOfDrop(transfer: DataTransfer): Promise<File[]> {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => e != null);
  if (entries.length === 0) return [...transfer.files];
  const files: File[] = [];
  const visit = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) {
      files.push(await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject)));
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

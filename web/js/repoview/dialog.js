// The repository view (repo.html): dialog. Work in progress.
export {};

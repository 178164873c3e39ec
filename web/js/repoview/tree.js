// The repository view (repo.html): tree. Work in progress.
export {};

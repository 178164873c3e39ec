// The repository view (repo.html): copy. Work in progress.
export {};

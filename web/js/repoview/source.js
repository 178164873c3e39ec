// The repository view (repo.html): source. Work in progress.
export {};
